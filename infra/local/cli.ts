/**
 * The `boundwatch` command line (README.md#command-line). Each command lives in commands/<name>.ts and
 * registers itself here; this file only maps outcomes to exit codes:
 * 0 success, 2 bad usage or unreadable input, 1 a check found problems or internal failure.
 */
import { Command, CommanderError } from 'commander';
import { CheckFailedError, ConfigError, InputError, errorMessage } from '#shared/errors';
import { registerDemo } from './commands/demo';
import { registerReplay } from './commands/replay';
import { registerNetpol } from './commands/netpol';
import { registerRelease } from './commands/release';
import { registerReport } from './commands/report';
import { registerPreflight } from './commands/preflight';
import { inertText } from '#shared/text';

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command('boundwatch')
    .description('Layered defense for Amazon EKS: NetworkPolicies and user behavior analytics')
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerReplay(program);
  registerNetpol(program);
  registerRelease(program);
  registerReport(program);
  registerPreflight(program);
  for (const cmd of allCommands(program)) cmd.exitOverride();
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs the program and returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof InputError || err instanceof ConfigError) {
      process.stderr.write(`boundwatch: ${inertText(err.message)}\n`);
      return EXIT.usage;
    }
    if (err instanceof CheckFailedError) {
      if (err.message) process.stderr.write(`boundwatch: ${inertText(err.message)}\n`);
      return EXIT.problems;
    }
    process.stderr.write(`boundwatch: internal error: ${inertText(errorMessage(err))}\n`);
    if (process.env.BOUNDWATCH_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return EXIT.problems;
  }
}

if (require.main === module) {
  // Lambda runs nodejs22.x; on a Node 20 workstation the SDK's upgrade notice is just noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`boundwatch: internal error: ${errorMessage(err)}\n`);
      process.exitCode = EXIT.problems;
    },
  );
}
