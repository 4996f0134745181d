import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Engine } from '../engine/engine.js';
import { checkOptionsObject, checkScanOptions, type Finding, type Origin, type RuleSet } from '../engine/types.js';
import type { Dropped, FilterOptions } from '../filters/index.js';
import type { ReadError, Skipped } from '../sources/files.js';
import { SpillguardError } from '../errors.js';
import type { GitScanOptions, GitScanResult } from './common.js';
import { GITLINK_MODE, parseRawHeader, SYMLINK_MODE, type RawEntry } from './diff.js';
import { BlobReader, DEFAULT_GIT_MAX_FILE_SIZE, discoverGitDir, gitFailure, repoInfo, runGit, spawnGit, startError, ZERO_OID, type BlobView, type RepoInfo } from './exec.js';

export interface HistoryProgress {
  commits: number;
  blobs: number;
  bytes: number;
}

export interface HistoryOptions extends GitScanOptions {
  /**
   * What to scan, as `git log` takes it: revisions and ranges (`main`, `v1.0..HEAD`, `A...B`).
   * Default: every ref (`--all`). Options are refused, except the ref-set ones below.
   */
  revs?: string[];
  /** Only commits not reachable from this ref: `<ref>..HEAD`, the commits of a pull request. */
  since?: string;
  /** Called at most every 100 ms while scanning. */
  onProgress?: (p: HistoryProgress) => void;
  /** git already started for this scan (startHistory, with the same cwd, revs, since and maxFileSize). */
  started?: HistoryRun;
}

/** `git log` options that only name sets of refs, safe to accept among revisions. */
const REF_SET_OPTIONS = new Set(['--all', '--not', '--branches', '--tags', '--remotes']);

export function historyRevs(opts: Pick<HistoryOptions, 'revs' | 'since'>): string[] {
  const revs = opts.revs?.length ? [...opts.revs] : [];
  for (const r of [...revs, ...(opts.since !== undefined ? [opts.since] : [])]) {
    if (r === '' || (r.startsWith('-') && !REF_SET_OPTIONS.has(r)))
      throw new SpillguardError('usage', `"${r}" is not a revision (options cannot be passed through to git)`, { flag: r === opts.since ? 'since' : undefined });
  }
  if (opts.since !== undefined) {
    if (revs.length === 0) revs.push('HEAD');
    // After a `--not`, `^x` would flip back to positive: keep the exclusion before any `--not`.
    const firstNot = revs.indexOf('--not');
    revs.splice(firstNot === -1 ? revs.length : firstNot, 0, `^${opts.since}`);
  }
  return revs.length ? revs : ['--all'];
}

const COMMIT_MARK = '\x01';
/**
 * Oldest first (parents before children), so the first commit that shows a blob at a path is the
 * one that introduced it. Raw tree diffs only (no contents: those come from one cat-file, once per
 * blob). `-c` shows a merge's files that differ from every parent: what the merge itself added.
 * `--root` whatever log.showRoot says: the first commit's files are additions too.
 */
/** What the log prints of each commit: its header, and the blob each changed path holds after it. */
const LOG_FORMAT = ['--raw', '-z', '--no-abbrev', '--no-renames', '-c', '--root', '--no-color', '--no-ext-diff', `--format=${COMMIT_MARK}%H%x00%an%x00%ae%x00%aI`];

function logArgs(revs: string[]): string[] {
  return ['log', '--reverse', '--date-order', ...LOG_FORMAT, ...revs, '--'];
}

/** The same log for exactly the commits given on standard input, in their order (after a commit git could not read). */
const RESUME_ARGS = ['log', '--stdin', '--no-walk=unsorted', ...LOG_FORMAT];

interface CommitInfo {
  commit: string;
  author: string;
  email: string;
  date: string;
  seq: number;
}

/**
 * Push parser for `git log --raw -z` output: commits and their entries, emitted as the bytes
 * arrive, so nothing of the history is held beyond the current token.
 */
class LogParser {
  private rest?: Buffer;
  private fields: string[] = [];
  private want: 'commit' | 'paths' | undefined;
  private header?: { entry: Omit<RawEntry, 'srcPath' | 'path' | 'srcRaw' | 'pathRaw'>; paths: number };
  private paths: string[] = [];
  commits = 0;
  /** The id of the last commit read. */
  last: string | undefined;

