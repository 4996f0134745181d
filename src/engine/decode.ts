/**
 * Encoded secrets: base64 / base64url / hex runs and percent, JS and HTML escapes are decoded, the
 * decoded text is scanned again by the same engine, and what is found there is reported at the
 * ENCODED span of the original text, marked `origin.decoded` ("base64", nested "base64>hex").
 *
 * Pure, like the engine: text in, findings out. The cost on plain text is a table lookup every 16
 * characters (plus the runs under those probes), memchr-speed searches for `%`, `\` and `&`, and a
 * few character checks per candidate run: a run is decoded only when its first characters could
 * encode printable text, so identifiers, paths and hashes are rejected without decoding anything.
 * All decoded pieces of a chunk are rescanned in ONE engine call per depth, and every chunk has a
 * fixed budget of pieces and decoded characters (docs/bundles-archives.md has the measurements).
 */
import type { Engine } from './engine.js';
import { INLINE_MARKERS } from './engine.js';
import { spansOf } from './position.js';
import type { Chunk, Finding } from './types.js';
import { blankEscapes } from './ansi.js';

export type Scheme = 'base64' | 'base64url' | 'hex' | 'percent' | 'js-escape' | 'html-entity';

export const DEFAULT_DECODE_DEPTH = 2;
/** Shortest base64 run considered: 12 bytes, enough for `user:password` or a short token. */
export const MIN_BASE64_RUN = 16;
/** Shortest hex run considered (8 bytes). */
export const MIN_HEX_RUN = 16;
/** Shortest decoded text worth a rescan: no rule matches fewer characters. */
const MIN_DECODED = 8;
/**
 * An encoded run longer than this is decoded up to this length only. Chunks carry 64 KiB of context
 * after the part they own, so a run that starts in a chunk is whole up to this length.
 */
export const MAX_RUN = 48 * 1024;
/** Per chunk and depth: how many pieces, and how many decoded characters, are rescanned at most. */
export const MAX_PIECES_PER_CHUNK = 4096;
export const MAX_DECODED_PER_CHUNK = 1 << 20;
/** Escapes of one run may be this far apart (plain text between them, on one line, inside one string). */
const MAX_ESCAPE_GAP = 128;
/** A run of escapes extends this far over adjacent token characters (`sk\x5flive\x5fABC…`). */
const MAX_ESCAPE_EXTEND = 256;
/** A run starting this far before the owned part of a chunk is looked at to find where it really starts. */
const LOOK_BEHIND = 4096;

export interface DecodeOptions {
  /** Nesting depth: 1 decodes once, 2 also decodes what a decoding holds (base64>hex). 0 disables. */
  maxDepth?: number;
  /** Run only these rules on what the runs hold (default every rule). */
  only?: ReadonlySet<string>;
  /**
   * Leave this escape scheme of the text itself alone (not in what a run holds): the caller reads
   * the text decoded of it anyway (JSON strings, HTML character references).
   */
  skipEscapes?: Scheme;
}

/** A decoded run: `text` came from `encoded[start, end)` of the text it was found in. */
export interface DecodedRun {
  start: number;
  end: number;
  scheme: Scheme;
  text: string;
}

// Character classes, one table lookup per character of the chunk.
const B64 = 1;
const HEX = 2;
const TOKEN = 4; // characters an escape run may extend over
// 64K entries, so the hot loop needs no range check (non-ASCII code units are class 0).
const CLS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9+/_-]/.test(ch)) CLS[c] |= B64;
  if (/[0-9A-Fa-f]/.test(ch)) CLS[c] |= HEX;
  if (/[A-Za-z0-9_+/=.:@~$!*-]/.test(ch)) CLS[c] |= TOKEN;
}
const B64_VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((ch, i) => (B64_VALUE[ch.charCodeAt(0)] = i));
B64_VALUE['-'.charCodeAt(0)] = 62;
B64_VALUE['_'.charCodeAt(0)] = 63;

