/**
 * Locating and opening input files for the command line. A PATH may be a file or a folder
 * (read recursively, in sorted order); `.gz` content is recognised by its magic bytes, not
 * its name. Anything unreadable becomes an InputError naming the file (exit code 2).
 */
import { createReadStream, readFileSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { InputError } from '#shared/errors';

/**
 * The files under a folder, recursively, in sorted order, leaving out hidden files and
 * everything under hidden folders (`.git`). The one folder walk of the command line.
 */
export function folderFiles(dir: string, keep: (file: string) => boolean = () => true): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => !/(^|\/)\./.test(f.slice(dir.length)) && statSync(f).isFile() && keep(f))
    .sort();
}

export function expandPaths(paths: string[], what: string): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let st: Stats;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(`${p}: cannot read ${what}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const inner = folderFiles(p);
      if (inner.length === 0) throw new InputError(`${p}: folder holds no ${what} files`);
      files.push(...inner);
    } else if (st.isFile()) files.push(p);
    else throw new InputError(`${p}: not a file or folder`);
  }
  return files;
}

async function isGzip(file: string): Promise<boolean> {
  const stream = createReadStream(file, { start: 0, end: 1 });
  const chunks: Buffer[] = [];
  try {
    for await (const c of stream) chunks.push(c as Buffer);
  } catch (err) {
    throw new InputError(`${file}: cannot read: ${(err as Error).message}`);
  }
  const head = Buffer.concat(chunks);
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** A text stream of the file, gunzipped when it is gzip. Errors surface as InputError naming the file. */
export async function openText(file: string, onBytes?: (n: number) => void): Promise<Readable> {
  const gz = await isGzip(file);
  // 1 MiB reads: a multi-gigabyte replay in 64 KiB reads spends seconds in the read calls alone.
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (onBytes) raw.on('data', (c) => onBytes((c as Buffer).length));
  if (!gz) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/** Lines of a (possibly gzipped) text file, with 1-based line numbers. */
export async function* readLines(file: string, onBytes?: (n: number) => void): AsyncGenerator<{ line: string; lineNo: number }> {
  const stream = await openText(file, onBytes);
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of rl) {
      lineNo += 1;
      yield { line, lineNo };
    }
  } catch (err) {
    throw new InputError(`${file}: cannot read${lineNo ? ` after line ${lineNo}` : ''}: ${(err as Error).message}`);
  }
}

export function fileSize(file: string): number {
  return statSync(file).size;
}

/** Reads a whole small file synchronously, gunzipping if needed (used for JSON documents like --cluster). */
export function readSmallFile(file: string, what: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    throw new InputError(`${file}: cannot read ${what}: no such file or not readable`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch {
      throw new InputError(`${file}: ${what} is not valid gzip`);
    }
  }
  return buf.toString('utf8');
}