  constructor(
    private readonly onCommit: (c: CommitInfo) => void,
    private readonly onEntry: (e: RawEntry) => void,
  ) {}

  feed(part: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, part]) : part;
    let start = 0;
    for (let i = buf.indexOf(0, start); i !== -1; i = buf.indexOf(0, start)) {
      this.token(buf.toString('utf8', start, i));
      start = i + 1;
    }
    this.rest = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
  }

  end(): void {
    if (this.rest?.length) this.token(this.rest.toString('utf8'));
    this.rest = undefined;
  }

  private token(t: string): void {
    if (this.want === 'commit') {
      this.fields.push(t);
      if (this.fields.length === 4) {
        const f = this.fields;
        this.want = undefined;
        this.last = f[0];
        this.onCommit({ commit: f[0], author: f[1], email: f[2], date: f[3], seq: ++this.commits });
      }
      return;
    }
    if (this.want === 'paths') {
      this.paths.push(t);
      if (this.paths.length === this.header!.paths) {
        const src = this.paths[0];
        const dst = this.paths.length === 2 ? this.paths[1] : src;
        const e = this.header!.entry;
        this.want = undefined;
        // Spelled out: an object spread here is V8's slow path, and runs once per file per commit.
        this.onEntry({ srcMode: e.srcMode, dstMode: e.dstMode, srcOid: e.srcOid, dstOid: e.dstOid, status: e.status, srcPath: src, path: dst, srcRaw: '', pathRaw: '' });
      }
      return;
    }
    let s = 0;
    while (t.charCodeAt(s) === 10) s++;
    if (s === t.length) return;
    if (t.charCodeAt(s) === 1) {
      this.fields = [t.slice(s + 1)];
      this.want = 'commit';
    } else if (t.charCodeAt(s) === 58) {
      const h = parseRawHeader(t.slice(s));
      if (!h) return;
      this.header = h;
      this.paths = [];
      this.want = 'paths';
    }
  }
}

/**
 * Which of the rules' path regexes (their `paths`, their allowlist tables' paths) match a path: blobs
 * are shared between paths only when this agrees, since those decide what the engine finds.
 */
function pathSignature(ruleSet: RuleSet, compileStored: (re: string) => RegExp): (p: string) => string {
  const scoped = ruleSet.rules
    .flatMap((r) => [r.paths ?? [], ...r.allowlists.map((a) => a.paths)])
    .filter((list) => list.length)
    .map((list) => list.map(compileStored));
  if (scoped.length === 0) return () => '';
  const cache = new Map<string, string>();
  return (p) => {
    let sig = cache.get(p);
    if (sig === undefined) {
      sig = ':' + scoped.map((res) => (res.some((re) => re.test(p)) ? '1' : '0')).join('');
      cache.set(p, sig);
    }
    return sig;
  };
}

interface Occurrence {
  origin: Origin;
  seq: number;
  /** A pure rename's new path (HistoryRun.endCommit): its contents were in the repository before. */
  moved: boolean;
}

/**
 * One unique blob (per path signature): asked of cat-file once. While the answer is awaited it
 * collects the occurrences seen meanwhile; once scanned it keeps its findings, if any, for the
 * commits that hold it later.
 */
interface BlobState {
  key: string;
  waiting?: Occurrence[];
  found?: Finding[];
  /** A blob the range starts from (a changed file's version before the range): see `preexisting`. */
  base: boolean;
}

/** A blob scanned without findings: one shared value, so the set of blobs seen stays small. */
const CLEAN: BlobState = { key: '', waiting: undefined, found: undefined, base: false };

/** The tag of a blob asked before the engine was ready (Prefetch). */
const EARLY: BlobState = { key: '', waiting: undefined, found: undefined, base: false };

/** A file's contents: not a deletion's zero id, a submodule's commit or a symbolic link's target. */
const fileBlob = (oid: string, mode: string) => !ZERO_OID.test(oid) && mode !== GITLINK_MODE && mode !== SYMLINK_MODE;

/**
 * What the log named before the engine was ready: its entries, in order, and the answers to the
 * blobs they name, each asked of cat-file once, at once. Entries are replayed through the normal
 * path once the engine is ready; a blob that arrives after that goes to the blob states waiting for it.
 */
