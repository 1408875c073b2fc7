import type { Command } from 'commander';

/** `boundwatch release ID` (issue #6). */
export function registerRelease(program: Command): void {
  void program;
}
