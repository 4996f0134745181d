import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import { isSpillguardError } from '../errors.js';
import type { HistoryRun } from '../git/history.js';
import type { StagedDiffRun } from '../git/staged-diff.js';
import { toolVersion } from '../version.js';

/** What main() hands a command besides its flags: work it started early on the command's behalf. */
export interface RunContext {
  /** `spillguard staged`: git's diff of the index, started before anything else was loaded. */
  stagedDiff?: StagedDiffRun;
  /** `spillguard git`: the history's git processes, started likewise; stopped if the scan never takes them. */
  history?: HistoryRun;
}

/** What a command module exports: its flags and what it runs. */
interface CommandImpl {
  builder: (y: Argv) => Argv<unknown>;
  run: (argv: never, ctx: RunContext) => Promise<number>;
}

/**
 * The commands, as yargs lists them in `--help`. Each implementation (its flags, and everything it
 * imports) is loaded only when that command runs: a pre-commit hook starts `spillguard staged`
 * on every commit and must not pay for the folder walker, the redactor or the reporters it never
 * uses. Order is the order of `spillguard --help`.
 */
export const COMMANDS: ReadonlyArray<{ name: string; command: string; describe: string; load: () => Promise<CommandImpl> }> = [
  {
    name: 'scan',
    command: 'scan [paths..]',
    describe: 'Scan files and folders (default: .) or standard input (-)',
    load: async () => (await import('./commands/scan.js')).scanCommand,
  },
  {
    name: 'rules',
    command: 'rules <action> [pack]',
    describe: 'List the rules in force, or test a rule pack against its own examples',
    load: async () => (await import('./commands/rules.js')).rulesCommand,
  },
  {
    name: 'staged',
    command: 'staged',
    describe: 'Scan what the next commit will contain (the index, not the working tree); report only added or changed lines',
    load: async () => (await import('./commands/staged.js')).stagedCommand,
  },
  {
    name: 'git',
    command: 'git [revs..]',
    describe: 'Scan git history (default: all refs); each finding names the commit that introduced it',
    load: async () => (await import('./commands/git.js')).gitCommand,
  },
  {
    name: 'hook',
    command: 'hook <action> [remote] [url]',
    describe: 'Install or remove the git hooks (pre-commit, and pre-push with --pre-push); `hook pre-push` is what the pre-push hook runs',
    load: async () => (await import('./commands/hook.js')).hookCommand,
  },
  {
    name: 'baseline',
    command: 'baseline <action> [paths..]',
    describe: 'Record current findings as accepted (create), or drop entries no longer found (update)',
    load: async () => (await import('./commands/baseline.js')).baselineCommand,
  },
  {
    name: 'ci',
    command: 'ci',
    describe: 'One command for pipelines: detects GitHub Actions / GitLab CI, scans a pull request\'s commits or the tree, writes the report CI ingests',
    load: async () => (await import('./commands/ci.js')).ciCommand,
  },
  {
    name: 'redact',
    command: 'redact [paths..]',
    describe: 'Redact secrets and personal data from documents (--out DIR) or standard input (--stdin)',
    load: async () => (await import('./commands/redact.js')).redactCommand,
  },
  {
    name: 'run',
    command: 'run [command..]',
    describe: 'Run a command with its stdout and stderr redacted live: spillguard run -- npm test',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
];

/** `spillguard --help` alone: the list of commands, not the flags of the default command (scan). */
const isTopLevelHelp = (args: string[]) => args.length > 0 && args.every((a) => a === '--help' || a === '-h');

const camelCase = (k: string) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The arguments yargs would hand a command given on its own, with no flag: each option's default,
 * under its name, its camel-case name and its aliases. Read from the command's own builder (the one
 * yargs runs), so the two cannot drift apart; undefined when the builder does more than declare
 * options with defaults (positionals, checks…): then only yargs can say what the command line means.
 */
