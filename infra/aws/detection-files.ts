/**
 * Detection list files (`detection.ipLists[].file`, `detection.trustedCidrsFile`) are read by
 * ingest-audit at cold start, so they must travel inside its deployment package: inline lists
 * would not fit in Lambda's environment (a Tor exit list is ~1,200 addresses). At synth time
 * each file is checked, copied into the bundle under `detection-files/`, and the configuration
 * the function receives points at its path in the package.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { DetectionConfig } from '#shared/detect/config';
import { ConfigError } from '#shared/errors';

/** Where Lambda unpacks the deployment package. */
export const LAMBDA_TASK_ROOT = '/var/task';
export const DETECTION_FILES_DIR = 'detection-files';

export interface PackagedFile {
  /** Absolute path on the synth machine. */
  source: string;
  /** Path inside the bundle, relative to its root. */
  target: string;
}

export function packageDetectionFiles(detection: DetectionConfig, baseDir: string): { detection: DetectionConfig; files: PackagedFile[] } {
  const files: PackagedFile[] = [];
  const pack = (path: string, field: string): string => {
    const source = resolve(baseDir, path);
    if (!existsSync(source) || !statSync(source).isFile()) throw new ConfigError(`${field}: file ${path} not found (paths are relative to ${baseDir})`);
    const target = `${DETECTION_FILES_DIR}/${files.length}-${basename(source).replace(/[^A-Za-z0-9._-]/g, '_')}`;
    files.push({ source, target });
    return `${LAMBDA_TASK_ROOT}/${target}`;
  };
  const ipLists = detection.ipLists.map((l, i) => (l.file ? { ...l, file: pack(l.file, `detection.ipLists.${i}.file`) } : l));
  const trustedCidrsFile = detection.trustedCidrsFile ? pack(detection.trustedCidrsFile, 'detection.trustedCidrsFile') : undefined;
  return { detection: { ...detection, ipLists, ...(trustedCidrsFile ? { trustedCidrsFile } : {}) }, files };
}

/** Shell-quotes a path for the bundling hook (paths may contain spaces). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