class Prefetch {
  /** Bytes of answers held. */
  bytes = 0;
  private backlog: [CommitInfo, RawEntry][] = [];
  private readonly answers = new Map<string, BlobView>();
  /** Blobs asked early and not answered yet: who waits for them, once the engine is ready. */
  private readonly waiters = new Map<string, BlobState[]>();
  private deliver?: (st: BlobState, r: BlobView) => void;

  constructor(private readonly reader: BlobReader<BlobState>) {}

  entry(c: CommitInfo, e: RawEntry): void {
    this.backlog.push([c, e]);
    if (!fileBlob(e.dstOid, e.dstMode) || this.waiters.has(e.dstOid) || this.answers.has(e.dstOid)) return;
    this.waiters.set(e.dstOid, []);
    this.reader.request(e.dstOid, EARLY);
  }

  answered(r: BlobView): void {
    const waiting = this.waiters.get(r.oid) ?? [];
    this.waiters.delete(r.oid);
    if (!this.deliver) {
      this.answers.set(r.oid, r);
      if (r.kind === 'blob') this.bytes += r.size;
    } else for (const st of waiting) this.deliver(st, r);
  }

  /** The engine is ready: the entries to replay, in log order. */
  ready(deliver: (st: BlobState, r: BlobView) => void): [CommitInfo, RawEntry][] {
    this.deliver = deliver;
    const b = this.backlog;
    this.backlog = [];
    return b;
  }

  /** Answers `st` from what was fetched early (now or when it arrives); false if never asked. */
  take(oid: string, st: BlobState): boolean {
    const r = this.answers.get(oid);
    if (r) {
      this.deliver!(st, r);
      return true;
    }
    const w = this.waiters.get(oid);
    if (w) w.push(st);
    return w !== undefined;
  }

  /** After the replay: answers are no longer kept (a later path asks git again). */
  release(): void {
    this.answers.clear();
    this.bytes = 0;
  }
}

/** Answers held before the engine is ready, at most: past it, the log is paused. */
const PREFETCH_BYTES = 64 << 20;

/**
 * How many blobs may be asked of cat-file and not yet answered before the log is paused. It bounds
 * what is waiting in git's pipes, not what Node holds: answers are scanned as they arrive.
 */
const HIGH_WATER = 512;
const LOW_WATER = 128;

/** What starts a history scan, before the engine can: see HistoryRun. */
export type HistoryStartOptions = Pick<HistoryOptions, 'cwd' | 'revs' | 'since' | 'maxFileSize'>;

/**
 * A history scan's git processes, started before the engine's modules load: `git log` walks the
 * history and cat-file reads the blobs it names on another core meanwhile (Prefetch).
 * `spillguard git` starts it before the command line parser loads (cli/main.ts).
 */
export class HistoryRun {
  readonly cwd: string;
  readonly revs: string[];
  readonly found: ReturnType<typeof discoverGitDir>;
  readonly where: string;
  log!: ChildProcess;
  /** git log's exit code; rejects when git cannot start. */
  logDone!: Promise<number>;
  logErr = '';
  readonly reader: BlobReader<BlobState>;
  readonly early: Prefetch;
  readonly parser: LogParser;
  /** The first error thrown by a blob or log callback: kept for the end of the scan, not thrown out of a stream. */
  failure: unknown;
  private current: CommitInfo | undefined;
  /** The current commit's entries: handed on once all are read (endCommit). */
  private entries: RawEntry[] = [];
  paused = false;
  /** After a log died: the commits in range, in the log's order, and the index of the last that failed. */
  private listed: { ids: string[]; failed: number } | undefined;
  /** Each commit, once it is `current`: the scan reports progress here. */
  onCommit: (c: CommitInfo) => void = () => undefined;
  /**
   * Each entry that puts something at a path (a file's contents, a symbolic link, a submodule): kept
   * by the prefetch until the scan takes over.
   */
  onFile: (c: CommitInfo, e: RawEntry) => void = (c, e) => this.early.entry(c, e);
  onBlob: (st: BlobState, r: BlobView) => void = () => undefined;