export function defaultArgv(name: string, builder: (y: Argv) => unknown): Record<string, unknown> | undefined {
  const argv: Record<string, unknown> = { _: [name] };
  let plain = true;
  const recorder: Argv = new Proxy({} as Argv, {
    get(_target, method) {
      if (method === 'option' || method === 'options') {
        return (key: string, o: { default?: unknown; alias?: string | string[] } = {}) => {
          if (typeof key !== 'string') plain = false;
          else if ('default' in o) {
            for (const k of [key, ...([] as string[]).concat(o.alias ?? [])]) argv[k] = argv[camelCase(k)] = o.default;
          }
          return recorder;
        };
      }
      if (method === 'epilog' || method === 'usage' || method === 'example') return () => recorder;
      plain = false;
      return () => recorder;
    },
  });
  builder(recorder);
  return plain ? { ...argv, $0: 'spillguard' } : undefined;
}

/**
 * The only place that turns errors into messages and exit codes: 2 for anything the user can fix
 * (flags, config, rules, unreadable input), with a message naming the file, rule or flag.
 */
export async function main(args: string[]): Promise<number> {
  const ctx: RunContext = {};
  // The reader of our output went away (`spillguard scan | head`): stop as a shell pipeline's writer
  // does, quietly with 128 + SIGPIPE, instead of an unhandled EPIPE stack trace. `run` handles it
  // itself: the command it runs is the one that must see the pipe close.
  if (args.find((a) => !a.startsWith('-')) !== 'run') {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') process.stderr.write(`spillguard: error: cannot write to standard output: ${e.message}\n`);
      process.exit(e.code === 'EPIPE' ? 141 : 2);
    });
  }
  try {
    // The pre-commit hook runs `spillguard staged`: start its git process now, so that git works on
    // another core while this one loads the command, the rules and the engine (~100 ms it would
    // otherwise wait after). Flags do not change the diff; after a usage error git is left to
    // finish on its own.
    if (args[0] === 'staged' && !args.some((a) => a === '--help' || a === '-h' || a === '--version')) {
      const { startStagedDiff } = await import('../git/staged-diff.js');
      ctx.stagedDiff = startStagedDiff(process.cwd());
      // And start loading what the command will need: its files are read while others compile.
      for (const m of [import('./commands/staged.js'), import('../git/staged.js')]) m.catch(() => undefined);
    }
    // `spillguard git` exactly (every ref, default flags): git walks the history and reads its blobs
    // on another core while this one loads the command line parser, the rules and the engine.
    if (args.length === 1 && args[0] === 'git') {
      const { startHistory } = await import('../git/history.js');
      ctx.history = startHistory();
      import('./commands/git.js').catch(() => undefined);
    }
    // `spillguard staged` exactly, as the pre-commit hook runs it at every commit: there is nothing
    // to parse, so the command runs on its defaults without loading yargs (~30 modules, ~50 ms, a
    // sixth of the hook's time). Any flag, and every other command, goes through yargs.
    if (args.length === 1 && args[0] === 'staged') {
      const impl = await COMMANDS.find((c) => c.name === 'staged')!.load();
      const argv = defaultArgv('staged', impl.builder);
      if (argv) return await impl.run(argv as never, ctx);
    }
    return await parseAndRun(args, ctx);
  } catch (e) {
    ctx.history?.abort();
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
}

