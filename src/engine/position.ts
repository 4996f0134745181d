import type { Chunk, Span } from './types.js';

export interface Position {
  line: number;
  column: number;
}

/**
 * Line and column (1-based, columns in Unicode code points) of each chunk-relative offset in
 * `points`, in any order; results come back in the order given. Points are visited sorted, so one
 * forward walk serves every point, and a chunk with many
 * findings on a multi-megabyte line is still linear. Only `\n` ends a line: `\r\n` files then
 * count columns exactly like `\n` files, since the `\r` sits at the end of the line it ends.
 */
export function locate(chunk: Chunk, points: readonly number[]): Position[] {
  const text = chunk.text;
  const order = points.map((p, i) => i).sort((a, b) => points[a] - points[b]);
  const out: Position[] = new Array(points.length);
  let cursor = 0;
  let line = chunk.line;
  let column = chunk.column;
  // Kept across points: on a long line, searching again from each point would be quadratic.
  let nextNl = text.indexOf('\n');
  for (const i of order) {
    const p = points[i];
    let segStart = cursor;
    while (nextNl !== -1 && nextNl < p) {
      line++;
      column = 1;
      segStart = nextNl + 1;
      nextNl = text.indexOf('\n', nextNl + 1);
    }
    column += codePoints(text, segStart, p);
    cursor = p;
    out[i] = { line, column };
  }
  return out;
}

/** The spans of chunk-relative ranges, in the order given: one `locate` walk for all of them. */
export function spansOf(chunk: Chunk, ranges: readonly { start: number; end: number }[]): Span[] {
  const points: number[] = [];
  for (const r of ranges) points.push(r.start, r.end);
  const pos = locate(chunk, points);
  return ranges.map((r, i) => ({
    start: chunk.offset + r.start,
    end: chunk.offset + r.end,
    line: pos[2 * i].line,
    column: pos[2 * i].column,
    endLine: pos[2 * i + 1].line,
    endColumn: pos[2 * i + 1].column,
  }));
}

/** Code points in text[from, to): UTF-16 units less the low halves of surrogate pairs. */
export function codePoints(text: string, from: number, to: number): number {
  let n = to - from;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) n--;
    }
  }
  return n;
}
