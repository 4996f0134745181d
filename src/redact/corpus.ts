import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ioReason, SpillguardError } from '../errors.js';
import { checkBooleans, checkOptionsObject } from '../engine/types.js';
import { pathGlobs, walk } from '../sources/files.js';
import { toolVersion } from '../version.js';
import { formatOf, type FormatOptions } from './formats/index.js';
import { suffixOf } from './formats/suffix.js';
import { runJob, TMP_SUFFIX, type Job, type JobContext, type JobResult } from './job.js';
import { ManifestWriter, readManifest, type ManifestEntry } from './manifest.js';
import { Redactor, type RedactorOptions } from './session.js';

export interface CorpusOptions {
  paths: string[];
  cwd: string;
  outDir: string;
  manifest?: string;
  resume?: boolean;
  quarantine?: string;
  include?: string[];
  exclude?: string[];
  gitignore?: boolean;
  maxFileSize?: number;
  /** Treat files of unknown extension as plain text (when not binary) instead of skipping them. */
  assumeText?: boolean;
  formatOptions?: FormatOptions;
  /**
   * Worker threads beside the main thread, which redacts too, as `scan --workers` counts them
   * (default: one per core beyond the first, at most 7, for 16 documents or more; 0 = the main thread alone).
   */
  workers?: number;
  redactor: RedactorOptions;
  /** Called in input order as each document is done (for progress and the summary). */
  onEntry?: (entry: ManifestEntry, resumed: boolean, done: number, total: number) => void;
}

/**
 * What this run did. `documents` counts every input once, under one of ok, quarantined, failed,
 * leftover, skipped or resumed; bytes, records, injection findings and redaction counts are of the
 * documents done in this run (a resumed document's are in the manifest, from the run that did it).
 */
export interface CorpusSummary {
  documents: number;
  ok: number;
  quarantined: number;
  failed: number;
  leftover: number;
  skipped: number;
  resumed: number;
  bytes: number;
  outputBytes: number;
  droppedRecords: number;
  counts: Record<string, number>;
  injection: number;
  /** Documents that failed, were left over or skipped: path and reason. */
  problems: { input: string; status: string; reason: string }[];
}

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * A hash of everything that shapes an output: rules (all but their prose), operators, kinds, thresholds, the key's identity
 * (an HMAC of a constant, never the key) and the tool version. --resume skips a document only when
 * it matches, so changing the key or a rule redoes every document.
 */
export function settingsHash(r: RedactorOptions, f: FormatOptions): string {
  const keyId = r.key ? createHmac('sha256', r.key).update('spillguard key id').digest('hex').slice(0, 16) : null;
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: toolVersion(), kinds: r.kinds, injection: r.injection, config: { ...r.config, file: undefined }, operators: r.operators,
        min: r.minConfidence, verify: r.verifyThreshold, keyId, f,
        // Every field that decides what is found or what it becomes (allowlists, stopwords, context,
        // validator options, the entity tag…): a rule allowlist removed must redo the documents it spared.
        rules: r.rules.rules.map(({ description: _d, help: _h, examples: _e, source: _s, anchorBounds: _b, ...x }) => x),
        allow: r.rules.allowlist,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + path.sep);

/** What checkOutside refuses, and how it says so, for an output folder and for the manifest file. */
const OUT_FOLDER = {
  holds: inside, holding: 'is inside the output folder',
  what: 'the output folder', why: 'its outputs would be read back as inputs', other: 'folder', glob: (rel: string) => `${rel || '.'}/**`,
};
const MANIFEST_FILE = {
  holds: (root: string, file: string) => root === file, holding: 'is the manifest file',
  what: 'the manifest', why: 'it would be read back as an input, or written over one', other: 'path', glob: (rel: string) => rel,
};

/** --out and --quarantine (folders) and --manifest (a file) must not be read back as input, nor be or hold the inputs. */
function checkOutside(flag: string, target: string, roots: string[], cwd: string, exclude: string[], words = OUT_FOLDER): void {
  const isExcluded = exclude.length ? pathGlobs(exclude) : () => false;
  for (const root of roots) {
    if (words.holds(root, target)) throw new SpillguardError('usage', `the input "${path.relative(cwd, root) || '.'}" ${words.holding}`, { flag });
    if (inside(target, root)) {
      const rel = path.relative(root, target).split(path.sep).join('/');
      const relCwd = path.relative(cwd, target).split(path.sep).join('/');
      const ok = rel && [rel, `${rel}/`, `${rel}/x`, relCwd, `${relCwd}/x`].some((p) => isExcluded(p));
      if (!ok)
        throw new SpillguardError(
          'usage',
          `${words.what} is inside the input "${path.relative(cwd, root) || '.'}": ${words.why}; choose another ${words.other} or pass --exclude '${words.glob(rel)}'`,
          { flag },
        );
    }
  }
}