  constructor(opts: HistoryStartOptions) {
    this.cwd = path.resolve(opts.cwd ?? process.cwd());
    this.revs = historyRevs(opts);
    // A plain or bare layout is found without starting git; otherwise (GIT_DIR…) git answers while
    // the log already runs: git finds the repository from any folder inside it.
    this.found = discoverGitDir(this.cwd);
    const where = (this.where = this.found?.top ?? this.found?.gitDir ?? this.cwd);
    this.reader = new BlobReader<BlobState>(where, (st, r) => {
      try {
        if (st === EARLY) {
          this.early.answered(r);
          this.resumeIfLow();
        } else this.onBlob(st, r);
      } catch (e) {
        this.failure ??= e;
      }
    });
    this.reader.maxSize = opts.maxFileSize ?? DEFAULT_GIT_MAX_FILE_SIZE;
    this.early = new Prefetch(this.reader);
    this.parser = new LogParser(
      (c) => {
        this.endCommit();
        this.current = c;
        this.onCommit(c);
      },
      (e) => {
        if (this.current) this.entries.push(e);
      },
    );
    this.attach(spawnGit(logArgs(this.revs), where));
  }

  private attach(log: ChildProcess): void {
    this.log = log;
    this.logErr = '';
    this.paused = false;
    // Listened to at once: the process may end before the rules are loaded (an unknown revision).
    this.logDone = new Promise<number>((resolve, reject) => {
      log.on('error', (e) => reject(startError(e, this.where)));
      log.on('close', (c) => resolve(c ?? 128));
    });
    this.logDone.catch(() => undefined);
    log.stderr!.on('data', (b: Buffer) => {
      if (this.logErr.length < 8192) this.logErr += b.toString('utf8');
    });
    // A listener from the start, not a bare pause(): child_process drains (discards) the output of
    // a stream nobody listens to when git exits.
    log.stdout!.on('data', (b: Buffer) => {
      try {
        this.parser.feed(b);
      } catch (e) {
        this.failure ??= e;
      }
      this.reader.flush(); // the ids this read named, in one write
      this.pauseIfFull();
    });
  }

  /**
   * A commit that cannot be compared with its parent (the parent's tree is the missing one) is read
   * whole, as if it were a root commit: what it holds is scanned, and a secret an earlier commit
   * introduced keeps that commit (the oldest occurrence wins). Answers whether its tree was readable.
   */
  private async wholeTree(commit: string): Promise<boolean> {
    const [head, tree] = await Promise.all([
      runGit(['log', '-1', '--no-walk', '--no-color', `--format=%H%x00%an%x00%ae%x00%aI`, commit], this.where),
      runGit(['ls-tree', '-r', '-z', '--full-tree', commit], this.where),
    ]);
    if (head.code !== 0 || tree.code !== 0) return false;
    // Fed as the log would print it: "mode type oid<TAB>path" becomes an addition of that path.
    let raw = `${COMMIT_MARK}${head.stdout.toString('utf8').replace(/\n$/, '')}\0`;
    for (const rec of tree.stdout.toString('utf8').split('\0')) {
      const m = /^(\d{6}) \w+ ([0-9a-f]+)\t([\s\S]*)$/.exec(rec);
      if (m) raw += `:000000 ${m[1]} ${'0'.repeat(m[2].length)} ${m[2]} A\0${m[3]}\0`;
    }
    this.parser.feed(Buffer.from(raw, 'utf8'));
    this.reader.flush();
    return true;
  }

  /**
   * The log died on a commit it could not read (a missing or corrupt tree): the commits after it,
   * listed by `git rev-list` in the log's own order, go through a fresh log. Answers the commit
   * that failed and whether it was read whole instead (wholeTree), or undefined when the history
   * cannot be listed (a missing commit object stops the walk).
   */
  async resumeAfterFailure(): Promise<{ commit: string; whole: boolean } | undefined> {
    if (!this.listed) {
      const list = await runGit(['rev-list', '--reverse', '--date-order', ...this.revs, '--'], this.where);
      if (list.code !== 0) return undefined;
      this.listed = { ids: list.stdout.toString('utf8').split('\n').filter(Boolean), failed: -1 };
    }
    const { ids } = this.listed;
    // git prints a commit's header with its entries: the one that failed is the first after both
    // the last printed and the last that failed before.
    const printed = this.parser.last === undefined ? -1 : ids.indexOf(this.parser.last);
    if (printed === -1 && this.parser.last !== undefined) return undefined;
    const at = Math.max(printed, this.listed.failed) + 1;
    const failed = ids[at];
    if (failed === undefined) return undefined;
    this.listed.failed = at;
    const whole = await this.wholeTree(failed);
    const rest = ids.slice(at + 1);
    const log = spawnGit(RESUME_ARGS, this.where, 'pipe');
    log.stdin!.on('error', () => undefined); // git died early: its exit code says so
    log.stdin!.end(rest.length ? rest.join('\n') + '\n' : '');
    this.attach(log);
    return { commit: failed, whole };
  }

