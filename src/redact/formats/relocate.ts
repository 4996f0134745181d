import type { Finding } from '../../engine/types.js';

/**
 * Findings of a raw-document scan that lie inside [from, to), moved into the coordinates of the
 * decoded segment `value`. Where the segment had escapes (`\\n`, `&amp;`) raw and decoded offsets
 * differ: the secret is then looked up in the decoded value, and left out when it is not there
 * (a match that needed the escape's raw spelling).
 */
export function within(findings: readonly Finding[] | Cursor, from: number, to: number, value: string, escaped: boolean, map?: ArrayLike<number>): Finding[] | undefined {
  let out: Finding[] | undefined;
  if (findings instanceof Cursor && !findings.has(from, to)) return undefined;
  const list = findings instanceof Cursor ? findings.take(from, to) : findings;
  for (const f of list) {
    // A match may run past its segment (`password …` rules take `",` after a JSON value): the
    // part inside the segment is what this segment can redact; verification judges the rest.
    const rs = Math.max(f.span.start, from);
    const re = Math.min(f.span.end, to);
    if (re <= rs) continue;
    let start: number;
    let end: number;
    if (map) {
      // The first decoded offset at or after each raw one, for the end too: a span never shrinks
      // into the middle of an escape.
      start = lowerBound(map, rs - from);
      end = lowerBound(map, re - from);
    } else if (!escaped) {
      start = rs - from;
      end = re - from;
    } else {
      start = value.indexOf(f.secret);
      end = start + f.secret.length;
    }
    // The engine may match on normalised text (PII rules see through zero-width characters), so a
    // secret need not equal its span's text: offsets are trusted.
    if (start < 0 || end <= start || end > value.length) continue;
    (out ??= []).push({ ...f, span: { ...f.span, start, end } });
  }
  return out;
}

/** The first index whose value is at least `x` in a non-decreasing array (its length when none is). */
export function lowerBound(map: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = map.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (map[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Findings sorted by start, handed out for segments visited in document order: each call costs
 * the findings it passes, not all of them (a CSV has a segment per cell).
 */
export class Cursor {
  private i = 0;
  constructor(private readonly findings: readonly Finding[]) {}
  /** Whether a finding overlaps [from, to); like take, it moves past the findings that end before `from`. */
  has(from: number, to: number): boolean {
    const f = this.findings;
    while (this.i < f.length && f[this.i].span.end <= from) this.i++;
    for (let j = this.i; j < f.length && f[j].span.start < to; j++) if (f[j].span.end > from) return true;
    return false;
  }
  take(from: number, to: number): Finding[] {
    const f = this.findings;
    while (this.i < f.length && f[this.i].span.end <= from) this.i++;
    const out: Finding[] = [];
    for (let j = this.i; j < f.length && f[j].span.start < to; j++) if (f[j].span.end > from) out.push(f[j]);
    return out;
  }
}