/**
 * Creates a folder or file the user named by a flag. Failing is their error (a file where a folder
 * should be, a folder that does not exist), reported with the flag and the path as given.
 */
function create<T>(flag: string, given: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // What mkdir and open say in these cases ("file already exists", "no such file") is not what went wrong.
    const reason = code === 'EEXIST' ? 'a file of that name is in the way' : code === 'ENOTDIR' ? 'part of its path is a file' : code === 'ENOENT' ? 'its folder does not exist' : ioReason(e);
    throw new SpillguardError('usage', `cannot create "${given}": ${reason}`, { flag });
  }
}

/** Removes temporary files a killed run left under the output folder (only ours, by their suffix). */
function cleanTemps(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) if (f.endsWith(TMP_SUFFIX)) fs.rmSync(path.join(dir, f), { force: true });
}

/** Library callers get a TypeError naming a missing option, not one from inside node:path ("paths[1]"). */
function checkCorpusOptions(given: CorpusOptions | undefined): void {
  checkOptionsObject('redactCorpus', given, '{ paths, cwd, outDir, redactor }');
  checkBooleans('redactCorpus', given, ['resume', 'gitignore', 'assumeText']);
  checkBooleans('redactCorpus: formatOptions', given?.formatOptions, ['header']);
  const opts = given ?? ({} as CorpusOptions);
  for (const name of ['cwd', 'outDir'] as const)
    if (typeof opts[name] !== 'string') throw new TypeError(`redactCorpus: ${name} must be a path (got ${JSON.stringify(opts[name])})`);
  if (!Array.isArray(opts.paths) || opts.paths.some((p) => typeof p !== 'string'))
    throw new TypeError(`redactCorpus: paths must be a list of files and folders (got ${JSON.stringify(opts.paths)})`);
  if (typeof opts.redactor !== 'object' || opts.redactor === null)
    throw new TypeError(`redactCorpus: redactor must be an object of redactor options ({ rules, key, … }) (got ${opts.redactor === null ? 'null' : typeof opts.redactor})`);
}

export async function redactCorpus(opts: CorpusOptions): Promise<CorpusSummary> {
  checkCorpusOptions(opts);
  const cwd = opts.cwd;
  const outDir = path.resolve(cwd, opts.outDir);
  const quarantine = opts.quarantine ? path.resolve(cwd, opts.quarantine) : undefined;
  const exclude = opts.exclude ?? [];
  const paths = opts.paths.length ? opts.paths : ['.'];
  const roots = paths.map((p) => path.resolve(cwd, p));
  checkOutside('out', outDir, roots, cwd, exclude);
  if (opts.manifest) checkOutside('manifest', path.resolve(cwd, opts.manifest), roots, cwd, exclude, MANIFEST_FILE);
  if (quarantine) {
    checkOutside('quarantine', quarantine, roots, cwd, exclude);
    if (inside(quarantine, outDir) || inside(outDir, quarantine)) throw new SpillguardError('usage', 'must not be inside --out, nor hold it', { flag: 'quarantine' });
  }
  if (opts.resume && !opts.manifest) throw new SpillguardError('usage', 'needs --manifest: the manifest is what a resumed run trusts', { flag: 'resume' });
  const redactor = new Redactor(opts.redactor);
  const fopts = opts.formatOptions ?? {};
  const settings = settingsHash(opts.redactor, fopts);
  const ctx: JobContext = { cwd, outDir, quarantine, fopts, settings, suffixOf };
  // Workers load and compile the rules while the main thread walks the inputs, so they are started
  // first when a pool is likely: a number was asked for, or a folder holds many entries or folders
  // (given alone, files are a short list). Unlike a scan, redaction gains from one worker on 2 cores
  // (docs/redact.md, measured): its per-document work is heavier than one isolate's warm-up.
  const workers = opts.workers ?? Math.min(os.availableParallelism?.() ?? os.cpus().length, 8) - 1;
  const likely = workers > 0 && fs.existsSync(WORKER_FILE) && (opts.workers !== undefined || roots.some((r) => looksLarge(r)));
  const pool = likely ? new Pool(workers, opts.redactor, ctx) : undefined;
  try {
    return await plannedRun(opts, redactor, ctx, roots, paths, pool);
  } finally {
    await pool?.close();
  }
}