  /**
   * Hands on the current commit's file entries. A pure rename (`git mv`), which --no-renames lists as
   * one path deleted and another added with the same blob, becomes an entry of status R from the
   * old path: what it holds was not introduced there (scanHistory).
   */
  endCommit(): void {
    const c = this.current;
    const list = this.entries;
    if (!c || !list.length) return;
    this.entries = [];
    // Each deleted path pairs with one added path: a blob added at two paths while deleted at one
    // is a rename and a copy, and the copy is reported as any copy is.
    let gone: Map<string, string[]> | undefined;
    for (const e of list)
      if (e.status === 'D' && fileBlob(e.srcOid, e.srcMode)) {
        gone ??= new Map();
        gone.set(e.srcOid, [...(gone.get(e.srcOid) ?? []), e.path]);
      }
    for (const e of list) {
      if (ZERO_OID.test(e.dstOid)) continue; // a deletion
      const from = e.status === 'A' && fileBlob(e.dstOid, e.dstMode) ? gone?.get(e.dstOid)?.shift() : undefined;
      if (from !== undefined) {
        e.status = 'R';
        e.srcPath = from;
        e.srcOid = e.dstOid;
        e.srcMode = e.dstMode;
      }
      this.onFile(c, e);
    }
  }

  /** Bounds what git's pipes and the prefetch hold: the log waits while too much is asked or kept. */
  pauseIfFull(): void {
    if (!this.paused && (this.reader.pending >= HIGH_WATER || this.early.bytes >= PREFETCH_BYTES)) {
      this.paused = true;
      this.log.stdout!.pause();
    }
  }

  resumeIfLow(): void {
    if (this.paused && this.reader.pending <= LOW_WATER && this.early.bytes < PREFETCH_BYTES) {
      this.paused = false;
      this.log.stdout!.resume();
    }
  }

  /** Stops git: a scan that failed before it began, or a run started for a scan that never came. */
  abort(): void {
    this.log.kill();
    this.reader.stop();
  }
}

/** Starts a history scan's git processes; give the result to scanHistory as `started`. */
export function startHistory(opts: HistoryStartOptions = {}): HistoryRun {
  return new HistoryRun(opts);
}

/**
 * Scans history: every blob that a commit in range adds or changes, each unique blob once however
 * many commits hold it. A finding names the commit that introduced it, and a secret is reported
 * once per path, at its earliest commit. git's output is consumed as it streams: memory holds the
 * set of blobs seen and the findings, never the history.
 *
 * Two git processes, no diff computation: `git log --raw` (tree diffs only: which blob each commit
 * puts at each path) and one `git cat-file --batch` fed with every blob id the first time the log
 * names it. Each blob is scanned whole, once, the moment cat-file delivers it.
 */
