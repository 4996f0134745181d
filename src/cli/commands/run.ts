import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { Argv } from 'yargs';
import { loadRules } from '../../config/rules.js';
import type { Kind } from '../../engine/types.js';
import { ioReason, SpillguardError } from '../../errors.js';
import type { StreamRecord } from '../../redact/stream.js';
import { writeOutput } from '../io.js';
import { readKey } from '../common.js';
import { parseOperators } from './redact.js';

interface RunArgs {
  command?: string[];
  report?: string;
  config?: string;
  kind: 'secret' | 'pii' | 'all';
  operator: string[];
  keyFile?: string;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export const runCommand = {
  builder: (y: Argv) =>
    y
      .positional('command', { type: 'string', array: true, describe: 'The command and its arguments (after --)' })
      .option('report', { type: 'string', describe: 'Write what was found (JSON, values masked) to FILE' })
      .option('config', { alias: 'c', type: 'string', describe: 'Config file (default: .spillguard.toml in the working directory)' })
      .option('kind', { choices: ['secret', 'pii', 'all'] as const, default: 'secret' as const, describe: 'What to redact' })
      .option('operator', { type: 'string', array: true, default: [], describe: 'NAME=OPERATOR, NAME a kind or rule id (e.g. secret=mask)' })
      .option('key-file', { type: 'string', describe: 'Pseudonym key file (default: SPILLGUARD_KEY)' }),
  run: async (argv: RunArgs): Promise<number> => {
    // What follows `--` is added to the list by main.ts.
    const cmd = argv.command ?? [];
    if (!cmd.length) throw new SpillguardError('usage', 'no command to run: spillguard run -- <command> [args…]');
    // Signals sent to spillguard are meant for the command: pass them on and let it decide. One that
    // arrives before the command starts is passed on as soon as it does.
    let child: ChildProcess | undefined;
    let early: NodeJS.Signals | undefined;
    const forward = (sig: NodeJS.Signals) => () => {
      if (!child) early ??= sig;
      else if (child.exitCode === null && child.signalCode === null && !fromTerminal(sig, child)) child.kill(sig);
    };
    const handlers = FORWARDED.map((sig) => [sig, forward(sig)] as const);
    for (const [sig, h] of handlers) process.on(sig, h);
    try {
      return await supervise(cmd, argv, (c) => {
        child = c;
        if (early) c.kill(early);
      });
    } finally {
      for (const [sig, h] of handlers) process.off(sig, h);
    }
  },
};

/** Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, tty_nr, tpgid… */
function procStat(pid: number | 'self'): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * Ctrl-C and Ctrl-\ at a terminal: the terminal sends SIGINT or SIGQUIT to its whole foreground
 * process group, the command included. Passed on again, the command got it twice, and many take
 * a second Ctrl-C for "stop now, skip the clean-up" (docker compose, test runners). Known where
 * /proc tells (Linux): we are in the terminal's foreground group, and so is the command.
 */
function fromTerminal(sig: NodeJS.Signals, child: ChildProcess): boolean {
  if ((sig !== 'SIGINT' && sig !== 'SIGQUIT') || child.pid === undefined) return false;
  const self = procStat('self');
  const theirs = procStat(child.pid);
  if (!self || !theirs) return false;
  const [, , pgrp, , tty, tpgid] = self;
  return tty !== '0' && tpgid === pgrp && theirs[2] === pgrp;
}

async function supervise(cmd: string[], argv: RunArgs, started: (c: ChildProcess) => void): Promise<number> {
  // Imported here: other commands (a pre-commit hook) must not pay for the redactor at start-up.
  const { loadRedactConfig } = await import('../../redact/config.js');
  const { Redactor } = await import('../../redact/session.js');
  const { TextRedactStream } = await import('../../redact/stream.js');
  const cwd = process.cwd();
  const kinds: Kind[] = argv.kind === 'all' ? ['secret', 'pii'] : [argv.kind];
  const rules = loadRules({ config: argv.config, root: cwd });
  const redactor = new Redactor({
    rules: { rules: rules.rules, allowlist: rules.allowlist },
    kinds,
    injection: false,
    config: loadRedactConfig({ config: argv.config, root: cwd }),
    operators: parseOperators(argv.operator, new Set(rules.rules.map((r) => r.id))),
    key: readKey(argv.keyFile),
  });
  const findings: (StreamRecord & { stream: string })[] = [];
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ['inherit', 'pipe', 'pipe'] });
  started(child);
  const streams = (['stdout', 'stderr'] as const).map((name) => {
    // Records are kept only for --report: a long build log full of masked values is not held in memory.
    const onRecord = argv.report ? (r: StreamRecord) => findings.push({ stream: name, ...r }) : undefined;
    const t = new TextRedactStream(redactor, { name: `<${name}>`, onRecord });
    const from = child[name]!;
    const to = process[name];
    from.pipe(t);
    t.pipe(to, { end: false });
    // The reader went away (`spillguard run -- make | head`): as in a shell pipeline, the command's
    // next write fails (SIGPIPE) instead of spillguard dying with an unhandled EPIPE.
    let gone = false;
    to.on('error', () => {
      if (gone) return;
      gone = true;
      t.unpipe(to);
      from.unpipe(t);
      from.destroy();
      t.resume();
      t.end();
    });
    return new Promise<void>((resolve) => t.on('end', resolve));
  });
  let result: { code: number | null; signal: NodeJS.Signals | null };
  try {
    result = await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`spillguard: cannot run ${cmd[0]}: ${err.code === 'ENOENT' ? 'command not found' : ioReason(err)}\n`);
    return err.code === 'ENOENT' ? 127 : 126;
  }
  await Promise.all(streams);
  // As a shell reports it: the exit code, or 128 + the signal's number.
  const code = result.code ?? 128 + (result.signal ? (os.constants.signals[result.signal] ?? 0) : 0);
  if (argv.report) {
    const counts: Record<string, number> = {};
    for (const f of findings) counts[f.entity] = (counts[f.entity] ?? 0) + 1;
    writeOutput(
      argv.report,
      JSON.stringify(
        {
          command: cmd[0],
          exitCode: result.code,
          signal: result.signal,
          counts,
          findings: findings.map((f) => ({ stream: f.stream, rule: f.rule, kind: f.kind, entity: f.entity, operator: f.operator, line: f.line, start: f.start, end: f.end, secret: f.masked, fingerprint: f.fingerprint })),
        },
        null,
        2,
      ) + '\n',
      'report',
    );
  }
  return code;
}
