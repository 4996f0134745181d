/**
 * Source maps as a source: a map's `sourcesContent` holds the original files a bundle was built
 * from, comments and all, and ships wherever the bundle ships. Each entry becomes its own chunks,
 * reported as `dist/app.js.map!src/config.ts` at the original line and column.
 *
 * And the other way: a finding in a bundle with a map beside it is located in its original source
 * by decoding the map's `mappings` (base64 VLQ, decoded here: ~60 lines, no dependency).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Chunk, Origin, OriginalPosition } from '../engine/types.js';
import { chunkText, type ChunkOptions } from './chunker.js';
import { pathInside } from './paths.js';

/** Larger maps are scanned as plain text: parsing one costs several times its size in memory. */
export const MAX_SOURCEMAP_BYTES = 32 << 20;

export interface SourceMap {
  version: number;
  sources: string[];
  sourcesContent?: (string | null)[];
  sourceRoot?: string;
  mappings: string;
}

export const isSourceMapName = (name: string): boolean => /\.map$/i.test(name);
/** Built JS/CSS that may have a map beside it. */
export const isBundleName = (name: string): boolean => /\.(?:m?js|cjs|css)$/i.test(name);

/**
 * The map in `text`, or undefined when it is not a version 3 source map. An index map (`sections`,
 * as some bundlers and concatenators write) reads as one map of all its sections' sources, without
 * mappings: read as plain JSON its sources were reported at offsets into the map's one long line.
 */
export function parseSourceMap(text: string): SourceMap | undefined {
  // Maps may start with the XSSI guard `)]}'` (the spec allows it).
  const body = text.replace(/^\)\]\}'[^\n]*\n/, '').trimStart();
  if (!body.startsWith('{')) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  return asSourceMap(doc);
}

function asSourceMap(doc: unknown): SourceMap | undefined {
  const m = doc as Partial<SourceMap> & { sections?: unknown };
  if (!m || m.version !== 3) return undefined;
  if (Array.isArray(m.sections)) {
    const maps = m.sections.map((s) => asSourceMap((s as { map?: unknown } | null)?.map));
    if (maps.some((x) => !x)) return undefined;
    return {
      version: 3,
      sources: maps.flatMap((x) => x!.sources.map((_, i) => rootedName(x!, i))),
      sourcesContent: maps.flatMap((x) => x!.sources.map((_, i) => x!.sourcesContent?.[i] ?? null)),
      mappings: '',
    };
  }
  if (!Array.isArray(m.sources) || typeof m.mappings !== 'string') return undefined;
  return m as SourceMap;
}

const hasScheme = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s);

/**
 * The reported name of source `i`, readable as a path in the scanned tree:
 * - `webpack://app/./src/config.ts` names a path from the project root: `src/config.ts`;
 * - a relative name (`../src/config.ts`, after sourceRoot) is relative to the map's folder
 *   `mapDir`, and is resolved against it: `dist/` + `../src/config.ts` reads `src/config.ts`
 *   (unless that would leave the tree, then it stays as written);
 * - anything else (`file:///…`, `vite:…`, absolute paths) stays as the map wrote it.
 */
