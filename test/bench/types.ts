/**
 * Each benchmark module exports `bench(): Promise<BenchSection>`; test/bench/run.ts runs them,
 * prints one table per section and merges `results` into bench-results.json (README.md#performance).
 * Figures that compare two things are measured in the same run: these machines are noisy.
 */
export interface BenchSection {
  title: string;
  /** Rows for the printed table: a label and a human-readable value. */
  rows: Array<[string, string]>;
  /** Keys such as `ingest.eventsPerSec`; a key that cannot be measured yet is left out. */
  results: Record<string, number>;
}
