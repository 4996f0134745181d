import { createEngine, type Engine } from '../engine/engine.js';
import { checkBooleans, checkOptionsObject, checkScanOptions, shapeOf, type Confidence, type Finding, type Kind, type RuleSet } from '../engine/types.js';
import { applyFilters, type BaselineLookup, type Dropped } from '../filters/index.js';
import { loadRules } from '../config/rules.js';
import { chunkText, DEFAULT_CHUNK_SIZE, DEFAULT_OVERLAP, type ChunkOptions } from '../sources/chunker.js';
import { sniffStream, streamChunks } from '../sources/read.js';
import { walk, type ReadError, type Skipped, type WalkResult } from '../sources/files.js';
import { scanFiles, type FileBatchResult, type FileScanOptions, type InlineMarker } from './file.js';
import { BaselineMatcher, type BaselineEntry } from '../filters/baseline.js';
import { poolAvailable, startPool } from './pool.js';
import { defaultWorkers, MAX_WORKERS, validWorkers } from './workers.js';
import { scanChunkDeep } from './deep.js';
import { keepingFindings } from '../engine/safe-regex.js';
import type { ArchiveLimits } from '../sources/archive.js';

export interface ScanOptions extends ChunkOptions {
  /** Files and folders to scan; default `.`. */
  paths?: string[];
  cwd?: string;
  /** Rules to use; default: the built-in packs plus `.spillguard.toml` in `cwd`, if any. */
  rules?: RuleSet;
  kinds?: readonly Kind[];
  include?: string[];
  exclude?: string[];
  gitignore?: boolean;
  /** Bytes; 0 = no limit. Default 50 MiB. */
  maxFileSize?: number;
  minConfidence?: Confidence;
  baseline?: BaselineLookup;
  /** Worker threads besides this one (which scans too): 0 = none; default: one per core beyond the first, for large scans. */
  workers?: number;
  /** List baseline entries and inline ignores that no longer suppress anything. */
  reportUnused?: boolean;
  /** Archive limits (docs/bundles-archives.md); `false` leaves archives closed, scanned as binary files. */
  archives?: Partial<ArchiveLimits> | false;
  /** Encoded secrets (base64, hex, escapes): how deep to decode; default 2, 0 = off. */
  decodeDepth?: number;
}

export interface Unused {
  baseline: BaselineEntry[];
  inline: InlineMarker[];
}

export interface ScanStats {
  files: number;
  bytes: number;
  durationMs: number;
}

export interface ScanResult {
  findings: Finding[];
  suppressed: Dropped[];
  skipped: Skipped[];
  errors: ReadError[];
  stats: ScanStats;
  /** With `reportUnused`: suppressions that suppressed nothing. */
  unused?: Unused;
}

export const DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024;
/** Below this much work, starting workers costs more than it saves (a pre-commit of a few files). */
const POOL_MIN_BYTES = 4 << 20;
const POOL_MIN_FILES = 4;

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      cmp(a.origin.path, b.origin.path) ||
      cmp(a.origin.member ?? '', b.origin.member ?? '') ||
      (a.origin.record ?? 0) - (b.origin.record ?? 0) ||
      a.span.start - b.span.start ||
      cmp(a.ruleId, b.ruleId),
  );
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function resolveRules(opts: ScanOptions): RuleSet {
  const rules = opts.rules ?? loadRules({ root: opts.cwd, kinds: opts.kinds ?? ['secret'] });
  if (!opts.kinds) return rules;
  return { rules: rules.rules.filter((r) => opts.kinds!.includes(r.kind)), allowlist: rules.allowlist };
}

export function finish(
  ruleSet: RuleSet,
  raw: Finding[],
  opts: ScanOptions,
  rest: Omit<ScanResult, 'findings' | 'suppressed' | 'unused'>,
  markers: InlineMarker[] = [],
): ScanResult {
  const { kept, dropped } = applyFilters(raw, {
    allowlist: ruleSet.allowlist,
    minConfidence: opts.minConfidence,
    baseline: opts.baseline,
  });
  const result: ScanResult = { findings: sortFindings(kept), suppressed: dropped, ...rest };
  if (opts.reportUnused) result.unused = unusedSuppressions(opts.baseline, dropped, markers);
  return result;
}