export async function scanHistory(opts: HistoryOptions = {}): Promise<GitScanResult> {
  checkOptionsObject('scanHistory', opts, "{ cwd: 'repo', revs: ['main'] }");
  checkScanOptions('scanHistory', opts);
  const t0 = performance.now();
  const run = opts.started ?? startHistory(opts);
  const { cwd, found, revs, reader, early, parser } = run;
  let mods: Awaited<ReturnType<typeof loadScanModules>>;
  let info: RepoInfo;
  let ruleSet: RuleSet;
  try {
    [mods, info] = await Promise.all([loadScanModules(), found ?? repoInfo(cwd)]);
    ruleSet = await mods.resolveRuleSet(opts, info.top ?? info.gitDir);
  } catch (e) {
    run.abort();
    throw e;
  }
  const root = info.top ?? info.gitDir;
  const { applyFilters, byPosition, chunkText, decode, isBinary, keepingFindings, scanChunkDecoded } = mods;
  const engine: Engine = mods.createEngine(ruleSet);
  const sig = pathSignature(ruleSet, mods.compileStored);
  const filterOpts: FilterOptions = { allowlist: ruleSet.allowlist, minConfidence: opts.minConfidence, baseline: opts.baseline };

  const skipped: Skipped[] = [];
  const errors: ReadError[] = [];
  const kept = new Map<string, { f: Finding; seq: number }>();
  const dropped = new Map<string, { d: Dropped; seq: number }>();
  const seen = new Map<string, BlobState>();
  let blobs = 0;
  let bytes = 0;
  let lastProgress = 0;

  const emit = (findings: Finding[], occ: Occurrence) => {
    // Each occurrence's own commit and path; a decoded finding keeps the encoding it was found under.
    const mine = findings.map((f) => (f.origin === occ.origin ? f : { ...f, origin: f.origin.decoded ? { ...occ.origin, decoded: f.origin.decoded } : occ.origin }));
    // Filters per occurrence (one path in one commit is one input), before deduplication: a marker
    // removed in a later commit must not hide the secret that remains.
    const r = applyFilters(mine, filterOpts);
    for (const f of r.kept) {
      const k = `${f.fingerprint}\0${f.origin.path}`;
      if (occ.moved && !(moved.get(k)! <= occ.seq)) moved.set(k, occ.seq);
      const prev = kept.get(k);
      if (!prev || occ.seq < prev.seq) kept.set(k, { f, seq: occ.seq });
    }
    for (const d of r.dropped) {
      const m = `${d.finding.fingerprint}\0${d.finding.origin.path}`;
      if (occ.moved && !(moved.get(m)! <= occ.seq)) moved.set(m, occ.seq);
      const k = `${m}\0${d.reason}`;
      const prev = dropped.get(k);
      if (!prev || occ.seq < prev.seq) dropped.set(k, { d, seq: occ.seq });
    }
  };

  // Each blob is scanned here, synchronously, as cat-file delivers it: no copy, no queue of contents.
  /** A blob's findings, its encoded runs decoded; undefined when it has none. */
  const scanBlob = (data: Buffer, origin: Origin): Finding[] | undefined => {
    let found: Finding[] | undefined;
    for (const chunk of chunkText(decode(data), origin)) {
      // A user rule stopped on a blob (safe-regex.ts) is an error for that blob; its other findings stay.
      const more = keepingFindings(() => scanChunkDecoded(engine, chunk), errors);
      if (more.length) found = found ? found.concat(more) : more;
    }
    return found;
  };
  // What the range starts from: a secret already at a path before its first commit was not
  // introduced by the range (a pull request that edits another line of that file).
  const preexisting = new Set<string>();
  /** (fingerprint, path) → the first commit (seq) a pure rename brought it there. */
  const moved = new Map<string, number>();
  const bases = new Map<string, BlobState>();
  const noteBase = (st: BlobState, p: string) => {
    for (const f of st.found ?? []) preexisting.add(`${f.fingerprint}\0${p}`);
  };

  const onBlob = (st: BlobState, r: BlobView) => {
    const occs = st.waiting!;
    st.waiting = undefined;
    const first = occs[0].origin;
    if (st.base) {
      // Unreadable or binary, it holds nothing known: the range's findings stand.
      if (r.kind === 'blob' && !isBinary(r.data)) st.found = scanBlob(r.data, first);
      for (const o of occs) noteBase(st, o.origin.path);
    } else if (r.kind === 'missing') {
      errors.push({ path: first.path, message: `${r.reason} (commit ${first.commit})` });
    } else if (r.kind === 'oversize') {
      skipped.push({ path: first.path, reason: `larger than --max-file-size (${r.size} bytes; blob ${r.oid} in commit ${first.commit})` });
    } else if (isBinary(r.data)) {
      skipped.push({ path: first.path, reason: `binary (blob ${r.oid} in commit ${first.commit})` });
    } else {
      blobs++;
      bytes += r.size;
      const found = scanBlob(r.data, first);
      if (found) {
        st.found = found;
        for (const o of occs) emit(found, o);
      }
    }
    if (!st.found && !st.base) seen.set(st.key, CLEAN);
    run.resumeIfLow();
  };
  run.onBlob = onBlob;

  run.onCommit = (c) => {
    if (opts.onProgress) {
      const now = performance.now();
      if (now - lastProgress >= 100) {
        lastProgress = now;
        opts.onProgress({ commits: c.seq, blobs, bytes });
      }
    }
  };
  // The work tree's .spillguardignore, as a tree scan applies it (none in a bare repository).
  const ignored = info.top ? mods.spillguardIgnore(info.top) : () => false;
  // Symbolic links and submodules hold no file contents: listed once per path, as `staged` and the
  // tree scan list them, never silently dropped.
  const notFiles = new Set<string>();
  const entry = (c: CommitInfo, e: RawEntry) => {
    if (ignored(e.path)) return;
    if (!fileBlob(e.dstOid, e.dstMode)) {
      if (notFiles.has(e.path)) return;
      notFiles.add(e.path);
      const reason =
        e.dstMode === GITLINK_MODE
          ? `submodule (gitlink): scan it in its own repository (in commit ${c.commit})`
          : `symbolic link, not followed (blob ${e.dstOid} in commit ${c.commit})`;
      skipped.push({ path: e.path, reason });
      return;
    }
    const key = e.dstOid + sig(e.path);
    const st = seen.get(key);
    if (st === CLEAN) return;
    const occ: Occurrence = {
      origin: { path: e.path, commit: c.commit, author: c.author, email: c.email, date: c.date, blob: e.dstOid },
      seq: c.seq,
      moved: e.status === 'R',
    };
    // A changed file whose version before this commit the range never scanned: that version is
    // scanned too, for what the range starts from (never for a full history: parents come first).
    if (!occ.moved && fileBlob(e.srcOid, e.srcMode)) {
      const bkey = e.srcOid + sig(e.path);
      if (!seen.has(bkey)) {
        const b = bases.get(bkey);
        if (!b) {
          const fresh: BlobState = { key: bkey, waiting: [occ], found: undefined, base: true };
          bases.set(bkey, fresh);
          reader.request(e.srcOid, fresh);
        } else if (b.waiting) b.waiting.push(occ);
        else noteBase(b, e.path);
      }
    }
    if (st) {
      if (st.waiting) st.waiting.push(occ);
      else emit(st.found!, occ);
      return;
    }
    const fresh: BlobState = { key, waiting: [occ], found: undefined, base: false }; // one shape for all: no deoptimisation
    seen.set(key, fresh);
    if (!early.take(e.dstOid, fresh)) reader.request(e.dstOid, fresh);
    run.pauseIfFull();
  };
  run.onFile = entry;
  for (const [c, e] of early.ready(onBlob)) entry(c, e);
  early.release();
  run.resumeIfLow();
  const fail = async (e: unknown) => {
    await reader.close();
    throw e;
  };
  let refused = true; // until a log has printed something, or rev-list has listed the history
  for (;;) {
    const code = await run.logDone.catch(fail);
    if (code === 0) break;
    const line = (run.logErr.split('\n').find((l) => /^(fatal|error):/.test(l)) ?? `git log exited with code ${code}`).replace(/^(fatal|error):\s*/, '');
    // A commit git could not read (a missing or corrupt tree) is reported, and the scan goes on past it.
    const resumed = await run.resumeAfterFailure().catch(fail);
    if (resumed === undefined) {
      // Before any output, git refused the arguments (an unknown revision): a usage error. After,
      // the history itself could not be walked (a missing commit): what was scanned stands.
      if (refused && parser.commits === 0) {
        await reader.close();
        throw gitFailure(run.logErr, cwd, ['log', ...revs]);
      }
      errors.push({ path: '(git log)', message: `history incomplete: ${line}` });
      break;
    }
    refused = false;
    if (!resumed.whole) errors.push({ path: '(git log)', message: `commit ${resumed.commit}: ${line}: its changes were not scanned` });
  }
  parser.end();
  run.endCommit();
  await reader.close();
  if (run.failure) throw run.failure;
  opts.onProgress?.({ commits: parser.commits, blobs, bytes });

  // Not introduced: a secret already at its path before the range, or brought there by a rename
  // (reported at the path it was added to), unless reported at that path before the rename.
  const introduced = (f: Finding, seq: number) => {
    const k = `${f.fingerprint}\0${f.origin.path}`;
    return !preexisting.has(k) && !(moved.get(k)! <= seq);
  };
  const findings = [...kept.values()].filter((x) => introduced(x.f, x.seq)).sort((a, b) => a.seq - b.seq || byPosition(a.f, b.f)).map((x) => x.f);
  const suppressed = [...dropped.values()].filter((x) => introduced(x.d.finding, x.seq)).sort((a, b) => a.seq - b.seq || byPosition(a.d.finding, b.d.finding)).map((x) => x.d);
  return {
    findings,
    suppressed,
    skipped,
    errors,
    stats: { files: blobs, bytes, durationMs: performance.now() - t0, commits: parser.commits },
    root,
  };
}