/** Escapes by their lead character: found with indexOf (memchr speed), confirmed by a sticky regex. */
const ESCAPES: readonly [string, RegExp, Scheme][] = [
  ['%', /%[0-9A-Fa-f]{2}/y, 'percent'],
  ['\\', /\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]{1,6}\})/y, 'js-escape'],
  // A numeric reference without its `;` is still one to a browser and to HTML-to-text converters
  // (`fred&#64acme.com` reads fred@acme.com): its digits are taken greedily, as they take them.
  ['&', /&(?:#[0-9]{1,7};?|#[xX][0-9A-Fa-f]{1,6};?|[a-zA-Z]{2,8};)/y, 'html-entity'],
];
const ESCAPE_STOP = /[\n\r"'`<>]/;
/** The named character references that spell what secrets and addresses are made of. */
export const HTML_NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', sol: '/', colon: ':', equals: '=', commat: '@', period: '.' };


/**
 * Base64 of printable ASCII has a fixed shape: the first character of each 4-character group
 * holds the top 6 bits of a byte in 0x20..0x7e (or \t \n \r), the third the top 2 bits of another.
 * Checking the first four groups rejects nearly every identifier, path and hash without decoding.
 * Text whose first 12 bytes are not ASCII is the price (documented).
 */
function base64Plausible(text: string, start: number, end: number): boolean {
  const n = Math.min(end - start, 16);
  for (let i = 0; i + 3 < n; i += 4) {
    const a = B64_VALUE[text.charCodeAt(start + i)];
    const c = B64_VALUE[text.charCodeAt(start + i + 2)];
    if (!((a >= 8 && a <= 31) || a === 2 || a === 3)) return false;
    if (c < 0 || (c & 3) > 1) return false;
  }
  return true;
}

/** Hex of printable ASCII: every byte's high nibble is 2..7 (or 0 for \t \n \r). */
function hexPlausible(text: string, start: number, end: number): boolean {
  const n = Math.min(end - start, 24);
  for (let i = 0; i + 1 < n; i += 2) {
    const c = text.charCodeAt(start + i);
    if (!(c >= 50 && c <= 55) && c !== 48) return false;
  }
  return true;
}

/** Printable text: no control characters but \t \n \r, valid UTF-8. */
function bytesToText(buf: Buffer): string | undefined {
  if (buf.length < MIN_DECODED) return undefined;
  let ascii = true;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b < 0x20) {
      if (b !== 9 && b !== 10 && b !== 13) return undefined;
    } else if (b === 0x7f) return undefined;
    else if (b >= 0x80) ascii = false;
  }
  const s = buf.toString(ascii ? 'latin1' : 'utf8');
  if (!ascii && s.includes('\ufffd')) return undefined;
  return s;
}

function textOk(s: string): boolean {
  if (s.length < MIN_DECODED) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) return false;
  }
  return true;
}

function decodeBase64Run(text: string, start: number, end: number): DecodedRun | undefined {
  let body = end;
  while (body > start && text.charCodeAt(body - 1) === 61) body--; // '=' padding
  if (body - start < MIN_BASE64_RUN || !base64Plausible(text, start, body)) return undefined;
  let stop = end;
  if (body - start > MAX_RUN) stop = body = start + MAX_RUN; // a multiple of 4: cut on a group boundary
  if ((body - start) % 4 === 1) return undefined; // no base64 text has this length
  const run = text.slice(start, body);
  const url = /[-_]/.test(run);
  if (url && /[+/]/.test(run)) return undefined; // mixed alphabets: not base64
  const decoded = bytesToText(Buffer.from(run, url ? 'base64url' : 'base64'));
  return decoded === undefined ? undefined : { start, end: stop, scheme: url ? 'base64url' : 'base64', text: decoded };
}

/** A hex run (optional 0x): its plausible head is checked first, as it rejects hashes and ids at once. */
function decodeHexRun(text: string, start: number, end: number): DecodedRun | undefined {
  let s = start;
  if (text.charCodeAt(s) === 48 && (text.charCodeAt(s + 1) | 32) === 120) s += 2; // 0x prefix
  let e = Math.min(end, s + MAX_RUN);
  if ((e - s) % 2 === 1) e--;
  if (e - s < MIN_HEX_RUN || !hexPlausible(text, s, e)) return undefined;
  for (let i = s; i < end; i++) if (!(CLS[text.charCodeAt(i)] & HEX)) return undefined;
  const decoded = bytesToText(Buffer.from(text.slice(s, e), 'hex'));
  return decoded === undefined ? undefined : { start, end: e, scheme: 'hex', text: decoded };
}

