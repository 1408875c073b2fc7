import type { Command } from 'commander';

export function registerReplay(program: Command): void {
  void program;
}