async function plannedRun(opts: CorpusOptions, redactor: Redactor, ctx: JobContext, roots: string[], paths: string[], started: Pool | undefined): Promise<CorpusSummary> {
  const { cwd, outDir, quarantine } = ctx;
  let pool = started;
  const exclude = opts.exclude ?? [];

  // Plan: every input, in a stable order, with its mirrored output path.
  const entries: (ManifestEntry | undefined)[] = [];
  const jobs: Job[] = [];
  const prev = opts.resume && opts.manifest ? readManifest(path.resolve(cwd, opts.manifest)) : new Map<string, ManifestEntry>();
  const claimed = new Map<string, string>();
  // A manifest kept among the outputs (`--out clean --manifest clean/manifest.jsonl`) is a path an
  // output of that name must not take: the rename would put the output in its place, and the
  // manifest, written to the file it replaced, would be lost.
  if (opts.manifest) {
    const m = path.resolve(cwd, opts.manifest);
    for (const dir of [outDir, quarantine]) if (dir && m !== dir && inside(m, dir)) claimed.set(path.relative(dir, m).toLowerCase(), `--manifest ${opts.manifest}`);
  }
  let order = 0;
  const early = (e: Partial<ManifestEntry> & { input: string; status: ManifestEntry['status'] }) =>
    entries.push({ output: null, counts: {}, redactions: [], kept: [], injection: [], ...e });
  for (let i = 0; i < paths.length; i++) {
    const root = roots[i];
    let st: fs.Stats;
    try {
      st = fs.statSync(root);
    } catch {
      early({ input: paths[i], status: 'failed', reason: 'no such file or directory' });
      continue;
    }
    const base = st.isDirectory() ? root : path.dirname(root);
    const walked = await walk([paths[i]], {
      cwd, include: opts.include ?? [], exclude, gitignore: opts.gitignore ?? false, maxFileSize: opts.maxFileSize ?? 0,
    });
    for (const s of walked.skipped) early({ input: s.path, status: 'skipped', reason: s.reason });
    for (const e of walked.errors) early({ input: e.path, status: 'failed', reason: e.message });
    for (const f of walked.files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
      if (inside(f.abs, outDir) || (quarantine && inside(f.abs, quarantine))) continue;
      const format = formatOf(f.abs) ?? (opts.assumeText ? 'txt' : undefined);
      if (!format) {
        early({ input: f.rel, status: 'skipped', reason: `unknown format (${path.extname(f.abs) || 'no extension'})` });
        continue;
      }
      const outRel = path.relative(base, f.abs);
      const key = (outRel + suffixOf(format)).toLowerCase();
      const first = claimed.get(key);
      if (first) {
        early({ input: f.rel, status: 'failed', reason: `its output path collides with that of ${first}` });
        continue;
      }
      claimed.set(key, f.rel);
      entries.push(undefined);
      jobs.push({ id: order++, abs: f.abs, display: f.rel, outRel, format, prev: prev.get(f.rel) });
    }
  }

  create('out', opts.outDir, () => fs.mkdirSync(outDir, { recursive: true }));
  if (opts.resume) cleanTemps(outDir);
  if (quarantine) create('quarantine', opts.quarantine!, () => fs.mkdirSync(quarantine, { recursive: true }));
  const manifest = opts.manifest ? create('manifest', opts.manifest, () => new ManifestWriter(path.resolve(cwd, opts.manifest!), Boolean(opts.resume))) : undefined;
  const summary: CorpusSummary = {
    documents: 0, ok: 0, quarantined: 0, failed: 0, leftover: 0, skipped: 0, resumed: 0, bytes: 0, outputBytes: 0,
    droppedRecords: 0, counts: {}, injection: 0, problems: [],
  };
  const total = entries.length;
  let done = 0;
  const tally = (e: ManifestEntry) => {
    manifest?.write(e);
    if (e.status === 'ok') summary.ok++;
    else if (e.status === 'quarantined') summary.quarantined++;
    else if (e.status === 'failed') summary.failed++;
    else if (e.status === 'leftover') summary.leftover++;
    else summary.skipped++;
    if (e.status !== 'ok' && e.status !== 'quarantined') summary.problems.push({ input: e.input, status: e.status, reason: e.reason ?? '' });
    summary.bytes += e.bytes ?? 0;
    summary.outputBytes += e.outputBytes ?? 0;
    summary.droppedRecords += e.droppedRecords ?? 0;
    summary.injection += e.injection.length;
    for (const [k, v] of Object.entries(e.counts)) summary.counts[k] = (summary.counts[k] ?? 0) + v;
  };
  const account = (e: ManifestEntry, resumed: boolean) => {
    summary.documents++;
    // A resumed document was done, counted and written to the manifest by an earlier run: this run only resumed it.
    if (resumed) summary.resumed++, manifest?.resumed(e.input);
    else tally(e);
    opts.onEntry?.(e, resumed, ++done, total);
  };
  // Entries known before any document is read (skipped, unreadable) go first, then documents in order.
  for (const e of entries) if (e) account(e, false);

  try {
    // A few documents are done sooner on the main thread alone than with a worker still starting.
    if (pool && (jobs.length < 2 || (opts.workers === undefined && jobs.length < MIN_POOL_JOBS))) {
      await pool.close();
      pool = undefined;
    }
    const paths = jobs.map((j) => j.display);
    redactor.primePaths(paths);
    if (pool) await pool.run(jobs, paths, redactor, account);
    else
      for (const job of jobs) {
        const r = await runJob(redactor, job, ctx);
        account(r.entry, Boolean(r.resumed));
      }
  } finally {
    manifest?.close();
  }
  return summary;
}

