import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SpillguardError } from '../errors.js';

/**
 * Git plumbing through child_process directly: a pre-commit hook pays for every process and every
 * module it loads, so the hot path spawns `git` itself instead of going through a wrapper library.
 *
 * Every command gets `-c` overrides for the user settings that would change the machine-readable
 * output we parse (quoting, colour, prefixes, relative paths, external diff drivers).
 */
export const GIT_CONFIG_OVERRIDES = [
  '-c', 'core.quotePath=true',
  '-c', 'color.ui=false',
  '-c', 'diff.relative=false',
  '-c', 'diff.noprefix=false',
  '-c', 'diff.mnemonicPrefix=false',
  '-c', 'log.showSignature=false',
  '-c', 'diff.suppressBlankEmpty=false',
];

/** Blobs over this many bytes are skipped (listed) by the git modes, unless --max-file-size says otherwise. */
export const DEFAULT_GIT_MAX_FILE_SIZE = 50 * 1024 * 1024;
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
export const ZERO_OID = /^0+$/;

export interface GitRun {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export function spawnGit(args: string[], cwd: string, stdin: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
  return spawn('git', [...GIT_CONFIG_OVERRIDES, ...args], {
    cwd,
    stdio: [stdin, 'pipe', 'pipe'],
    // Never prompt (credentials, pagers): a hook has no one to answer.
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', PAGER: 'cat', LC_ALL: 'C' },
    windowsHide: true,
  });
}

/**
 * Runs git to completion, collecting its output; rejects only when git cannot be started. With
 * `maxBytes`, stops git once its output passes that size and answers `truncated`.
 */
export function runGit(args: string[], cwd: string, maxBytes = 0): Promise<GitRun & { truncated?: boolean }> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawnGit(args, cwd);
    } catch (e) {
      reject(startError(e, cwd));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let truncated = false;
    child.stdout!.on('data', (b: Buffer) => {
      if (truncated) return;
      out.push(b);
      size += b.length;
      if (maxBytes > 0 && size > maxBytes) {
        truncated = true;
        out.length = 0;
        child.kill();
      }
    });
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(startError(e, cwd)));
    child.on('close', (code) =>
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code: truncated ? -1 : code ?? 128, truncated }),
    );
  });
}

/** Runs git and returns stdout, or throws the SpillguardError its failure means. */
export async function gitOk(args: string[], cwd: string): Promise<Buffer> {
  const r = await runGit(args, cwd);
  if (r.code !== 0) throw gitFailure(r.stderr, cwd, args);
  return r.stdout;
}

export function startError(e: unknown, cwd: string): SpillguardError {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') {
    // spawn reports a missing cwd as ENOENT too.
    return new SpillguardError('git', `cannot run git (is it installed and on PATH?) in ${cwd}`);
  }
  return new SpillguardError('git', `cannot run git: ${err?.message ?? String(e)}`);
}

/** git's own words for what went wrong, turned into the one message a person needs. */
export function gitFailure(stderr: string, cwd: string, args: string[] = []): SpillguardError {
  if (/not a git repository/i.test(stderr)) return new SpillguardError('git', `not a git repository: ${path.resolve(cwd)}`);
  const rev =
    /bad revision '([^']*)'/.exec(stderr) ??
    /ambiguous argument '([^']*)': unknown revision/.exec(stderr) ??
    /invalid object name '([^']*)'/i.exec(stderr) ??
    /Needed a single revision/.exec(stderr);
  // `--since X` reaches git as `^X`: the revision named is the user's.
  if (rev) return new SpillguardError('git', `unknown revision: ${(rev[1] ?? args[args.length - 1]).replace(/^\^/, '')}`);
  // git's safe.directory check: the repository belongs to another user (a shared checkout, a
  // container's mounted volume). git names the folder; the way out is git's own setting.
  const dubious = /detected dubious ownership in repository at '([^']*)'/.exec(stderr);
  if (dubious)
    return new SpillguardError(
      'git',
      `git refuses to work in ${dubious[1]}: it belongs to another user (git's safe.directory check). If you trust it: git config --global --add safe.directory '${dubious[1]}'`,
    );
  if (/must be run in a work tree/.test(stderr)) return new SpillguardError('git', `needs a work tree (this is a bare repository or a .git folder): ${path.resolve(cwd)}`);
  const line = stderr.split('\n').find((l) => /^(fatal|error):/.test(l)) ?? stderr.split('\n').find((l) => l.trim()) ?? 'unknown error';
  return new SpillguardError('git', `git ${args.find((a) => !a.startsWith('-')) ?? ''} failed: ${line.replace(/^(fatal|error):\s*/, '')}`.replace('  ', ' '));
}

