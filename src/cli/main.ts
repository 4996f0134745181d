import yargs, { type Argv } from 'yargs';
import { isSpillguardError } from '../errors.js';
import { toolVersion } from '../version.js';
import { scanCommand } from './commands/scan.js';
import { rulesCommand } from './commands/rules.js';
import { stagedCommand } from './commands/staged.js';
import { gitCommand } from './commands/git.js';
import { hookCommand } from './commands/hook.js';
import { baselineCommand } from './commands/baseline.js';
import { ciCommand } from './commands/ci.js';
import { redactCommand } from './commands/redact.js';
import { runCommand } from './commands/run.js';

/**
 * The only place that turns errors into messages and exit codes: 2 for anything the user can fix
 * (flags, config, rules, unreadable input), with a message naming the file, rule or flag.
 */
export async function main(args: string[]): Promise<number> {
  let code = 0;
  const state: { exitCode?: number } = {};
  // Each command's `run` returns its exit code; yargs only knows handlers.
  const wrap = <A>(cmd: { command: string | string[]; describe: string; builder: (y: Argv) => Argv<A>; run: (a: never) => Promise<number> }) => ({
    command: cmd.command,
    describe: cmd.describe,
    builder: cmd.builder as (y: Argv) => Argv,
    handler: async (a: unknown) => {
      state.exitCode = await cmd.run(a as never);
    },
  });
  try {
    // yargs drops a lone `-`; by convention it means standard input.
    await yargs(args.map((a) => (a === '-' ? '--stdin' : a)))
      .scriptName('spillguard')
      .command(wrap(scanCommand))
      .command(wrap(rulesCommand))
      .command(wrap(stagedCommand))
      .command(wrap(gitCommand))
      .command(wrap(hookCommand))
      .command(wrap(baselineCommand))
      .command(wrap(ciCommand))
      .command(wrap(redactCommand))
      .command(wrap(runCommand))
      .strict()
      .version(toolVersion())
      .help()
      // (not combined with yargs' strip-aliased option: together they swallow --help and run the command)
      .alias('h', 'help')
      .wrap(Math.min(110, process.stdout.columns || 100))
      .exitProcess(false)
      .fail((msg, err) => {
        // Throwing (not printing) stops yargs from running the command after a usage error.
        if (err) throw err;
        // yargs names each unknown flag twice (kebab and camel case): keep the one the user typed.
        const m = /^Unknown arguments?: (.*)$/.exec(msg);
        if (m) {
          const names = m[1].split(', ').filter((n) => !/[a-z][A-Z]/.test(n));
          throw new UsageError(`Unknown argument${names.length > 1 ? 's' : ''}: ${names.map((n) => `--${n}`).join(', ')}`);
        }
        throw new UsageError(msg);
      })
      .parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`spillguard: ${e.message}\n\nRun \`spillguard --help\` for usage.\n`);
      return 2;
    }
    if (isSpillguardError(e)) {
      process.stderr.write(`spillguard: error: ${e.render()}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`spillguard: internal error: ${err?.message ?? String(e)}\n(please report this; run with SPILLGUARD_DEBUG=1 for details)\n`);
    if (process.env.SPILLGUARD_DEBUG) process.stderr.write(`${err?.stack}\n`);
    return 2;
  }
  return code || (state.exitCode ?? 0);
}

class UsageError extends Error {}
