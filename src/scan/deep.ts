/**
 * Looking inside what a plain file scan sees as opaque: archives (members, recursively), source
 * maps (the original sources they embed), bundles (where a finding came from, via the map beside
 * them) and encoded runs (base64, hex, escapes). Sources yield members and chunks, the engine finds;
 * this module only wires them, for the main thread and the workers alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import { scanChunkDecoded, DEFAULT_DECODE_DEPTH } from '../engine/decode.js';
import { attachSnippets } from '../engine/snippet.js';
import type { Engine } from '../engine/engine.js';
import type { Chunk, Finding, Origin } from '../engine/types.js';
import { ioReason } from '../errors.js';
import { archiveKindOf, DEFAULT_ARCHIVE_LIMITS, readArchive, sniffArchive, type ArchiveLimits, type MemberContent } from '../sources/archive.js';
import { chunkText, type ChunkOptions } from '../sources/chunker.js';
import type { FileEntry, ReadError, Skipped } from '../sources/files.js';
import { decodeText, sniffStream, streamChunks, textEncoding } from '../sources/read.js';
import { findSourceMap, inlineSourceMap, isBundleName, isSourceMapName, lastMappingLine, MAX_SOURCEMAP_BYTES, originalPositions, parseSourceMap, sourceMapChunks } from '../sources/sourcemap.js';

/**
 * What the file scan does beyond plain text. A plain object of plain values: it travels to the
 * worker threads inside `workerData` as the chunk options do.
 */
export interface DeepOptions extends ChunkOptions {
  /** Archive limits (defaults: DEFAULT_ARCHIVE_LIMITS); `false` leaves archives closed (binary files). */
  archives?: Partial<ArchiveLimits> | false;
  /** How deep encoded runs are decoded (default 2); 0 turns decoding off. */
  decodeDepth?: number;
}

export interface DeepOut {
  findings: Finding[];
  skipped: Skipped[];
  errors: ReadError[];
}

/**
 * The engine on one chunk, plus what its encoded runs hold, plus snippets for findings on very long
 * lines. Snippets come last so that every known span is masked in them, decoded ones included (a
 * base64 run next to a finding is a secret too).
 */
export function scanChunkDeep(engine: Engine, chunk: Chunk, opts: DeepOptions = {}): Finding[] {
  const all = scanChunkDecoded(engine, chunk, opts.decodeDepth ?? DEFAULT_DECODE_DEPTH);
  attachSnippets(chunk, all);
  return all;
}

const push = (into: Finding[], from: Finding[]) => {
  for (const f of from) into.push(f);
};

/**
 * Archives and source maps on disk. Returns false for any other file (and for a `.zip` that is not
 * a zip, a `.map` that is not a source map): the caller scans it as text.
 */
export async function scanContainerFile(engine: Engine, f: FileEntry, opts: DeepOptions, out: DeepOut): Promise<boolean> {
  const kind = opts.archives === false ? undefined : archiveKindOf(f.rel);
  if (kind) {
    const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...(opts.archives || {}) };
    if (limits.maxDepth < 1 || !sniffArchive(await head(f.abs, 512), kind)) return false;
    await scanArchive(engine, f, kind, limits, opts, out);
    return true;
  }
  if (isSourceMapName(f.rel) && f.size <= MAX_SOURCEMAP_BYTES) {
    const map = parseSourceMap(await fs.promises.readFile(f.abs, 'utf8'));
    if (!map) return false;
    for (const chunk of sourceMapChunks(map, { path: f.rel }, opts)) push(out.findings, scanChunkDeep(engine, chunk, opts));
    return true;
  }
  return false;
}

