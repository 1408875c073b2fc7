import type { Command } from 'commander';

/** `boundwatch netpol simulate|validate|advise|audit` (issues #4 and #5). */
export function registerNetpol(program: Command): void {
  const netpol = program.command('netpol').description('NetworkPolicy simulation, validation, advice and audit');
  void netpol;
}
