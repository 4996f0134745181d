import yargs, { type Argv } from 'yargs';
import { isSpillguardError } from '../errors.js';
import { toolVersion } from '../version.js';
import { scanCommand } from './commands/scan.js';
import { rulesCommand } from './commands/rules.js';

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
      .parserConfiguration({ 'strip-aliased': true })
      .command(wrap(scanCommand))
      .command(wrap(rulesCommand))
      .strict()
      .version(toolVersion())
      .help()
      .alias('h', 'help')
      .wrap(Math.min(110, process.stdout.columns || 100))
      .exitProcess(false)
      .fail((msg, err) => {
        if (err) throw err;
        process.stderr.write(`spillguard: ${msg}\n\nRun \`spillguard --help\` for usage.\n`);
        code = 2;
      })
      .parseAsync();
  } catch (e) {
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
