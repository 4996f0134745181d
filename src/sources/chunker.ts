import { isAscii } from 'node:buffer';
import type { Chunk, Origin } from '../engine/types.js';
import { codePoints } from '../engine/position.js';
import { MULTILINE_WINDOW } from '../engine/engine.js';

export interface ChunkOptions {
  /** Characters each chunk owns (default 1 MiB); at least `overlap`. */
  chunkSize?: number;
  /** Context kept on each side (default 64 KiB); must exceed the longest match (a private key block). */
  overlap?: number;
}

export const DEFAULT_CHUNK_SIZE = 1 << 20;
export const DEFAULT_OVERLAP = 2 * MULTILINE_WINDOW;

const utf8 = new TextDecoder('utf-8');

/**
 * UTF-8 bytes as text, as every editor shows them: a leading byte-order mark dropped, invalid
 * sequences as U+FFFD. Why not always TextDecoder: on Node 20 it decodes at ~250 MB/s even when
 * every byte is ASCII, which most source files are; `isAscii` (simdutf) plus a latin1 copy runs
 * several times faster and gives the same string.
 */
export function decodeUtf8(buf: Uint8Array): string {
  if (isAscii(buf)) return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
  return utf8.decode(buf);
}

/**
 * Spare buffers for chunk windows, read blocks and whole small files, reused from file to file. Why: on this project's
 * VM the first touch of each page of fresh memory costs a fault of ~13 us (300 MB/s), which a new
 * 1 MB window per large file paid on every byte it held.
 */
const spare: Buffer[] = [];
export function takeBuffer(size: number): Buffer {
  const i = spare.findIndex((b) => b.length === size);
  return i >= 0 ? spare.splice(i, 1)[0] : Buffer.allocUnsafeSlow(size);
}
export function giveBuffer(buf: Buffer): void {
  if (spare.length < 4) spare.push(buf);
}

/** Decodes whole pieces (never streaming), so a U+FEFF inside the file stays; chunkStream drops a leading one itself. */
const pieceDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The first character boundary at or before `at` (UTF-8 continuation bytes are 10xxxxxx). */
function boundary(buf: Buffer, at: number): number {
  let p = at;
  while (p > 0 && at - p < 3 && (buf[p] & 0xc0) === 0x80) p--;
  return (buf[p] & 0xc0) === 0x80 ? at : p;
}

/**
 * Turns a stream of bytes (or text) into overlapping chunks with absolute offsets, lines and
 * columns, holding at most one chunk plus its overlap in memory whatever the input's size.
 * Invalid UTF-8 decodes to U+FFFD, as every editor shows it; a leading byte-order mark is dropped.
 *
 * Sizes count bytes here (characters in chunkText): each chunk owns about `chunkSize` bytes with
 * `overlap` bytes of context on each side, cut on character boundaries.
 *
 * Why bytes and not a growing string: building chunk texts by concatenating and slicing decoded
 * strings made V8 copy them at ~100 MB/s on this machine, which on the benchmark's minified
 * bundles cost more than all the rules (`npm run bench`, profiled). Bytes move with memcpy, and
 * each chunk is decoded once, straight from its bytes.
 */
export async function* chunkStream(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  origin: Origin,
  opts: ChunkOptions = {},
): AsyncGenerator<Chunk> {
  const size = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const overlap = opts.overlap ?? DEFAULT_OVERLAP;
  // A chunk's lead-in, owned part and tail, plus the few bytes a boundary can move each cut.
  const win = takeBuffer(size + 2 * overlap + 8);
  try {
    yield* windows(input, origin, size, overlap, win);
  } finally {
    giveBuffer(win);
  }
}

async function* windows(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, origin: Origin, size: number, overlap: number, win: Buffer): AsyncGenerator<Chunk> {
  const pos = new Cursor();
  let len = 0;
  let lead = 0; // bytes of the window before the owned part
  let leadChars = 0;
  let emitted = false;
  let bomChecked = false;
  const stripBom = () => {
    bomChecked = true;
    if (len >= 3 && win[0] === 0xef && win[1] === 0xbb && win[2] === 0xbf) {
      win.copyWithin(0, 3, len);
      len -= 3;
    }
  };
  for await (const part of input) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    for (let off = 0; off < bytes.length; ) {
      const k = Math.min(bytes.length - off, win.length - len);
      bytes.copy(win, len, off, off + k);
      len += k;
      off += k;
      if (!bomChecked && len >= 3) stripBom();
      // Strictly more: the byte after a cut must be known to tell whether the cut splits a character.
      while (len > lead + size + overlap) {
        const end = boundary(win, lead + size + overlap);
        const ownedEndB = boundary(win, lead + size);
        const nextStart = boundary(win, Math.max(lead, ownedEndB - overlap));
        const bytesOf = win.subarray(0, end);
        const ascii = isAscii(bytesOf);
        const text = ascii ? bytesOf.toString('latin1') : pieceDecoder.decode(bytesOf);
        const charsOf = (from: number, to: number) => (ascii ? to - from : pieceDecoder.decode(win.subarray(from, to)).length);
        const ownedEnd = text.length - charsOf(ownedEndB, end);
        const nextLeadChars = charsOf(nextStart, ownedEndB);
        yield { text, origin, offset: pos.offset, line: pos.line, column: pos.column, ownedStart: leadChars, ownedEnd };
        emitted = true;
        pos.advance(text, ownedEnd - nextLeadChars);
        win.copyWithin(0, nextStart, len);
        len -= nextStart;
        lead = ownedEndB - nextStart;
        leadChars = nextLeadChars;
      }
    }
  }
  if (!bomChecked) stripBom();
  if (len > 0 || !emitted) {
    const rest = win.subarray(0, len);
    const text = isAscii(rest) ? rest.toString('latin1') : pieceDecoder.decode(rest);
    yield { text, origin, offset: pos.offset, line: pos.line, column: pos.column, ownedStart: leadChars };
  }
}

/** One chunk for text already in memory (small files, examples, library callers). */
export function* chunkText(text: string, origin: Origin, opts: ChunkOptions = {}): Generator<Chunk> {
  const size = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const overlap = opts.overlap ?? DEFAULT_OVERLAP;
  if (text.length <= size + overlap) {
    yield { text, origin, offset: 0, line: 1, column: 1 };
    return;
  }
  const pos = new Cursor();
  let start = 0; // absolute start of the next chunk's text
  let leadIn = 0;
  for (;;) {
    const end = start + leadIn + size + overlap;
    if (end >= text.length) {
      yield { text: text.slice(start), origin, offset: pos.offset, line: pos.line, column: pos.column, ownedStart: leadIn };
      return;
    }
    const chunkText = text.slice(start, end);
    yield { text: chunkText, origin, offset: pos.offset, line: pos.line, column: pos.column, ownedStart: leadIn, ownedEnd: leadIn + size };
    const advance = leadIn + size - overlap;
    pos.advance(chunkText, advance);
    start += advance;
    leadIn = overlap;
  }
}

/** Offset, line and column of the next chunk's first character. */
class Cursor {
  offset = 0;
  line = 1;
  column = 1;
  advance(text: string, n: number): void {
    let lastNl = -1;
    for (let i = text.indexOf('\n'); i !== -1 && i < n; i = text.indexOf('\n', i + 1)) {
      this.line++;
      lastNl = i;
    }
    if (lastNl >= 0) this.column = 1 + codePoints(text, lastNl + 1, n);
    else this.column += codePoints(text, 0, n);
    this.offset += n;
  }
}
