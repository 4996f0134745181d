import { createHash } from 'node:crypto';

/**
 * Parsers for git's machine-readable diff output: `--raw -z` entries and the hunk headers of a
 * `-U0` patch. Pure functions over buffers, so they are tested without a repository.
 */

/** One line of `git diff --raw -z` (or of a combined diff, `::…`, for merges in `git log -c`). */
export interface RawEntry {
  srcMode: string;
  dstMode: string;
  srcOid: string;
  dstOid: string;
  /** A, M, D, R, C, T, U or X; for a combined diff, the letters of every parent (e.g. "MM"). */
  status: string;
  /** Source path (differs from `path` for renames and copies). */
  srcPath: string;
  /** Destination path: where the content lives after the change. */
  path: string;
  /** The paths' bytes as latin1 strings: what git quotes in patch headers, whatever the encoding. */
  srcRaw: string;
  pathRaw: string;
}

export const GITLINK_MODE = '160000';
export const SYMLINK_MODE = '120000';

/** A header token (`:100644 100644 <oid> <oid> M`) and how many path tokens follow it. */
export function parseRawHeader(tok: string): { entry: Omit<RawEntry, 'srcPath' | 'path' | 'srcRaw' | 'pathRaw'>; paths: number } | undefined {
  let colons = 0;
  while (tok.charCodeAt(colons) === 58) colons++;
  if (colons === 0) return undefined;
  const f = tok.slice(colons).split(' ');
  const n = colons + 1; // modes and oids: one per parent, then the result
  if (f.length < 2 * n + 1) return undefined;
  const status = f[2 * n];
  const entry = {
    srcMode: f[0],
    dstMode: f[n - 1],
    srcOid: f[n],
    dstOid: f[2 * n - 1],
    status: colons === 1 ? status[0] : status,
  };
  const paths = colons === 1 && (status[0] === 'R' || status[0] === 'C') ? 2 : 1;
  return { entry, paths };
}

/**
 * Reads the raw section at the start of a `git diff --raw -z [-p]` output. Returns the entries and
 * where the patch text (if any) begins.
 */
export function parseRawSection(buf: Buffer): { entries: RawEntry[]; patchStart: number } {
  const entries: RawEntry[] = [];
  let pos = 0;
  const next = (): [number, number] | undefined => {
    if (pos >= buf.length) return undefined;
    let end = buf.indexOf(0, pos);
    if (end === -1) end = buf.length;
    const r: [number, number] = [pos, end];
    pos = end + 1;
    return r;
  };
  for (;;) {
    const save = pos;
    const t = next();
    if (!t) break;
    if (t[0] === t[1]) break; // the empty token between the raw section and the patch
    if (buf[t[0]] !== 58) {
      pos = save;
      break;
    }
    const h = parseRawHeader(buf.toString('latin1', t[0], t[1]));
    if (!h) {
      pos = save;
      break;
    }
    const p1 = next();
    const p2 = h.paths === 2 ? next() : p1;
    if (!p1 || !p2) break;
    const e = h.entry;
    entries.push({
      srcMode: e.srcMode,
      dstMode: e.dstMode,
      srcOid: e.srcOid,
      dstOid: e.dstOid,
      status: e.status,
      srcPath: buf.toString('utf8', p1[0], p1[1]),
      path: buf.toString('utf8', p2[0], p2[1]),
      srcRaw: buf.toString('latin1', p1[0], p1[1]),
      pathRaw: buf.toString('latin1', p2[0], p2[1]),
    });
  }
  return { entries, patchStart: Math.min(pos, buf.length) };
}

/** Line ranges, 1-based and inclusive, sorted. */
export type Ranges = Array<[number, number]>;

export interface PatchInfo {
  /** Lines of the new file that the patch adds or changes. */
  added: Ranges;
  /** git called the file binary ("Binary files … differ"). */
  binary: boolean;
  /**
   * With `keepContent`: the new file rebuilt from the patch's context and added lines, when the
   * hunks cover it from its first line (a full-context diff, `-U<huge>`). The caller checks it
   * against the blob id before trusting it (`contentMatches`).
   */
  content?: Buffer;
}

const ESC: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 34: '"', 92: '\\' };

/** git's `quote_c_style` with core.quotePath=true, on a path's bytes (given as a latin1 string). */
export function cQuote(raw: string): string {
  let need = false;
  for (let i = 0; i < raw.length && !need; i++) {
    const c = raw.charCodeAt(i);
    need = c < 0x20 || c === 34 || c === 92 || c >= 0x7f;
  }
  if (!need) return raw;
  let out = '"';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (ESC[c]) out += `\\${ESC[c]}`;
    else if (c < 0x20 || c >= 0x7f) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += raw[i];
  }
  return out + '"';
}