/** What scanning needs beyond git: loaded once git is started, so that the two overlap. */
async function loadScanModules() {
  const [engine, decoding, safe, schema, filters, chunker, common, ignoreFiles] = await Promise.all([
    import('../engine/engine.js'),
    import('../engine/decode.js'),
    import('../engine/safe-regex.js'),
    import('../engine/schema.js'),
    import('../filters/index.js'),
    import('../sources/chunker.js'),
    import('./common.js'),
    import('../sources/ignore-files.js'),
  ]);
  return {
    createEngine: engine.createEngine,
    scanChunkDecoded: decoding.scanChunkDecoded,
    keepingFindings: safe.keepingFindings,
    compileStored: schema.compileStored,
    applyFilters: filters.applyFilters,
    chunkText: chunker.chunkText,
    byPosition: common.byPosition,
    decode: common.decode,
    isBinary: common.isBinary,
    resolveRuleSet: common.resolveRuleSet,
    spillguardIgnore: ignoreFiles.spillguardIgnore,
  };
}

const ZERO = /^0{40}(0{24})?$/;
const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The commits a push sends, from the pre-push hook's standard input
 * (`<local ref> <local oid> <remote ref> <remote oid>` per line): `remote..local` for an update;
 * for a new branch, or a remote commit we do not have, what no remote-tracking ref already holds.
 * Deletions send nothing. Returns no revisions when nothing is pushed.
 */