/** Baseline entries that matched nothing, and inline markers on lines where nothing was suppressed. */
export function unusedSuppressions(baseline: BaselineLookup | undefined, dropped: Dropped[], markers: InlineMarker[]): Unused {
  const usedLines = new Set<string>();
  for (const d of dropped) {
    if (!d.finding.inlineIgnore) continue;
    for (let l = d.finding.span.line; l <= d.finding.span.endLine; l++) usedLines.add(`${d.finding.origin.path}\0${l}`);
  }
  return {
    baseline: baseline instanceof BaselineMatcher ? baseline.unused() : [],
    inline: markers.filter((m) => !usedLines.has(`${m.path}\0${m.line}`)),
  };
}

/** Library callers get a TypeError or RangeError naming the option, as the CLI names the flag. */
function checkOptions(opts: ScanOptions): void {
  checkScanOptions('scan', opts);
  checkBooleans('scan', opts, ['gitignore', 'reportUnused']);
  if (opts.workers !== undefined && !validWorkers(opts.workers))
    throw new RangeError(`scan: workers must be a whole number from 0 to ${MAX_WORKERS} (got ${opts.workers})`);
  // A lone string was walked letter by letter ('src' as s, r, c); as include or exclude it failed
  // inside the glob matcher ("globs.map is not a function").
  checkList('paths', opts.paths, 'files and folders');
  checkList('include', opts.include, 'globs');
  checkList('exclude', opts.exclude, 'globs');
  if (opts.cwd !== undefined && typeof opts.cwd !== 'string') throw new TypeError(`scan: cwd must be a path (got ${JSON.stringify(opts.cwd)})`);
  // A string overlap ('a') made the chunker's arithmetic string concatenation and never end; NaN or a
  // negative size turned off the limit or the decoding they set, silently.
  checkWhole('chunkSize', opts.chunkSize, 1);
  checkWhole('overlap', opts.overlap, 0);
  checkWhole('maxFileSize', opts.maxFileSize, 0);
  checkWhole('decodeDepth', opts.decodeDepth, 0);
  // A chunk that owns less than its context moves backwards (chunker.ts): whole stretches of the input were skipped.
  const size = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const overlap = opts.overlap ?? DEFAULT_OVERLAP;
  if (overlap > size)
    throw new RangeError(`scan: chunkSize (${size}) must be at least overlap (${overlap}${opts.overlap === undefined ? ', the default: pass a smaller overlap' : ''})`);
}

function checkList(name: string, v: unknown, what: string): void {
  if (v !== undefined && (!Array.isArray(v) || v.some((p) => typeof p !== 'string')))
    throw new TypeError(`scan: ${name} must be a list of ${what} (got ${JSON.stringify(v)})`);
}

function checkWhole(name: string, v: unknown, min: number): void {
  if (v === undefined || (Number.isInteger(v) && (v as number) >= min)) return;
  const message = `scan: ${name} must be a whole number of at least ${min} (got ${typeof v === 'number' ? v : JSON.stringify(v)})`;
  throw typeof v === 'number' ? new RangeError(message) : new TypeError(message);
}

/** Scans files and folders: the `spillguard scan` pipeline as a library call. */
export async function scan(opts: ScanOptions = {}): Promise<ScanResult> {
  checkOptionsObject('scan', opts, "{ paths: ['src'] }");
  checkOptions(opts);
  const t0 = performance.now();
  const cwd = opts.cwd ?? process.cwd();
  const ruleSet = resolveRules({ ...opts, cwd });
  const chunkOpts: FileScanOptions = { chunkSize: opts.chunkSize, overlap: opts.overlap, markers: opts.reportUnused, archives: opts.archives, decodeDepth: opts.decodeDepth };
  const workers = opts.workers ?? defaultWorkers();
  const pool = workers > 0 && poolAvailable() ? startPool(ruleSet, workers, chunkOpts) : undefined;
  let walked: WalkResult;
  let parts: FileBatchResult[];
  try {
    walked = await walk(opts.paths?.length ? opts.paths : ['.'], {
      cwd,
      include: opts.include ?? [],
      exclude: opts.exclude ?? [],
      gitignore: opts.gitignore ?? true,
      maxFileSize: opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    });
    const totalBytes = walked.files.reduce((s, f) => s + f.size, 0);
    const engine = createEngine(ruleSet);
    if (pool && walked.files.length >= POOL_MIN_FILES && totalBytes >= POOL_MIN_BYTES) {
      parts = await pool.scan(engine, walked.files);
    } else {
      await pool?.close();
      parts = [await scanFiles(engine, walked.files, chunkOpts)];
    }
  } catch (e) {
    await pool?.close();
    throw e;
  }
  const raw = parts.flatMap((p) => p.findings);
  const markers = parts.flatMap((p) => p.markers);
  return finish(ruleSet, raw, opts, {
    skipped: [...walked.skipped, ...parts.flatMap((p) => p.skipped)].sort((a, b) => cmp(a.path, b.path)),
    errors: [...walked.errors, ...parts.flatMap((p) => p.errors)],
    stats: {
      files: parts.reduce((s, p) => s + p.files, 0),
      bytes: parts.reduce((s, p) => s + p.bytes, 0),
      durationMs: performance.now() - t0,
    },
  }, markers);
}