/** The `diff --git` line git prints for an entry (each side quoted on its own, as `quote_two` does). */
export function patchHeader(e: Pick<RawEntry, 'srcRaw' | 'pathRaw'>): string {
  const side = (prefix: string, raw: string) => {
    const q = cQuote(raw);
    return q === raw ? prefix + raw : `"${prefix}${q.slice(1)}`;
  };
  return `diff --git ${side('a/', e.srcRaw)} ${side('b/', e.pathRaw)}`;
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

interface Section {
  info: PatchInfo;
  /** Next line number in the new file. */
  line: number;
  lines?: Buffer[];
  /** The hunks so far cover the new file from line 1 without a gap. */
  whole: boolean;
  noEol: boolean;
  last: number;
}

/**
 * Added line ranges per entry, from a patch: the lines marked `+`, numbered in the new file. With
 * `keepContent` and a full-context patch, also the new file itself, so that a pre-commit scan needs
 * no second process to read blobs. Sections are matched to raw entries by their exact `diff --git`
 * line, which is unambiguous (a name with spaces is not) and survives sections being split (a type
 * change prints two) or reordered (diff.orderFile).
 */
export function parsePatch(buf: Buffer, start: number, entries: RawEntry[], keepContent = false): Map<RawEntry, PatchInfo> {
  const byHeader = new Map<string, RawEntry>();
  for (const e of entries) byHeader.set(patchHeader(e), e);
  const out = new Map<RawEntry, PatchInfo>();
  const sections: Section[] = [];
  let cur: Section | undefined;
  let inHunk = false;
  const addLine = (n: number) => {
    const a = cur!.info.added;
    const lastRange = a[a.length - 1];
    if (lastRange && lastRange[1] === n - 1) lastRange[1] = n;
    else a.push([n, n]);
  };
  let pos = start;
  while (pos < buf.length) {
    let end = buf.indexOf(10, pos);
    if (end === -1) end = buf.length;
    const c = end > pos ? buf[pos] : -1;
    if (c === 0x64 /* d */ && buf.toString('latin1', pos, pos + 11) === 'diff --git ') {
      // Content lines always start with a prefix (' ', '+', '-', '\'): a 'd' is the next file.
      const e = byHeader.get(buf.toString('latin1', pos, end));
      cur = undefined;
      inHunk = false;
      if (e) {
        let info = out.get(e);
        if (!info) out.set(e, (info = { added: [], binary: false }));
        cur = { info, line: 1, whole: true, noEol: false, last: 0, lines: keepContent ? [] : undefined };
        sections.push(cur);
      }
    } else if (!cur) {
      // Outside any known section: nothing to record.
    } else if (c === 0x40 /* @ */ && buf.toString('latin1', pos, pos + 3) === '@@ ') {
      const m = HUNK.exec(buf.toString('latin1', pos, Math.min(end, pos + 80)));
      if (m) {
        const from = Number(m[1]);
        const count = m[2] === undefined ? 1 : Number(m[2]);
        // "+0,0": nothing left in the new file; otherwise the hunk starts at `from`.
        const first = count === 0 ? from + 1 : from;
        if (first !== cur.line) cur.whole = false;
        cur.line = first;
        inHunk = true;
      }
    } else if (inHunk) {
      if (c === 0x2b /* + */ || c === 0x20 /* space */ || c === -1 /* an empty context line (diff.suppressBlankEmpty) */) {
        if (c === 0x2b) addLine(cur.line);
        cur.lines?.push(buf.subarray(Math.min(pos + 1, end), end));
        cur.line++;
        cur.last = c;
      } else if (c === 0x2d /* - */) {
        cur.last = c;
      } else if (c === 0x5c /* \ No newline at end of file */) {
        if (cur.last !== 0x2d) cur.noEol = true;
      }
    } else if (c === 0x42 /* B */ && buf.toString('latin1', pos, pos + 13) === 'Binary files ') {
      cur.info.binary = true;
    }
    pos = end + 1;
  }
  if (keepContent) {
    // A type change prints a deletion then an addition for one entry: the section with lines wins.
    for (const sec of sections) {
      if (!sec.whole || !sec.lines?.length || sec.info.binary) continue;
      const parts: Buffer[] = [];
      const nl = Buffer.from('\n');
      sec.lines.forEach((l, i) => {
        parts.push(l);
        if (i < sec.lines!.length - 1 || !sec.noEol) parts.push(nl);
      });
      sec.info.content = Buffer.concat(parts);
    }
  }
  return out;
}

/** Whether bytes are exactly the blob `oid` names (git hashes "blob <size>\0" + contents). */
export function contentMatches(content: Buffer, oid: string): boolean {
  const h = createHash(oid.length === 64 ? 'sha256' : 'sha1');
  h.update(`blob ${content.length}\0`);
  h.update(content);
  return h.digest('hex') === oid;
}

/**
 * Ranges of git's lines as ranges of the decoded lines of a UTF-16 file. git splits lines at every
 * 0x0A byte, but in UTF-16 only the code unit 0x000A ends a line, and many characters hold that
 * byte too (上, U+4E0A, is `0A 4E` in UTF-16LE; Ċ, U+010A, is `0A 01`): in a file that holds one,
 * git's line numbers run ahead of the text's. A line of text is in the result when any of the
 * git lines it is made of is in `ranges`.
 */
export function utf16Ranges(ranges: Ranges, data: Uint8Array, littleEndian: boolean): Ranges {
  // textLine[g - 1]: the line of text that holds git's line g.
  const textLine: number[] = [1];
  let line = 1;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let p = buf.indexOf(10); p !== -1; p = buf.indexOf(10, p + 1)) {
    // Code units start at even offsets (a byte-order mark is one unit).
    if (littleEndian ? p % 2 === 0 && buf[p + 1] === 0 : p % 2 === 1 && buf[p - 1] === 0) line++;
    textLine.push(line);
  }
  const n = textLine.length;
  const at = (g: number) => (g <= n ? textLine[g - 1] : g - n + line); // past the end: as many lines past the last
  const out: Ranges = [];
  for (const [from, to] of ranges) {
    const a = at(from);
    const b = at(to);
    const last = out[out.length - 1];
    if (last && last[1] >= a - 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Lines in both lists. */
export function intersectRanges(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

/** Whether any line in [from, to] is in the ranges. */
export function touches(ranges: Ranges, from: number, to: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = ranges[mid];
    if (e < from) lo = mid + 1;
    else if (s > to) hi = mid - 1;
    else return true;
  }
  return false;
}
