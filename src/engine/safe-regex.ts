/**
 * Untrusted patterns. A rule from a user's configuration (`.spillguard.toml`, `--config`, an imported
 * gitleaks file, a pack given to `rules test`) may backtrack catastrophically: `(a+)+$` takes minutes
 * on 30 characters in V8. Such rules run in a worker thread, and the main thread waits for each rule
 * on each chunk for at most a time budget. A rule over its budget is stopped (the worker is
 * terminated, which interrupts V8's regex code), disabled for the rest of the run, and reported as an
 * error naming the rule and the input; the other rules carry on. Built-in rules stay on the calling
 * thread: they are linted for super-linear patterns and tested on adversarial input instead.
 *
 * Why a worker and not a linear-time engine: measured in docs/SECURITY.md. In short, re2-wasm was
 * 100-300x slower than V8 per call, quadratic over a chunk with many matches (each call copies the
 * whole input into WASM memory), gives no group offsets and counts offsets in code points; the
 * native `re2` needs an install script. A worker keeps V8's exact semantics (what `rules test`
 * checks is what runs) and costs a message round trip per chunk in which a user rule has work.
 *
 * The wait is synchronous (`Atomics.wait` + `receiveMessageOnPort`): the engine's `scanChunk` is
 * synchronous and pure, and stays so.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort, type WorkerOptions } from 'node:worker_threads';
import { SpillguardError } from '../errors.js';
import type { RawMatch } from './engine.js';
import { reportedPath, type Chunk, type Finding, type RuleSpec } from './types.js';

/**
 * Time one user rule may take on one chunk (at most ~1.1 MB of text). A linear regex needs a few
 * milliseconds to tens of milliseconds for that; two seconds leaves room for a loaded CI machine.
 */
export const DEFAULT_RULE_BUDGET_MS = 2000;
/** A worker that has not even started a rule after this long is taken as dead. */
const STALL_MS = 60_000;

/** One rule's work on one chunk: its keyword windows, or null for the whole chunk (no keywords). */
export interface GuardItem {
  spec: RuleSpec;
  windows: [number, number][] | null;
}

/** A match found in the worker, as plain data: the engine's RawMatch with the rule as an index. */
export type GuardMatch = Omit<RawMatch, 'rule'> & { item: number };

export interface GuardJob {
  /** Rules are compiled once per worker, under their key; a spec travels only the first time. */
  items: { key: string; spec?: RuleSpec; windows: [number, number][] | null }[];
  text: string;
  path: string;
  atStart: boolean;
  /** Instead of rules: user allowlist patterns (stored form, `(?i)` prefix) tested on each input. */
  tests?: { patterns: string[]; inputs: string[] };
}

export type GuardReply = { matches: GuardMatch[] } | { tested: boolean[][] } | { error: string; item: number };

/** A rule that ran over its budget, on which input. */
export interface RuleStop {
  ruleId: string;
  path: string;
  budgetMs: number;
}

/**
 * Thrown by `scanChunk` after a chunk on which a user rule was stopped. The chunk was otherwise
 * scanned: `findings` holds what the other rules found. Callers that know nothing of it report the
 * input as not fully scanned (exit 2), which is the contract for anything that could not be read.
 */
export class RuleBudgetError extends SpillguardError {
  constructor(
    readonly stops: RuleStop[],
    readonly findings: Finding[],
  ) {
    const s = stops[0];
    // The rule id is in the message because file errors are reported as `path: message`.
    super(
      'rule',
      `rule "${s.ruleId}" ran longer than ${s.budgetMs} ms on one chunk and was stopped (catastrophic backtracking?); ` +
        'it is disabled for the rest of the run',
      { file: s.path },
    );
    this.name = 'RuleBudgetError';
  }
}

// Layout of the shared state: [done flag, index of the item running (-1 none)] + start time of that item.
const DONE = 0;
const ITEM = 1;

