/**
 * An optional CPU profile of a measured stretch of a benchmark: `BENCH_PROFILE=ingest.cpuprofile
 * npm run bench -- ingest` writes the realistic rounds' profile (open it in Chrome DevTools or
 * VS Code), so that what the ratios say can be looked at line by line. Sampled every 100 µs.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** Starts profiling when BENCH_PROFILE names a file; the returned function stops and writes it. */
export async function profileIfAsked(): Promise<() => Promise<void>> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    process.stderr.write(`bench: CPU profile of the measured rounds written to ${file}\n`);
  };
}