/** Below this many documents, the default is no pool. */
const MIN_POOL_JOBS = 16;

/** A folder with MIN_POOL_JOBS entries or more, or with folders in it: a walk likely to find enough documents for a pool. */
const looksLarge = (p: string) => {
  try {
    const entries = fs.readdirSync(p, { withFileTypes: true });
    return entries.length >= MIN_POOL_JOBS || entries.some((e) => e.isDirectory());
  } catch {
    return false;
  }
};

/**
 * Worker threads, each with its own compiled rules, and the main thread beside them: documents are
 * handed out from one queue (a few in flight per worker) and results taken back in input order (a
 * small reorder buffer), so the manifest is in input order and a killed run leaves a manifest of a
 * prefix of the inputs. Measured on 2 cores: the main thread and one worker redact as much as two
 * workers beside an idle main thread, for one compiled copy of the rules less.
 */
class Pool {
  private readonly workers: Worker[];
  private failure?: Error;
  constructor(
    n: number,
    redactor: RedactorOptions,
    private readonly ctx: JobContext,
  ) {
    const { suffixOf: _s, ...plainCtx } = ctx;
    this.workers = Array.from({ length: n }, () => {
      const w = new Worker(WORKER_FILE, { workerData: { redactor, ctx: plainCtx } });
      // Until run() listens: a worker that fails to start is reported when the pool is used.
      w.on('error', (e) => (this.failure ??= e));
      return w;
    });
  }

  async run(jobs: Job[], paths: string[], local: Redactor, account: (e: ManifestEntry, resumed: boolean) => void): Promise<void> {
    if (this.failure) throw this.failure;
    // The workers' redactors test the documents' paths against user allowlists in one call, as the main thread's did.
    for (const w of this.workers) w.postMessage({ prime: paths });
    const results = new Map<number, JobResult>();
    let next = 0;
    let emit = 0;
    // Enough queued that a worker never waits while the main thread is busy with a long document.
    const inFlightMax = 16;
    const take = (id: number, r: JobResult) => {
      results.set(id, r);
      while (results.has(emit)) {
        const x = results.get(emit)!;
        results.delete(emit++);
        account(x.entry, Boolean(x.resumed));
      }
    };
    const ctx = this.ctx;
    const mainLoop = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        take(job.id, await runJob(local, job, ctx));
        // Let the workers' results in (and more work out to them) between documents.
        await new Promise((r) => setImmediate(r));
      }
    };
    await Promise.all([
      mainLoop(),
      ...this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            let inFlight = 0;
            const feed = () => {
              while (inFlight < inFlightMax && next < jobs.length) {
                inFlight++;
                w.postMessage(jobs[next++]);
              }
              if (inFlight === 0) resolve();
            };
            w.on('message', (m: { id: number; result: JobResult }) => {
              inFlight--;
              take(m.id, m.result);
              feed();
            });
            w.on('error', reject);
            w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redact worker exited with code ${code}`))));
            feed();
          }),
      ),
    ]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}