/** Where the worker's compiled JavaScript is: beside this file in dist/, or dist/ seen from src/ (tests). */
function workerFile(): string {
  const candidates = [
    new URL('./safe-regex-worker.js', import.meta.url),
    new URL('../../dist/engine/safe-regex-worker.js', import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found)
    throw new SpillguardError('rule', 'cannot run rules from a configuration safely: the regex worker is missing (run `npm run build`)');
  return found;
}

/** One worker per thread, shared by every engine of that thread; replaced when a rule is stopped. */
class GuardWorker {
  private worker: Worker;
  private port: MessagePort;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  /** Keys of the rules this worker has compiled. */
  readonly known = new Set<string>();
  constructor() {
    const sab = new SharedArrayBuffer(16);
    this.i32 = new Int32Array(sab, 0, 2);
    this.f64 = new Float64Array(sab, 8, 1);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = startWorker(workerFile(), { workerData: { port: port2, state: sab }, transferList: [port2] });
    // Neither the worker nor its port may keep a finished process alive.
    this.worker.unref();
    this.port.unref();
  }

  /** Runs a job; returns the reply, or the index of the item that ran over budget (the worker is then dead). */
  run(job: GuardJob, budgetMs: number): GuardReply | { timeout: number } {
    Atomics.store(this.i32, DONE, 0);
    Atomics.store(this.i32, ITEM, -1);
    const posted = Date.now();
    this.port.postMessage(job);
    const slice = Math.max(5, Math.min(50, budgetMs >> 2));
    for (;;) {
      Atomics.wait(this.i32, DONE, 0, slice);
      if (Atomics.load(this.i32, DONE) === 1) break;
      const item = Atomics.load(this.i32, ITEM);
      const now = Date.now();
      if (item >= 0 && now - this.f64[0] > budgetMs) {
        this.kill();
        return { timeout: item };
      }
      if (item < 0 && now - posted > STALL_MS) {
        this.kill();
        throw new SpillguardError('rule', `the regex worker did not answer within ${STALL_MS / 1000} s`);
      }
    }
    // The reply is posted before the flag is set; allow the port a moment to hand it over.
    for (let i = 0; i < 1000; i++) {
      const got = receiveMessageOnPort(this.port);
      if (got) return got.message as GuardReply;
      Atomics.wait(this.i32, DONE, 1, 1);
    }
    this.kill();
    throw new SpillguardError('rule', 'the regex worker answered nothing');
  }

  kill(): void {
    void this.worker.terminate();
    this.port.close();
    if (shared === this) shared = undefined;
  }
}

/**
 * The parent's Node options, less the ones that name code to run: a worker inherits `-e CODE` from
 * `node -e` and would run that code instead of its own file (and, if it scans, start another worker).
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '--input-type') {
      i++;
      continue;
    }
    if (/^(--eval|--print|--input-type)=/.test(a) || a === '-pe') {
      if (a === '-pe') i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** Options that tell Node how to load modules (a TypeScript loader in tests, say), which the worker needs too. */
const LOADER_FLAG = /^(?:--import|--require|-r|--loader|--experimental-loader|--conditions|-C|--experimental-[\w-]+|--no-warnings|--no-deprecation|--enable-source-maps|--preserve-symlinks(?:-main)?)(?:=|$)/;
const TAKES_VALUE = /^(?:--import|--require|-r|--loader|--experimental-loader|--conditions|-C)$/;

/**
 * A worker started with V8 options in its execArgv (`node --max-old-space-size=4096 …`,
 * `--trace-gc`) refuses to start, though it runs under them anyway (they are process-wide): retried
 * with just the module-loading options.
 */
function startWorker(file: string | URL, opts: WorkerOptions): Worker {
  const argv = workerExecArgv();
  try {
    return new Worker(file, { ...opts, execArgv: argv });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    const kept: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      if (!LOADER_FLAG.test(argv[i])) continue;
      kept.push(argv[i]);
      if (TAKES_VALUE.test(argv[i]) && i + 1 < argv.length) kept.push(argv[++i]);
    }
    return new Worker(file, { ...opts, execArgv: kept });
  }
}

let shared: GuardWorker | undefined;
let guardIds = 0;