export function sourceName(map: SourceMap, i: number, mapDir = ''): string {
  let s = rootedName(map, i);
  if (/^webpack:\/\/[^/]*\//.test(s)) return s.replace(/^webpack:\/\/[^/]*\//, '').replace(/^(?:\.\/)+/, '') || `<source ${i}>`;
  if (s && !hasScheme(s) && !s.startsWith('/')) {
    const joined = path.posix.normalize(path.posix.join(mapDir || '.', s));
    s = joined === '..' || joined.startsWith('../') ? s.replace(/^(?:\.\/)+/, '') : joined;
  }
  return s || `<source ${i}>`;
}

/** Source `i` as the map names it, under its sourceRoot. */
function rootedName(map: SourceMap, i: number): string {
  const s = typeof map.sources[i] === 'string' ? map.sources[i] : '';
  const root = typeof map.sourceRoot === 'string' ? map.sourceRoot : '';
  return root && !hasScheme(s) && !s.startsWith('/') ? (root.endsWith('/') ? root + s : `${root}/${s}`) : s;
}

/** The folder of a map, for sourceName: of the innermost member if the map is inside an archive. */
export function mapDirOf(origin: Origin): string {
  const inner = origin.member ? origin.member.slice(origin.member.lastIndexOf('!') + 1) : origin.path;
  const dir = path.posix.dirname(inner);
  return dir === '.' ? '' : dir;
}

/** One chunk stream per `sourcesContent` entry; `origin.member` gains `!<source name>`. */
export function* sourceMapChunks(map: SourceMap, origin: Origin, opts: ChunkOptions = {}): Generator<Chunk> {
  const contents = Array.isArray(map.sourcesContent) ? map.sourcesContent : [];
  const dir = mapDirOf(origin);
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i];
    if (typeof content !== 'string' || content.length === 0) continue;
    const name = sourceName(map, i, dir);
    yield* chunkText(content, { ...origin, member: origin.member ? `${origin.member}!${name}` : name }, opts);
  }
}

// --- mappings ------------------------------------------------------------------------------

const VLQ = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (VLQ[c.charCodeAt(0)] = i));

/** [generated column, source index, original line, original column], all 0-based. */
export type Segment = [number, number, number, number];

/**
 * Segments of the wanted generated lines (0-based). Source, line and column are deltas running
 * across the whole string, so every line up to the last wanted one is decoded; later ones are not.
 */
export function decodeMappings(mappings: string, wanted: ReadonlySet<number>): Map<number, Segment[]> {
  const out = new Map<number, Segment[]>();
  const last = Math.max(-1, ...wanted);
  const fields = [0, 0, 0, 0, 0];
  let src = 0;
  let oLine = 0;
  let oCol = 0;
  let line = 0;
  let col = 0;
  let segs: Segment[] | undefined = wanted.has(0) ? [] : undefined;
  let i = 0;
  const n = mappings.length;
  while (i < n && line <= last) {
    const c = mappings.charCodeAt(i);
    if (c === 59 /* ; */) {
      if (segs) out.set(line, segs);
      line++;
      col = 0;
      segs = wanted.has(line) ? [] : undefined;
      i++;
      continue;
    }
    if (c === 44 /* , */) {
      i++;
      continue;
    }
    // One segment: 1, 4 or 5 VLQ fields.
    let k = 0;
    while (i < n && k < 5) {
      const ch = mappings.charCodeAt(i);
      if (ch === 44 || ch === 59) break;
      let value = 0;
      let shift = 0;
      for (;;) {
        const cc = mappings.charCodeAt(i++);
        const d = cc < 128 ? VLQ[cc] : -1;
        if (d < 0) return out; // corrupt: keep what was decoded
        value += (d & 31) * 2 ** shift;
        shift += 5;
        if (!(d & 32)) break;
        if (i >= n) return out;
      }
      fields[k++] = value % 2 === 1 ? -Math.floor(value / 2) : value / 2;
    }
    col += fields[0];
    if (k >= 4) {
      src += fields[1];
      oLine += fields[2];
      oCol += fields[3];
      segs?.push([col, src, oLine, oCol]);
    }
  }
  if (segs && line <= last) out.set(line, segs);
  return out;
}

/** Original position of 1-based (line, column) in the bundle, if the map covers it. */
export function originalPosition(map: SourceMap, segments: Map<number, Segment[]>, line: number, column: number, mapDir = ''): OriginalPosition | undefined {
  const segs = segments.get(line - 1);
  if (!segs || segs.length === 0) return undefined;
  const col = column - 1;
  let best: Segment | undefined;
  for (const s of segs) {
    if (s[0] <= col) best = s;
    else break;
  }
  if (!best) return undefined;
  // Plus the offset into the segment: a secret sits inside a string literal, which minifiers keep
  // character for character, so this is its exact column (a segment maps only the literal's start).
  return { path: sourceName(map, best[1], mapDir), line: best[2] + 1, column: best[3] + 1 + (col - best[0]) };
}