export async function prePushRevs(stdin: string, cwd: string): Promise<string[]> {
  const positives: string[] = [];
  const remotes: string[] = [];
  let notRemotes = false;
  for (const line of stdin.split('\n')) {
    // Empty lines only are passed over: anything else that is not a hook line could be a push this
    // check would wave through unscanned (a hook that fails open).
    if (!line.trim()) continue;
    const f = line.trim().split(/\s+/);
    if (f.length !== 4) throw new SpillguardError('input', `not a pre-push hook line: "${line.trim()}"`);
    const [, local, , remote] = f;
    if (!OID.test(local) || !OID.test(remote)) throw new SpillguardError('input', `not a pre-push hook line: "${line.trim()}"`);
    if (ZERO.test(local)) continue; // a deletion pushes no commits
    positives.push(local);
    if (ZERO.test(remote)) notRemotes = true;
    else remotes.push(remote);
  }
  if (positives.length === 0) return [];
  const negatives: string[] = [];
  if (remotes.length) {
    // A remote commit we have not fetched cannot bound the range: fall back to the remote-tracking refs.
    const have = await objectsPresent(remotes, cwd);
    for (const oid of remotes) {
      if (have.has(oid)) negatives.push(`^${oid}`);
      else notRemotes = true;
    }
  }
  return [...new Set(positives), ...new Set(negatives), ...(notRemotes ? ['--not', '--remotes'] : [])];
}

/**
 * The commits a push brings to a server, from the pre-receive hook's standard input
 * (`<old oid> <new oid> <ref>` per line): what the new tips hold that no ref there holds yet (git
 * moves the refs only after the hook has passed), so a new branch brings only its own commits and
 * a force-push only the rewritten ones. Deletions bring nothing.
 */
export function preReceiveRevs(stdin: string): string[] {
  const tips = new Set<string>();
  for (const line of stdin.split('\n')) {
    if (!line.trim()) continue;
    const f = line.trim().split(/\s+/); // git refuses spaces in ref names
    if (f.length !== 3 || !OID.test(f[0]) || !OID.test(f[1])) throw new SpillguardError('input', `not a pre-receive hook line: "${line.trim()}"`);
    if (!ZERO.test(f[1])) tips.add(f[1]);
  }
  return tips.size ? [...tips, '--not', '--all'] : [];
}

/** Which of these commits (or annotated tags) exist locally, in one process. */
async function objectsPresent(oids: string[], cwd: string): Promise<Set<string>> {
  const child = spawnGit(['cat-file', '--batch-check'], cwd, 'pipe');
  const out: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.resume();
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(oids.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  const have = new Set<string>();
  for (const line of Buffer.concat(out).toString('utf8').split('\n')) {
    const [oid, type] = line.split(' ');
    if (type === 'commit' || type === 'tag') have.add(oid); // a pushed annotated tag names a tag object
  }
  return have;
}