/**
 * The untrusted rules of one engine. `run` does their work for one chunk in the worker; rules that
 * run over budget are stopped, remembered, and left out from then on. The engine asks `takeStops`
 * after each chunk and throws a RuleBudgetError when there are any.
 */
export class RegexGuard {
  private readonly id = ++guardIds;
  private readonly stopped = new Set<string>();
  private stops: RuleStop[] = [];
  constructor(readonly budgetMs = DEFAULT_RULE_BUDGET_MS) {}

  run(chunk: Chunk, work: GuardItem[], atStart: boolean): GuardMatch[] {
    let items = work.filter((w) => !this.stopped.has(w.spec.id));
    for (;;) {
      if (items.length === 0) return [];
      const worker = (shared ??= new GuardWorker());
      const job: GuardJob = {
        items: items.map((w) => {
          const key = `${this.id}\0${w.spec.id}`;
          const known = worker.known.has(key);
          worker.known.add(key);
          return { key, spec: known ? undefined : w.spec, windows: w.windows };
        }),
        text: chunk.text,
        path: reportedPath(chunk.origin),
        atStart,
      };
      const reply = worker.run(job, this.budgetMs);
      if ('timeout' in reply) {
        const spec = items[reply.timeout].spec;
        this.stopped.add(spec.id);
        this.stops.push({ ruleId: spec.id, path: chunk.origin.path, budgetMs: this.budgetMs });
        // The other rules' work on this chunk is redone by a fresh worker.
        items = items.filter((w) => w.spec.id !== spec.id);
        continue;
      }
      if ('error' in reply) {
        throw new SpillguardError('rule', `failed in the regex worker: ${reply.error}`, { rule: items[reply.item]?.spec.id, file: chunk.origin.path });
      }
      if (!('matches' in reply)) throw new SpillguardError('rule', 'the regex worker answered another question');
      // Item indices refer to `items`, which may be shorter than `work` after a stop.
      return reply.matches.map((m) => ({ ...m, item: work.indexOf(items[m.item]) }));
    }
  }

  takeStops(): RuleStop[] {
    const s = this.stops;
    this.stops = [];
    return s;
  }

  isStopped(ruleId: string): boolean {
    return this.stopped.has(ruleId);
  }
}

/**
 * Runs `scan` on one chunk; a user rule stopped on that chunk becomes an error entry (path and
 * message) and the chunk's other findings are kept, so the scan goes on with the next chunk.
 */
export function keepingFindings(scan: () => Finding[], errors: { path: string; message: string }[]): Finding[] {
  try {
    return scan();
  } catch (e) {
    if (!(e instanceof RuleBudgetError)) throw e;
    errors.push({ path: e.stops[0].path, message: e.message });
    return e.findings;
  }
}

/**
 * A user's allowlist patterns tested on many inputs at once, in the worker under the same budget:
 * `tested[i][j]` says whether pattern i matches input j. A pattern over budget is a configuration
 * error naming it: the run stops with exit code 2 rather than hang or silently drop findings.
 */
export function testUserPatterns(patterns: string[], inputs: string[], budgetMs = DEFAULT_RULE_BUDGET_MS): boolean[][] {
  if (patterns.length === 0) return [];
  const worker = (shared ??= new GuardWorker());
  const reply = worker.run({ items: [], text: '', path: '', atStart: false, tests: { patterns, inputs } }, budgetMs);
  if ('timeout' in reply)
    throw new SpillguardError('config', `allowlist pattern /${patterns[reply.timeout]}/ ran longer than ${budgetMs} ms on one input and was stopped (catastrophic backtracking?)`, { field: 'allowlist' });
  if ('error' in reply) throw new SpillguardError('config', `allowlist pattern /${patterns[reply.item] ?? '?'}/ failed: ${reply.error}`, { field: 'allowlist' });
  if (!('tested' in reply)) throw new SpillguardError('config', 'the regex worker answered another question');
  return reply.tested;
}

/** A rule runs in the worker when it came from a configuration rather than the built-in packs. */
export const isUntrusted = (spec: RuleSpec): boolean => spec.untrusted === true;