/** A character reference (groups: decimal, hex, name); a numeric one's `;` is optional, as in browsers. */
export const HTML_REFERENCE = /&(?:#([0-9]{1,7});?|#[xX]([0-9A-Fa-f]{1,6});?|([a-zA-Z]{2,8});)/g;

type EscapeScheme = 'percent' | 'js-escape' | 'html-entity';
const ESCAPE_RUNS: Record<EscapeScheme, RegExp> = {
  // Percent-escapes are UTF-8 bytes: consecutive ones are decoded together.
  percent: /(?:%[0-9A-Fa-f]{2})+/g,
  'js-escape': /\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|u\{([0-9A-Fa-f]{1,6})\}|([nrt"'\\/]))/g,
  'html-entity': HTML_REFERENCE,
};

/** What one match of ESCAPE_RUNS[scheme] stands for (the match itself when it stands for nothing). */
function unescapeOne(scheme: EscapeScheme, m: string, g1?: string, g2?: string, g3?: string, g4?: string): string {
  if (scheme === 'percent') {
    const s = Buffer.from(m.replace(/%/g, ''), 'hex').toString('utf8');
    return s.includes('\ufffd') ? m : s;
  }
  if (scheme === 'js-escape') {
    if (g4 !== undefined) return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[g4] ?? g4;
    const code = parseInt(g1 ?? g2 ?? g3!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : m;
  }
  if (g3 !== undefined) return HTML_NAMED[g3] ?? m;
  const code = g1 !== undefined ? parseInt(g1, 10) : parseInt(g2!, 16);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
}

const isEscapeScheme = (scheme: Scheme): scheme is EscapeScheme => scheme in ESCAPE_RUNS;

/** Decodes one scheme's escapes in `run`, leaving everything else as it is. */
export function unescapeRun(run: string, scheme: Scheme): string {
  if (!isEscapeScheme(scheme)) return run;
  return run.replace(ESCAPE_RUNS[scheme], (m: string, g1?: string, g2?: string, g3?: string, g4?: string) => unescapeOne(scheme, m, g1, g2, g3, g4));
}

/**
 * unescapeRun, with where each piece of the decoded text came from: `map[i]` is the offset in `run`
 * of decoded offset i (length text.length + 1); the characters an escape stands for all map to its
 * start, so a span of the decoded text maps to whole escapes. Undefined for a scheme that is not
 * an escape (base64, hex: a run decodes as a whole).
 */
export function unescapeMapped(run: string, scheme: Scheme): { text: string; map: number[] } | undefined {
  if (!isEscapeScheme(scheme)) return undefined;
  return replaceMapped(run, ESCAPE_RUNS[scheme], (m) => unescapeOne(scheme, m[0], m[1], m[2], m[3], m[4]));
}

/**
 * `raw` with each match of `re` (global) replaced by what `one` gives for it (undefined: left as it
 * is), and `map[i]` = the offset in `raw` of output offset i (length text.length + 1); the
 * characters a replacement stands for all map to its match's start.
 */
export function replaceMapped(raw: string, re: RegExp, one: (m: RegExpExecArray) => string | undefined): { text: string; map: number[] } {
  re.lastIndex = 0;
  let text = '';
  const map: number[] = [];
  let last = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const ch = one(m);
    if (ch === undefined) continue;
    for (let i = last; i < m.index; i++) map.push(i);
    text += raw.slice(last, m.index);
    for (let k = 0; k < ch.length; k++) map.push(m.index);
    text += ch;
    last = m.index + m[0].length;
  }
  for (let i = last; i < raw.length; i++) map.push(i);
  text += raw.slice(last);
  map.push(raw.length);
  return { text, map };
}

/**
 * Encoded runs of `text` whose first character lies in [from, to), decoded when the result looks
 * like text. At most `maxPieces` runs and `maxChars` decoded characters.
 */
export function findEncodedRuns(text: string, from = 0, to = text.length, maxPieces = MAX_PIECES_PER_CHUNK, maxChars = MAX_DECODED_PER_CHUNK, skipEscapes?: Scheme): DecodedRun[] {
  const out: DecodedRun[] = [];
  let chars = 0;
  const push = (r: DecodedRun | undefined): boolean => {
    if (!r) return true;
    if (out.length >= maxPieces || chars + r.text.length > maxChars) return false;
    out.push(r);
    chars += r.text.length;
    return true;
  };
  const n = text.length;
  // base64 / hex: maximal runs of the base64 alphabet plus up to two '=' of padding. Any run of at
  // least L characters covers one of every L-th position, so only those positions are probed and
  // only runs under a probe are walked: prose costs a fraction of a pass, identifier-dense minified
  // code up to one pass.
  const L = MIN_HEX_RUN;
  const lo = Math.max(0, from - LOOK_BEHIND);
  for (let p = lo + L - 1; p < n; ) {
    if (!(CLS[text.charCodeAt(p)] & B64)) {
      p += L;
      continue;
    }
    let start = p;
    while (start > lo && CLS[text.charCodeAt(start - 1)] & B64) start--;
    if (start >= to) break;
    let i = p + 1;
    while (i < n && CLS[text.charCodeAt(i)] & B64) i++;
    p = i + L;
    if (i - start < L || start < from) continue;
    let end = i;
    while (end < n && end - i < 2 && text.charCodeAt(end) === 61) end++;
    // Hex digits are base64 characters too: a hex run that does not decode as hex may still be base64.
    const r = decodeHexRun(text, start, i) ?? decodeBase64Run(text, start, end);
    if (!push(r)) return out;
  }
  // Escapes: grouped into runs of one scheme, extended over adjacent token characters.
  const escapes = escapesIn(text, lo, Math.min(n, to + MAX_RUN), skipEscapes);
  let run: { scheme: Scheme; start: number; end: number } | undefined;
  const flush = (): boolean => {
    if (!run) return true;
    let s = run.start;
    const stopLeft = Math.max(0, s - MAX_ESCAPE_EXTEND);
    while (s > stopLeft && isToken(text.charCodeAt(s - 1))) s--;
    let e = run.end;
    const stopRight = Math.min(n, e + MAX_ESCAPE_EXTEND);
    while (e < stopRight && isToken(text.charCodeAt(e))) e++;
    const scheme = run.scheme;
    run = undefined;
    if (s < from || s >= to) return true;
    if (e - s > MAX_RUN) e = s + MAX_RUN;
    const raw = text.slice(s, e);
    const decoded = unescapeRun(raw, scheme);
    if (decoded === raw || !textOk(decoded)) return true;
    return push({ start: s, end: e, scheme, text: decoded });
  };
  for (const m of escapes) {
    if (run && run.scheme === m.scheme && m.start - run.end <= MAX_ESCAPE_GAP && !ESCAPE_STOP.test(text.slice(run.end, m.start)) && m.end - run.start <= MAX_RUN) {
      run.end = m.end;
      continue;
    }
    if (!flush()) return out;
    if (m.start >= to) break;
    run = { scheme: m.scheme, start: m.start, end: m.end };
  }
  flush();
  return out;
}

/** Escape sequences in text[from, to), in order. */
function escapesIn(text: string, from: number, to: number, skip?: Scheme): { start: number; end: number; scheme: Scheme }[] {
  const out: { start: number; end: number; scheme: Scheme }[] = [];
  for (const [lead, re, scheme] of ESCAPES) {
    if (scheme === skip) continue;
    for (let i = text.indexOf(lead, from); i !== -1 && i < to; i = text.indexOf(lead, i + 1)) {
      re.lastIndex = i;
      if (re.test(text)) out.push({ start: i, end: re.lastIndex, scheme });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

const isToken = (c: number) => (CLS[c] & TOKEN) !== 0;


interface Piece {
  /** Decoded text to rescan. */
  text: string;
  /** "base64", "base64>hex", … */
  scheme: string;
  /** The outermost encoded run in the chunk's own text. */
  start: number;
  end: number;
}

/**
 * The engine on a chunk plus what its encoded runs hold, `maxDepth` levels down (0: the chunk
 * alone): what every scan (files, staged changes, history) finds in a chunk.
 */
export function scanChunkDecoded(engine: Engine, raw: Chunk, maxDepth = DEFAULT_DECODE_DEPTH): Finding[] {
  const text = blankEscapes(raw.text);
  const chunk = text === raw.text ? raw : { ...raw, text };
  const plain = engine.scanChunk(chunk);
  const decoded = maxDepth > 0 ? scanDecoded(engine, chunk, plain, { maxDepth }) : [];
  return decoded.length ? plain.concat(decoded) : plain;
}

/**
 * Findings inside the encoded runs of a chunk, reported at each run's span in the chunk. `plain`
 * are the chunk's ordinary findings: a decoded finding whose secret is already reported at an
 * overlapping span (plain, or found at a shallower depth) is a duplicate and dropped.
 */
export function scanDecoded(engine: Engine, chunk: Chunk, plain: readonly Finding[], opts: DecodeOptions = {}): Finding[] {
  const maxDepth = opts.maxDepth ?? DEFAULT_DECODE_DEPTH;
  if (maxDepth <= 0) return [];
  const text = chunk.text;
  const from = chunk.ownedStart ?? 0;
  const to = chunk.ownedEnd ?? text.length;
  let level: Piece[] = findEncodedRuns(text, from, to, MAX_PIECES_PER_CHUNK, MAX_DECODED_PER_CHUNK, opts.skipEscapes).map((r) => ({ text: r.text, scheme: r.scheme, start: r.start, end: r.end }));
  if (level.length === 0) return [];

  const claimed: { start: number; end: number; secret: string }[] = plain.map((f) => ({
    start: f.span.start - chunk.offset,
    end: f.span.end - chunk.offset,
    secret: f.secret,
  }));
  const found: { f: Finding; piece: Piece }[] = [];
  for (let depth = 1; depth <= maxDepth && level.length > 0; depth++) {
    for (const { f, piece } of scanPieces(engine, chunk, level, opts.only)) {
      if (claimed.some((c) => c.secret === f.secret && c.start < piece.end && piece.start < c.end)) continue;
      claimed.push({ start: piece.start, end: piece.end, secret: f.secret });
      found.push({ f, piece });
    }
    if (depth === maxDepth) break;
    const next: Piece[] = [];
    let budget = MAX_DECODED_PER_CHUNK;
    for (const p of level) {
      for (const r of findEncodedRuns(p.text, 0, p.text.length, MAX_PIECES_PER_CHUNK - next.length, budget)) {
        next.push({ text: r.text, scheme: `${p.scheme}>${r.scheme}`, start: p.start, end: p.end });
        budget -= r.text.length;
      }
      if (next.length >= MAX_PIECES_PER_CHUNK || budget <= 0) break;
    }
    level = next;
  }
  if (found.length === 0) return [];

  const spans = spansOf(chunk, found.map(({ piece }) => piece));
  return found.map(({ f, piece }, i) => {
    const span = spans[i];
    const g: Finding = { ...f, span, origin: { ...chunk.origin, decoded: piece.scheme } };
    delete g.snippet;
    const marker = inlineMarker(text, piece.start, piece.end) ?? f.inlineIgnore;
    if (marker) g.inlineIgnore = marker;
    else delete g.inlineIgnore;
    return g;
  });
}

/** Rescans pieces in one engine call: joined by blank lines, each finding mapped back to its piece. */
function scanPieces(engine: Engine, chunk: Chunk, pieces: Piece[], only?: ReadonlySet<string>): { f: Finding; piece: Piece }[] {
  const starts: number[] = [];
  let joined = '';
  for (const p of pieces) {
    if (joined) joined += '\n\n';
    starts.push(joined.length);
    joined += p.text;
  }
  const findings = engine.scanChunk({ text: joined, origin: chunk.origin, offset: 0, line: 1, column: 1 }, only);
  const out: { f: Finding; piece: Piece }[] = [];
  for (const f of findings) {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= f.span.start) lo = mid;
      else hi = mid - 1;
    }
    // A match across two pieces would join unrelated runs: not a finding.
    if (f.span.end > starts[lo] + pieces[lo].text.length) continue;
    out.push({ f, piece: pieces[lo] });
  }
  return out;
}

function inlineMarker(text: string, start: number, end: number): string | undefined {
  let a = start;
  const stopA = Math.max(0, start - 4096);
  while (a > stopA && text.charCodeAt(a - 1) !== 10) a--;
  let b = end;
  const stopB = Math.min(text.length, end + 4096);
  while (b < stopB && text.charCodeAt(b) !== 10) b++;
  const line = text.slice(a, b);
  for (const mk of INLINE_MARKERS) if (line.includes(mk)) return mk;
  return undefined;
}