export interface RepoInfo {
  /** Absolute path of the git directory (per worktree). */
  gitDir: string;
  /** Absolute path of the work tree's top level; undefined in a bare repository. */
  top?: string;
}

/**
 * Finds the repository without starting git, for the plain layouts a pre-commit hook meets (a `.git`
 * folder, or a `.git` file pointing to a worktree's or submodule's git directory). Anything unusual
 * (git's location variables set, no `.git` found) returns undefined: ask git (`repoInfo`), which
 * also words the error when there is no repository.
 */
export function discoverRepo(cwd: string): RepoInfo | undefined {
  const env = process.env;
  if (env.GIT_DIR || env.GIT_WORK_TREE || env.GIT_COMMON_DIR || env.GIT_CEILING_DIRECTORIES) return undefined;
  for (let dir = path.resolve(cwd); ; ) {
    const dotGit = path.join(dir, '.git');
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) return fs.existsSync(path.join(dotGit, 'HEAD')) ? { gitDir: dotGit, top: dir } : undefined;
    if (st?.isFile()) {
      const m = /^gitdir: (.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
      return m ? { gitDir: path.resolve(dir, m[1].trim()), top: dir } : undefined;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * `discoverRepo`, plus the layouts history scans meet in CI mirrors: a bare repository, or a git
 * directory itself (no work tree: `top` is undefined). As git does, each folder on the way up is
 * checked for a `.git` first, then for being a git directory (HEAD, refs, and objects or a
 * commondir file). Why: asking `git rev-parse` costs a process start, measured at 40-140 ms of a
 * history scan's start on a loaded 2-core machine.
 */
export function discoverGitDir(cwd: string): RepoInfo | undefined {
  const env = process.env;
  if (env.GIT_DIR || env.GIT_WORK_TREE || env.GIT_COMMON_DIR || env.GIT_CEILING_DIRECTORIES) return undefined;
  const isDir = (p: string) => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  for (let dir = path.resolve(cwd); ; ) {
    if (fs.existsSync(path.join(dir, '.git'))) return discoverRepo(dir);
    if (fs.existsSync(path.join(dir, 'HEAD')) && isDir(path.join(dir, 'refs')) && (isDir(path.join(dir, 'objects')) || fs.existsSync(path.join(dir, 'commondir'))))
      return { gitDir: dir };
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** One process for both: where the repository is, and whether it is one. */
export async function repoInfo(cwd: string): Promise<RepoInfo> {
  const r = await runGit(['rev-parse', '--absolute-git-dir', '--show-toplevel'], cwd);
  const lines = r.stdout.toString('utf8').split('\n');
  if (r.code !== 0) {
    if (/must be run in a work tree/.test(r.stderr) && lines[0]) return { gitDir: lines[0] };
    throw gitFailure(r.stderr, cwd, ['rev-parse']);
  }
  return { gitDir: lines[0], top: lines[1] || undefined };
}

/**
 * Splits a byte stream on NUL into tokens, decoded as UTF-8 (git prints paths as raw bytes under
 * `-z`; a path that is not UTF-8 shows as U+FFFD, as in every editor).
 */
export async function* nulTokens(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest: Buffer | undefined;
  for await (const part of stream) {
    const buf = rest ? Buffer.concat([rest, part]) : part;
    let start = 0;
    for (let i = buf.indexOf(0, start); i !== -1; i = buf.indexOf(0, start)) {
      yield buf.toString('utf8', start, i);
      start = i + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
  }
  if (rest && rest.length) yield rest.toString('utf8');
}

export function nulTokensSync(buf: Buffer, from = 0, to = buf.length): string[] {
  const out: string[] = [];
  let start = from;
  for (let i = buf.indexOf(0, start); i !== -1 && i < to; i = buf.indexOf(0, start)) {
    out.push(buf.toString('utf8', start, i));
    start = i + 1;
  }
  if (start < to) out.push(buf.toString('utf8', start, to));
  return out;
}

export type BlobResult =
  | { oid: string; kind: 'blob'; size: number; data: Buffer }
  | { oid: string; kind: 'oversize'; size: number }
  | { oid: string; kind: 'missing'; reason: string };

/**
 * `git cat-file --batch` as a promise per object, for callers that ask for a few (staged): a
 * `BlobReader` whose answers are copied out of git's output buffer. Contents over `maxSize` are
 * read off the pipe and dropped without being kept; one bad object never ends the scan.
 */
export class CatFile {
  private readonly reader: BlobReader<(r: BlobResult) => void>;

  constructor(cwd: string, maxSize: number) {
    this.reader = new BlobReader(cwd, (resolve, b) => resolve(b.kind === 'blob' ? { ...b, data: Buffer.from(b.data) } : b));
    this.reader.maxSize = maxSize;
  }

  get(oid: string): Promise<BlobResult> {
    return new Promise((resolve) => this.reader.request(oid, resolve));
  }

  /** Resolves when git has answered everything asked and exited. */
  close(): Promise<void> {
    return this.reader.close();
  }
}

/**
 * What `BlobReader` hands its callback. `data` may be a view into git's output buffer: it is valid
 * only during the callback (copy it to keep it).
 */
export type BlobView = BlobResult;

/**
 * `git cat-file --batch` for streams of many blobs (history), and under `CatFile`: no promise, copy
 * or microtask per object. Ids go out in one write per batch; answers go to one callback,
 * synchronously and in request order, straight from the pipe's buffers — a blob that arrived whole
 * in one read is never copied. Why: a history scan reads thousands of blobs, and each promise,
 * copy and callback hop per blob is work on the thread that also runs the engine.
 *
 * One bad object never ends the scan: a process that dies on a corrupt object answers that request
 * with the reason and a fresh process takes over the rest; output that stops
 * making sense (an answer for another object, contents shorter than announced) is treated the same.
 */
export class BlobReader<T> {
  private child!: ChildProcess;
  /** Requests written to the current process and not yet answered: oids[head..], tags[head..]. */
  private oids: string[] = [];
  private tags: T[] = [];
  private head = 0;
  private unsent = '';
  private flushQueued = false;
  private rest?: Buffer; // an incomplete header line
  private body?: { size: number; got: number; data?: Buffer; type: string };
  private stderr = '';
  private restarts = 0;
  private closed = false;
  private stopped = false;
  private exited = false;
  /** The current process's output went out of step: its head request is already answered. */
  private desync = false;
  private startFailure?: string;
  private waiters: Array<() => void> = [];
  private readonly flushNow = () => this.flush();

  /**
   * Contents over this many bytes are read off the pipe and dropped (answered `oversize`); 0 = no
   * limit. May be set after construction, before the first request.
   */
  maxSize = 0;

  constructor(
    private readonly cwd: string,
    private readonly onBlob: (tag: T, blob: BlobView) => void,
  ) {
    this.start();
  }

  /** Requests asked and not yet answered. */
  get pending(): number {
    return this.oids.length - this.head;
  }

  /** Asks for a blob; the answer comes to the callback, in request order. */
  request(oid: string, tag: T): void {
    if (this.exited && !this.closed) this.start(); // git went away between requests
    this.oids.push(oid);
    this.tags.push(tag);
    this.unsent += oid + '\n';
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushNow);
    }
  }

  /** Writes the ids asked so far (also done on the next tick by itself). */
  flush(): void {
    this.flushQueued = false;
    if (!this.unsent || this.exited || this.desync) return;
    this.child.stdin!.write(this.unsent);
    this.unsent = '';
  }

  /** Stops git at once; what was asked and not answered is never answered. */
  stop(): void {
    this.stopped = true;
    this.closed = true;
    this.child.kill();
  }

  /** Resolves when git has answered everything asked and exited. */
  close(): Promise<void> {
    this.flush();
    this.closed = true;
    if (this.exited && this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.child.stdin!.end();
    });
  }

  private start(): void {
    const child = spawnGit(['cat-file', '--batch'], this.cwd, 'pipe');
    this.child = child;
    this.exited = false;
    this.desync = false;
    this.rest = undefined;
    this.body = undefined;
    this.stderr = '';
    child.stdin!.on('error', () => {
      /* EPIPE when git died: handled on close */
    });
    child.stdout!.on('data', (b: Buffer) => {
      if (child === this.child && !this.desync) this.onData(b);
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += b.toString('utf8');
    });
    child.on('error', (e) => {
      this.startFailure ??= startError(e, this.cwd).message;
    });
    child.on('close', () => {
      if (child !== this.child) return;
      this.exited = true;
      this.onExit();
      if (this.exited && this.pending === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  private shift(): T {
    const tag = this.tags[this.head];
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.oids.length) {
      this.oids = this.oids.slice(this.head);
      this.tags = this.tags.slice(this.head);
      this.head = 0;
    }
    return tag;
  }

  private onExit(): void {
    if (this.pending === 0 || this.stopped) return;
    const oids = this.oids.slice(this.head);
    const tags = this.tags.slice(this.head);
    this.oids = [];
    this.tags = [];
    this.head = 0;
    this.unsent = '';
    const reason =
      this.startFailure ?? this.stderr.split('\n').find((l) => l.trim())?.replace(/^(fatal|error):\s*/, '') ?? 'git cat-file exited';
    const fail = (i: number) => this.onBlob(tags[i], { oid: oids[i], kind: 'missing', reason: `cannot read object ${oids[i]}: ${reason}` });
    // git answers in order, so the first unanswered request is the one it died on (unless the
    // process was stopped for going out of step: that request was answered already).
    let from = 0;
    if (!this.desync) fail(from++);
    if (this.startFailure || this.restarts++ >= 8) {
      for (let i = from; i < oids.length; i++) fail(i);
      return;
    }
    this.start();
    for (let i = from; i < oids.length; i++) this.request(oids[i], tags[i]);
    this.flush();
    if (this.closed) this.child.stdin!.end();
  }

  /** The output is out of step with the requests: answer the current one, and start afresh. */
  private outOfStep(): void {
    const oid = this.oids[this.head];
    this.body = undefined;
    this.rest = undefined;
    this.desync = true;
    this.onBlob(this.shift(), { oid, kind: 'missing', reason: `object ${oid} is corrupt (git cat-file's answer does not match it)` });
    this.child.kill();
  }

  private onData(chunk: Buffer): void {
    let b = chunk;
    if (this.rest) {
      b = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let p = 0;
    while (p < b.length && !this.desync) {
      const body = this.body;
      if (body) {
        const take = Math.min(body.size + 1 - body.got, b.length - p); // contents, then a newline
        if (body.data) {
          const n = Math.min(take, body.size - body.got);
          if (n > 0) b.copy(body.data, body.got, p, p + n);
        }
        body.got += take;
        p += take;
        if (body.got < body.size + 1) break;
        if (b[p - 1] !== 10) return this.outOfStep();
        this.body = undefined;
        this.answer(body.type, body.size, body.data);
        continue;
      }
      const nl = b.indexOf(10, p);
      if (nl === -1) {
        this.rest = Buffer.from(b.subarray(p));
        break;
      }
      const header = b.toString('latin1', p, nl);
      p = nl + 1;
      if (this.pending === 0) continue; // nothing asked: cannot happen with a well-behaved git
      const oid = this.oids[this.head];
      if (!header.startsWith(oid) || header.charCodeAt(oid.length) !== 32) return this.outOfStep();
      const sp = header.indexOf(' ', oid.length + 1);
      const size = sp === -1 ? NaN : Number(header.slice(sp + 1));
      if (!(size >= 0)) {
        // `<oid> missing`, `<oid> ambiguous`: no contents follow.
        this.answer('', -1);
        continue;
      }
      const type = header.slice(oid.length + 1, sp);
      const keep = type === 'blob' && !(this.maxSize > 0 && size > this.maxSize);
      if (keep && p + size < b.length) {
        // Whole in this read: handed over as a view, not copied.
        if (b[p + size] !== 10) return this.outOfStep();
        const data = b.subarray(p, p + size);
        p += size + 1;
        this.answer(type, size, data);
        continue;
      }
      // Taken off the queue once complete: if git dies meanwhile, this is the request it died on.
      this.body = { size, got: 0, type, data: keep ? Buffer.allocUnsafeSlow(size) : undefined };
    }
  }

  private answer(type: string, size: number, data?: Buffer): void {
    const oid = this.oids[this.head];
    const tag = this.shift();
    if (size < 0) this.onBlob(tag, { oid, kind: 'missing', reason: `object ${oid} is missing or corrupt` });
    else if (type !== 'blob') this.onBlob(tag, { oid, kind: 'missing', reason: `object ${oid} is a ${type}, not a blob` });
    else if (!data) this.onBlob(tag, { oid, kind: 'oversize', size });
    else this.onBlob(tag, { oid, kind: 'blob', size, data });
  }
}