/** yargs parses the command line and runs the command; its exit code, 0 after `--help` or `--version`. */
async function parseAndRun(args: string[], ctx: RunContext): Promise<number> {
  let exitCode = 0;
  const topLevelHelp = isTopLevelHelp(args);
  // Loaded here, not at the top: `spillguard staged` (above) does without it. The CommonJS build:
  // the ESM one lays out help with cliui's ESM shim, which cuts text every N characters, mid-word
  // ("the index, not th / e working tree"); the CommonJS one wraps at spaces.
  const yargs = createRequire(import.meta.url)('yargs') as typeof import('yargs').default;
  // What follows `--` is positional, whatever it looks like: given to the command's list (paths,
  // revisions, the command to run) below. yargs would leave it aside in `_`, and scan the working directory.
  const dd = args.indexOf('--');
  const tail = dd >= 0 ? args.slice(dd + 1) : [];
  // yargs drops a lone `-`; by convention it means standard input.
  const y = yargs(args.map((a, i) => (a === '-' && (dd < 0 || i < dd) ? '--stdin' : a)))
    .scriptName('spillguard')
    // One value per flag (repeat it for more): a greedy --exclude took the paths after it for globs.
    .parserConfiguration({ 'greedy-arrays': false });
  for (const c of COMMANDS) {
    // scan is the default command (`spillguard <paths>`), except for the top-level help, where a
    // default command would have yargs print scan's flags instead of the list of commands.
    const command = c.name === 'scan' && !topLevelHelp ? [c.command, '$0 [paths..]'] : c.command;
    y.command({
      command,
      describe: c.describe,
      // yargs awaits a builder's promise (parseAsync), in `--help` too.
      builder: async (inner: Argv) => {
        const b = (await c.load()).builder(inner) as Argv;
        // A flag that takes a value must get one: `--max-file-size` alone was taken as absent.
        const positionals = new Set([...c.command.matchAll(/[<[](\w+)(?:\.\.)?[>\]]/g)].map((m) => m[1]));
        const o = (b as unknown as { getOptions(): { key: Record<string, unknown>; string: string[]; number: string[]; boolean: string[]; array: string[] } }).getOptions();
        const valued = [...o.string, ...o.number].filter((k) => !positionals.has(k));
        // yargs makes a repeated flag an array, which a one-value flag's code then took for a string
        // (an internal error), or read one of the two: which one the user meant is theirs to say.
        // (A repeated boolean is not an array: the last one wins, as `--color --no-color` should.)
        const single = Object.keys(o.key).filter((k) => k.length > 1 && !positionals.has(k) && !o.boolean.includes(k) && !o.array.includes(k));
        return b.requiresArg(valued).check((argv) => {
          const twice = single.find((k) => Array.isArray(argv[k]));
          if (twice) throw new UsageError(`flag --${twice} given more than once: it takes one value`);
          // `--config "$CFG"` with CFG unset read as no flag at all: the default config, quietly.
          const empty = single.find((k) => o.string.includes(k) && argv[k] === '');
          if (empty) throw new UsageError(`flag --${empty} has an empty value (an unset variable?)`);
          return true;
        });
      },
      handler: async (a: unknown) => {
        if (tail.length) {
          const list = /\[(\w+)\.\.\]$/.exec(c.command)?.[1];
          if (!list) throw new UsageError(`spillguard ${c.name} takes nothing after --`);
          const argv = a as Record<string, unknown>;
          argv[list] = [...((argv[list] as string[] | undefined) ?? []), ...tail];
        }
        exitCode = await (await c.load()).run(a as never, ctx);
      },
    });
  }
  if (topLevelHelp) {
    y.usage('$0 <command> [options]').epilog(
      'Without a command, spillguard scans: `spillguard [paths..]` is `spillguard scan [paths..]`.\n' +
        '`spillguard <command> --help` lists the flags of a command.',
    );
  }
  await y
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
      throw usageError(msg, args);
    })
    .parseAsync()
    .catch((e: unknown) => {
      // A command's own validation (a flag without its value) comes as yargs' error, past fail().
      throw (e as Error)?.name === 'YError' ? usageError((e as Error).message, args) : e;
    });
  return exitCode;
}

function usageError(msg: string, args: readonly string[] = []): UsageError {
  const missing = /^Not enough arguments following: (.*)$/.exec(msg);
  if (missing) return new UsageError(`flag ${missing[1].length === 1 ? '-' : '--'}${missing[1]} needs a value`);
  // yargs names each unknown flag twice (kebab and camel case): keep the one the user typed.
  const m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (m) {
    // (A camel-case name alone is what the user typed: `--fooBar` has no kebab twin in the list.)
    const all = m[1].split(', ');
    const kebab = (n: string) => n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const names = all.filter((n) => !(/[a-z][A-Z]/.test(n) && all.includes(kebab(n))));
    // A word the user typed as it is (`spillguard staged app.env`) was no flag: named as typed.
    const typed = (n: string) => (args.includes(n) && !args.some((a) => a === `--${n}` || a.startsWith(`--${n}=`)) ? n : n.length === 1 ? `-${n}` : `--${n}`);
    return new UsageError(`Unknown argument${names.length > 1 ? 's' : ''}: ${names.map(typed).join(', ')}`);
  }
  return new UsageError(msg);
}

class UsageError extends Error {}