/** Original positions for several bundle positions at once (one decoding of the mappings). */
export function originalPositions(map: SourceMap, points: readonly { line: number; column: number }[], mapDir = ''): (OriginalPosition | undefined)[] {
  const segments = decodeMappings(map.mappings, new Set(points.map((p) => p.line - 1)));
  return points.map((p) => originalPosition(map, segments, p.line, p.column, mapDir));
}

/**
 * The map inlined in a bundle's last line (`//# sourceMappingURL=data:application/json;base64,…`,
 * as webpack's `inline-source-map` and Vite's `sourcemap: 'inline'` write it), or undefined.
 */
export function inlineSourceMap(lastLine: string): SourceMap | undefined {
  const m = /(?:\/\/|\/\*)[#@][ \t]*sourceMappingURL=data:([^,\s]*),([^\s*]+)\s*(?:\*\/)?\s*$/.exec(lastLine);
  if (!m) return undefined;
  let json: string;
  try {
    json = /;base64$/i.test(m[1]) ? Buffer.from(m[2], 'base64').toString('utf8') : decodeURIComponent(m[2]);
  } catch {
    return undefined;
  }
  return parseSourceMap(json);
}

/**
 * The last non-blank line of a file, if it is a `sourceMappingURL` comment no longer than the
 * largest map read: read backwards from the end, so the bundle itself is not read a second time.
 */
export async function lastMappingLine(abs: string): Promise<string | undefined> {
  const fh = await fs.promises.open(abs, 'r');
  try {
    const { size } = await fh.stat();
    // base64 is 4/3 of the map, plus the comment around it.
    const max = Math.min(size, Math.ceil((MAX_SOURCEMAP_BYTES * 4) / 3) + 4096);
    const blocks: Buffer[] = [];
    for (let read = 0; read < max; ) {
      const len = Math.min(1 << 16, max - read);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - read - len);
      blocks.unshift(buf);
      read += len;
      const text = buf.toString('latin1');
      if ((read === len ? text.trimEnd() : text).includes('\n') || read === size) {
        const tail = Buffer.concat(blocks).toString('utf8').trimEnd();
        const line = tail.slice(tail.lastIndexOf('\n') + 1);
        return line.includes('sourceMappingURL=') ? line : undefined;
      }
      // A tail of 64 KiB without a line break is worth reading past only if it is all payload.
      if (read === len && !/^[A-Za-z0-9+/=%._~-]*(?:[ \t]*\*\/)?$/.test(text.trim())) return undefined;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

/**
 * The map of a bundle on disk: `<bundle>.map` beside it, or the file its trailing
 * `//# sourceMappingURL=` comment names. Only regular files inside the bundle's own folder are
 * read (a comment must not send the scan out of the tree it was given); data: URLs and remote
 * URLs are not followed.
 */
export async function findSourceMap(bundleAbs: string): Promise<{ map: SourceMap; abs: string } | undefined> {
  const candidates = [`${bundleAbs}.map`];
  const url = await mappingUrl(bundleAbs);
  if (url && !/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith('/')) {
    let rel = url;
    try {
      rel = decodeURIComponent(url.split(/[?#]/)[0]);
    } catch {
      /* keep as written */
    }
    const abs = path.resolve(path.dirname(bundleAbs), rel);
    if (pathInside(path.dirname(bundleAbs), abs)) candidates.unshift(abs);
  }
  for (const c of candidates) {
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(c);
    } catch {
      continue;
    }
    if (!st.isFile() || st.size > MAX_SOURCEMAP_BYTES) continue;
    const map = parseSourceMap(await fs.promises.readFile(c, 'utf8'));
    if (map) return { map, abs: c };
  }
  return undefined;
}

/** The URL of a trailing `//# sourceMappingURL=` (or CSS `/*# … *\/`) comment, read from the file's tail. */
async function mappingUrl(abs: string): Promise<string | undefined> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(abs, 'r');
    const { size } = await fh.stat();
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const m = /[#@][ \t]*sourceMappingURL=([^\s'"*]+)[ \t]*(?:\*\/)?\s*$/.exec(buf.toString('utf8'));
    return m?.[1];
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}
