/**
 * Where the project is. The CDK app runs both from source (jest) and as a bundle under
 * node_modules/.cache (cdk.json), so `__dirname` differs: walk up to our own package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export function findProjectRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'boundwatch') return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`boundwatch project root not found above ${start}`);
    dir = parent;
  }
}

/** functions/<name>/handler.ts */
export function functionEntry(projectRoot: string, name: string): string {
  return path.join(projectRoot, 'functions', name, 'handler.ts');
}