async function head(abs: string, n: number): Promise<Buffer> {
  const fh = await fs.promises.open(abs, 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function scanArchive(engine: Engine, f: FileEntry, kind: NonNullable<ReturnType<typeof archiveKindOf>>, limits: ArchiveLimits, opts: DeepOptions, out: DeepOut): Promise<void> {
  // One line for all binary members: a jar holds thousands of .class files.
  let binary = 0;
  let example = '';
  for await (const ev of readArchive({ abs: f.abs, size: f.size }, kind, f.rel, limits)) {
    const where = ev.member ? `${f.rel}!${ev.member}` : f.rel;
    if (ev.type === 'skipped') out.skipped.push({ path: where, reason: ev.reason });
    else if (ev.type === 'error') out.errors.push({ path: where, message: ev.message });
    else {
      try {
        if (!(await scanMember(engine, { path: f.rel, member: ev.member }, ev.content, opts, out))) {
          if (binary++ === 0) example = ev.member;
        }
      } catch (e) {
        out.errors.push({ path: where, message: ioReason(e) });
      }
    }
  }
  if (binary) out.skipped.push({ path: f.rel, reason: `${binary} binary member${binary === 1 ? '' : 's'} not scanned (e.g. ${example})` });
}

/** Scans one archive member; false when it is binary (not scanned). */
async function scanMember(engine: Engine, origin: Origin, content: MemberContent, opts: DeepOptions, out: DeepOut): Promise<boolean> {
  if (Buffer.isBuffer(content)) {
    const enc = textEncoding(content);
    if (!enc) return false;
    const text = decodeText(content, enc);
    const map = isSourceMapName(origin.member ?? '') ? parseSourceMap(text) : undefined;
    const chunks = map ? sourceMapChunks(map, origin, opts) : chunkText(text, origin, opts);
    const found: Finding[] = [];
    for (const chunk of chunks) push(found, scanChunkDeep(engine, chunk, opts));
    const tail = isBundleName(origin.member ?? '') ? text.trimEnd() : '';
    push(out.findings, withInlineSourceMap(engine, tail.slice(tail.lastIndexOf('\n') + 1), origin, opts, found));
    return true;
  }
  // A streamed member (a large tar entry, a lone .gz): sniff its head, then chunk it as it arrives.
  const { enc, blocks, stop } = await sniffStream(content);
  if (!enc) {
    await stop();
    return false;
  }
  for await (const chunk of streamChunks(blocks, enc, origin, opts)) push(out.findings, scanChunkDeep(engine, chunk, opts));
  return true;
}

/**
 * A bundle's findings plus those in the sources of the map inlined in its last line, reported as
 * `dist/app.js!src/config.ts` at their original lines and columns. Why: such a map is one long
 * base64 run, decoded as any run only up to 48 KiB, so a key in a later source went unreported.
 * A secret of the map found again in the base64 run is reported once, in its source.
 */
export function withInlineSourceMap(engine: Engine, lastLine: string, origin: Origin, opts: DeepOptions, found: Finding[]): Finding[] {
  const map = lastLine ? inlineSourceMap(lastLine) : undefined;
  if (!map) return found;
  const inMap: Finding[] = [];
  for (const chunk of sourceMapChunks(map, origin, opts)) push(inMap, scanChunkDeep(engine, chunk, opts));
  const secrets = new Set(inMap.map((x) => x.secret));
  return found.filter((x) => !(x.origin.decoded && secrets.has(x.secret))).concat(inMap);
}

/**
 * withInlineSourceMap for a bundle on disk. Its last line is taken from the file's last chunk, which
 * the scan has just read; only a last line longer than that chunk is read again from the end of the
 * file. Why: reading every bundle's tail again, asynchronously, cost the benchmark corpus's scan
 * about a tenth of its time (~700 bundles, each waiting on four thread-pool round trips).
 */
export async function addInlineSourceMap(engine: Engine, f: FileEntry, opts: DeepOptions, found: Finding[], lastChunk?: Chunk): Promise<Finding[]> {
  if (!isBundleName(f.rel)) return found;
  let line: string | undefined;
  if (lastChunk) {
    const tail = lastChunk.text.trimEnd();
    const nl = tail.lastIndexOf('\n');
    // The whole last line is in the chunk when a line break precedes it there, or the chunk starts the file.
    if (nl >= 0 || lastChunk.offset === 0) line = tail.slice(nl + 1);
  }
  if (line === undefined) line = (await lastMappingLine(f.abs)) ?? '';
  if (!line.includes('sourceMappingURL=data:')) return found;
  return withInlineSourceMap(engine, line, { path: f.rel }, opts, found);
}

/**
 * Names the original position of each finding in a bundle that has a source map beside it. The
 * map's columns count UTF-16 units and ours code points: they agree on lines without characters
 * outside the BMP (emoji), which minifiers escape anyway.
 */
export async function addOriginalPositions(f: FileEntry, findings: Finding[]): Promise<void> {
  if (findings.length === 0 || !isBundleName(f.rel)) return;
  try {
    const found = await findSourceMap(f.abs);
    if (!found) return;
    // The map's folder as a reported path, for resolving its relative source names.
    const mapRel = path.posix.join(path.posix.dirname(f.rel), path.relative(path.dirname(f.abs), found.abs).split(path.sep).join('/'));
    const dir = path.posix.dirname(mapRel);
    const pos = originalPositions(found.map, findings.map((x) => x.span), dir === '.' ? '' : dir);
    findings.forEach((x, i) => {
      if (pos[i]) x.original = pos[i];
    });
  } catch {
    // The map is a bonus: a map that cannot be read never fails the scan of the bundle.
  }
}
