import type { Chunk, Origin } from '../engine/types.js';
import { codePoints } from '../engine/position.js';
import { MULTILINE_WINDOW } from '../engine/engine.js';

export interface ChunkOptions {
  /** Characters each chunk owns. */
  chunkSize?: number;
  /** Context kept on each side; must exceed the longest match (a private key block). */
  overlap?: number;
}

export const DEFAULT_CHUNK_SIZE = 1 << 20;
export const DEFAULT_OVERLAP = 2 * MULTILINE_WINDOW;

/**
 * Turns a stream of bytes (or text) into overlapping chunks with absolute offsets, lines and
 * columns, holding at most one chunk plus its overlap in memory whatever the input's size.
 * Invalid UTF-8 decodes to U+FFFD, as every editor shows it.
 */
export async function* chunkStream(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  origin: Origin,
  opts: ChunkOptions = {},
): AsyncGenerator<Chunk> {
  const size = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const overlap = opts.overlap ?? DEFAULT_OVERLAP;
  const decoder = new TextDecoder('utf-8');
  const pos = new Cursor();
  let pending = '';
  let leadIn = 0;
  let emitted = false;
  for await (const part of input) {
    pending += typeof part === 'string' ? part : decoder.decode(part, { stream: true });
    while (pending.length >= leadIn + size + overlap) {
      const text = pending.slice(0, leadIn + size + overlap);
      yield { text, origin, offset: pos.offset, line: pos.line, column: pos.column, ownedStart: leadIn, ownedEnd: leadIn + size };
      emitted = true;
      const advance = leadIn + size - overlap;
      pos.advance(pending, advance);
      pending = pending.slice(advance);
      leadIn = overlap;
    }
  }
  pending += decoder.decode();
  if (pending.length > 0 || !emitted) {
    yield { text: pending, origin, offset: pos.offset, line: pos.line, column: pos.column, ownedStart: leadIn };
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