/** Scans a byte stream (stdin, a pipe, or any iterable of Buffers and strings) in bounded memory. */
export async function scanStream(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, name: string, opts: ScanOptions = {}): Promise<ScanResult> {
  // An array of Buffers always worked, but the declared type refused it; null failed inside `for await`.
  const i = input as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
  if (typeof i?.[Symbol.asyncIterator] !== 'function' && typeof i?.[Symbol.iterator] !== 'function')
    throw new TypeError(`scanStream: input must be a stream or an iterable of Buffers or strings (got ${shapeOf(input)})`);
  checkOptionsObject('scanStream', opts, '{ rules }');
  // Findings are reported under it: an options object passed in its place was their path.
  if (typeof name !== 'string') throw new TypeError(`scanStream: name must be a string, the name findings are reported under (got ${shapeOf(name)})`);
  checkOptions(opts);
  const t0 = performance.now();
  const ruleSet = resolveRules(opts);
  const engine = createEngine(ruleSet);
  let bytes = 0;
  async function* counted() {
    for await (const b of input) {
      bytes += typeof b === 'string' ? Buffer.byteLength(b) : b.length;
      yield b;
    }
  }
  const raw: Finding[] = [];
  const errors: ReadError[] = [];
  // Bytes are read in the encoding their head says, as files are: UTF-16 from a Windows tool or
  // PowerShell piped in was read as UTF-8 and matched nothing. Binary input is still scanned.
  const { enc, blocks } = await sniffStream(bytesOf(counted()));
  // A user rule stopped on a chunk (safe-regex.ts) is an error; the stream goes on.
  for await (const chunk of streamChunks(blocks, enc ?? 'utf-8', { path: name }, opts)) raw.push(...keepingFindings(() => scanChunkDeep(engine, chunk, opts), errors));
  return finish(ruleSet, raw, opts, { skipped: [], errors, stats: { files: 1, bytes, durationMs: performance.now() - t0 } });
}

async function* bytesOf(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  for await (const b of input) yield typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}

/** Scans text already in memory; synchronous, for library callers and tests. */
export function scanText(text: string, opts: ScanOptions & { path?: string; engine?: Engine } = {}): ScanResult {
  if (typeof text !== 'string') throw new TypeError(`scanText: text must be a string (got ${typeof text})`);
  checkOptionsObject('scanText', opts, "{ rules, path: 'app.env' }");
  checkOptions(opts);
  const t0 = performance.now();
  const ruleSet = opts.engine ? { rules: [...opts.engine.rules], allowlist: resolveAllow(opts) } : resolveRules(opts);
  const engine = opts.engine ?? createEngine(ruleSet);
  const raw: Finding[] = [];
  for (const chunk of chunkText(text, { path: opts.path ?? '<text>' }, opts)) raw.push(...scanChunkDeep(engine, chunk, opts));
  return finish(ruleSet, raw, opts, {
    skipped: [],
    errors: [],
    stats: { files: 1, bytes: Buffer.byteLength(text), durationMs: performance.now() - t0 },
  });
}

function resolveAllow(opts: ScanOptions) {
  return opts.rules?.allowlist ?? { paths: [], regexes: [], stopwords: [], allowTarget: 'secret' as const };
}
