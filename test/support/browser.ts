/**
 * A real browser for page tests: Debian's `chromium` driven by puppeteer-core. `.ci/run`
 * installs it; on a workstation without it the tests say so and skip, and under CI they fail
 * (a browser test that silently does not run proves nothing).
 */
import { existsSync } from 'node:fs';

const CANDIDATES = [process.env.BOUNDWATCH_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/** `describe` when a browser is there; otherwise a visible skip (or a failure under CI). */
export function describeWithBrowser(name: string, fn: (executablePath: string) => void): void {
  const path = chromiumPath();
  if (path) {
    describe(name, () => fn(path));
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('has a browser to run in', () => {
        throw new Error(`no Chromium found (looked for ${CANDIDATES.join(', ')}): .ci/run installs Debian's chromium`);
      });
    });
    return;
  }
  process.stderr.write(`[skip] ${name}: no Chromium (apt-get install chromium, or set BOUNDWATCH_CHROMIUM)\n`);
  describe.skip(`${name} (skipped: no Chromium on this machine)`, () => fn(''));
}
