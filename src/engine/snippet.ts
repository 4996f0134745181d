/**
 * A short window of text around a finding on a very long line (a minified bundle), so a person can
 * see where the secret sits without printing a multi-megabyte line. Every span of the chunk known
 * to hold a secret is masked in the window, not just the finding's own: two keys side by side in a
 * bundle must not leak each other through their snippets.
 */
// The one masking policy of the tool lives with the reporters; a snippet must follow it exactly.
import { mask } from '../reporters/mask.js';
import type { Chunk, Finding } from './types.js';

/** Lines longer than this (UTF-16 units) get a snippet; shorter lines are shown whole by editors. */
export const LONG_LINE = 256;
/** Characters kept on each side of the finding: with the mask and ellipses, at most ~80 characters. */
export const SNIPPET_CONTEXT = 32;

/** Sets `snippet` on each finding that lies on a long line of `chunk`. Spans are absolute offsets. */
export function attachSnippets(chunk: Chunk, findings: Finding[]): void {
  if (findings.length === 0) return;
  const text = chunk.text;
  const spans = findings
    .map((f) => ({ s: f.span.start - chunk.offset, e: f.span.end - chunk.offset, secret: f.secret }))
    .filter((x) => x.s >= 0 && x.e <= text.length)
    .sort((a, b) => a.s - b.s);
  for (const f of findings) {
    const s = f.span.start - chunk.offset;
    const e = f.span.end - chunk.offset;
    if (s < 0 || e > text.length) continue;
    const ls = lineStart(text, s, LONG_LINE + 1);
    const le = lineEnd(text, e, LONG_LINE + 1);
    // A chunk may begin in the middle of a line: what came before counts too.
    const before = s - ls + (ls === 0 ? chunk.column - 1 : 0);
    if (before + (e - s) + (le - e) <= LONG_LINE) continue;
    let a = Math.max(ls, s - SNIPPET_CONTEXT);
    let b = Math.min(le, e + SNIPPET_CONTEXT);
    if (isLowSurrogate(text.charCodeAt(a))) a++;
    if (isLowSurrogate(text.charCodeAt(b))) b++;
    let out = a > ls || (ls === 0 && chunk.column > 1) || (ls > 0 && text.charCodeAt(ls - 1) !== 10) ? '…' : '';
    let p = a;
    for (const x of spans) {
      if (x.e <= a || x.s >= b) continue;
      if (x.s > p) out += clean(text.slice(p, x.s));
      if (x.e > p) {
        out += mask(x.secret);
        p = x.e;
      }
    }
    if (p < b) out += clean(text.slice(p, b));
    if (b < le || (le < text.length && text.charCodeAt(le) !== 10)) out += '…';
    f.snippet = out;
  }
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Control characters (ANSI escapes, \r, tabs) would garble a terminal: shown as spaces. */
const clean = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, ' ');

function lineStart(text: string, p: number, max: number): number {
  const stop = Math.max(0, p - max);
  for (let i = p - 1; i >= stop; i--) if (text.charCodeAt(i) === 10) return i + 1;
  return stop;
}

function lineEnd(text: string, p: number, max: number): number {
  const stop = Math.min(text.length, p + max);
  for (let i = p; i < stop; i++) if (text.charCodeAt(i) === 10) return i;
  return stop;
}
