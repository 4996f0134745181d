import { LINE_WINDOW, MULTILINE_WINDOW } from '../engine/engine.js';
import { locate } from '../engine/position.js';
import type { Finding, RuleSpec } from '../engine/types.js';
import type { DocSession, Redactor } from './session.js';

/**
 * Verification without scanning a document twice.
 *
 * Verify-before-emit asks what a scan of the output finds. The output is the input with a few
 * replacements (DocSession.edits), and the input was scanned once already (DocSession.scanned). A
 * finding of the output whose text and surroundings are untouched is a finding of the input at a
 * shifted offset, and one the redaction did not apply (a JSON key, a CSV header cell, a value whose
 * escapes hid it): it is taken from the input's scan. Only the neighbourhood of each replacement is
 * scanned again, where a replacement can make or change a finding: the tail a partial redaction
 * left, text that now runs into a placeholder, context words that came or went.
 *
 * What "neighbourhood" means follows from what a finding depends on in the engine:
 *  - single-line rules run on their keyword's line (clipped to LINE_WINDOW each side): whole lines
 *    are re-scanned, bounded by LINE_BOUND on very long lines;
 *  - keywordless rules (personal data) run everywhere: a match that a replacement can make or
 *    change starts within MARGIN characters of it, or runs into it; the lines holding the
 *    replacement and MARGIN characters around it are the region whose findings the re-scan keeps;
 *  - the window scanned holds CONTEXT characters (and at least one whole line) more on each side,
 *    so a kept match sees its look-behind, look-ahead, context words (`contextWindow`, 50 by
 *    default) and a second line (addresses, signatures); `^` and `$` at a window's edges only
 *    touch matches outside its region;
 *  - context scoring reads a text's first line as a table's column headers: that line is put before
 *    the windows, as it is before them in the output (Redactor.findInWindows);
 *  - rules that run lines past their keyword (private-key blocks, 32 KiB) scan the whole output,
 *    alone, when one of their keywords is in it.
 * The documented limit: a match that a replacement makes by running into it from before its window
 * (more than MARGIN + CONTEXT characters and a line before it): the input's scan did not see it,
 * and no window holds its start. A match that reaches a window's edge, or runs into a region from
 * before it and was not in the input's scan, is taken as a sign of one, and the whole output is
 * then scanned; so it is when the edits do not rebuild the output exactly, and when the windows
 * would cover most of it.
 */
export const VERIFY_MARGIN = 128;
/** Context scanned around an owned region: look-behind, look-ahead and context words of a match in it. */
export const VERIFY_CONTEXT = 64;
/** Longest stretch of a line a window reaches for its line's start or end (the engine reads 4096 around a finding for inline markers). */
export const LINE_BOUND = 4096;
/** Windows covering more than this share of the output: one scan of the whole output is no dearer. */
const MAX_SHARE = 0.7;

export interface VerifyRules {
  margin: number;
  context: number;
  /** Keywords of the rules whose matches can run lines past their keyword; null when none. */
  multilineKeywords: RegExp | null;
  multilineIds: ReadonlySet<string>;
  longestKeyword: number;
  /** A user rule without keywords: its matches have no known bound, so windows are not trusted. */
  unbounded: boolean;
}

/** As in the engine: a rule whose regex can cross a line break runs on a long window past its keyword. */
export const isMultiline = (spec: Pick<RuleSpec, 'flags' | 'regex'>) => spec.flags.includes('s') || /\[\\s\\S\]|\[\\S\\s\]|\\n/.test(spec.regex);
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function verifyRules(rules: readonly RuleSpec[]): VerifyRules {
  let widest = 0;
  const kws = new Set<string>();
  const ids = new Set<string>();
  let unbounded = false;
  for (const r of rules) {
    const cw = (r as RuleSpec & { contextWindow?: number }).contextWindow;
    if (typeof cw === 'number') widest = Math.max(widest, cw);
    else if ((r as RuleSpec & { context?: string[] }).context?.length) widest = Math.max(widest, 50);
    if (r.keywords.length && isMultiline(r)) {
      ids.add(r.id);
      for (const k of r.keywords) kws.add(k);
    }
    if (!r.keywords.length && r.untrusted) unbounded = true;
  }
  // For a presence test, a keyword may be shortened to a part of it: trimmed of spaces (a leading
  // space puts a candidate at every word), and dropped when it contains another.
  // A keyword of spaces alone is in about every text: then the test is always true (an empty needle).
  const parts = [...new Set([...kws].map((k) => k.trim()))];
  const needles = parts.filter((k) => !parts.some((o) => o !== k && k.includes(o)));
  return {
    margin: Math.max(VERIFY_MARGIN, widest + 16),
    context: Math.max(VERIFY_CONTEXT, widest + 16),
    // Case-insensitive like the prefilter; the `i` flag folds more than ASCII, which only errs on the side of a full scan.
    multilineKeywords: needles.length ? new RegExp(needles.map(escapeRe).join('|'), 'i') : null,
    multilineIds: ids,
    longestKeyword: Math.max(0, ...[...kws].map((k) => k.length)),
    unbounded,
  };
}

/** Start of the line holding p, at most LINE_BOUND characters back. */
function lineStart(s: string, p: number): number {
  if (p <= 0) return 0;
  if (p > s.length) p = s.length;
  const stop = Math.max(0, p - LINE_BOUND);
  for (let i = p - 1; i >= stop; i--) if (s.charCodeAt(i) === 10) return i + 1;
  return stop;
}

/** End of the line holding p (its `\n` included), at most LINE_BOUND characters on. */
function lineEnd(s: string, p: number): number {
  if (p >= s.length) return s.length;
  if (p < 0) p = 0;
  const stop = Math.min(s.length, p + LINE_BOUND);
  for (let i = p; i < stop; i++) if (s.charCodeAt(i) === 10) return i + 1;
  return stop;
}

/**
 * The first line of `text` could be read as a table header by the engine's context scoring (a
 * delimiter splitting it into at least two short cells): a superset of the engine's own test, which
 * also wants the cells to look like names.
 */
export function mayBeTableHeader(text: string): boolean {
  const he = text.indexOf('\n');
  if (he < 0 || he > 8192) return false;
  const line = text.slice(0, he).replace(/\r$/, '');
  for (const delim of [',', '\t', ';', '|']) {
    if (!line.includes(delim)) continue;
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (const c of line) {
      if (c === '"') quoted = !quoted;
      else if (c === delim && !quoted) {
        cells.push(cur);
        cur = '';
      } else cur += c;
    }
    cells.push(cur);
    if (cells.length >= 2 && cells.every((c) => c.trim().length > 0 && c.trim().length <= 64)) return true;
  }
  return false;
}

/**
 * What a scan of `output` would count as left over, found by re-scanning only the neighbourhood of
 * each of `doc`'s edits of `input` and taking the rest from `doc.scanned`; undefined when that
 * cannot be trusted for this document (the caller then scans the whole output). Leftovers come back
 * in output offsets, with lines and columns of the output, sorted.
 */
export function verifyByWindows(redactor: Redactor, doc: DocSession, input: string, output: string): Finding[] | undefined {
  const scanned = doc.scanned;
  const edits = doc.edits;
  if (!scanned || !doc.editsOk) return undefined;
  const vr = redactor.verifyRules;
  if (vr.unbounded) return undefined;

  // The output must be exactly the input with the edits applied; where each edit lands in it.
  const n = edits.length / 3;
  const outAt = new Array<number>(n);
  let ip = 0;
  let op = 0;
  for (let k = 0; k < n; k++) {
    const s = edits[3 * k];
    const e = edits[3 * k + 1];
    if (s < ip || e < s || e > input.length) return undefined;
    const gap = s - ip;
    if (op + gap > output.length || (gap > 0 && input.slice(ip, s) !== output.slice(op, op + gap))) return undefined;
    op += gap;
    outAt[k] = op;
    op += edits[3 * k + 2];
    ip = e;
  }
  if (input.length - ip !== output.length - op || input.slice(ip) !== output.slice(op)) return undefined;

  const m = vr.margin;
  const cm = vr.context;
  // A first line that may be a table header goes before the windows (Redactor.findInWindows).
  const head = mayBeTableHeader(output) ? output.indexOf('\n') + 1 : 0;
  // Input offset → output offset. `ends[i]` are the edits' input ends (ascending), `shift[i]` the
  // length change of the edits before edit i; a position inside an edit maps to the edit's start
  // (left) or end (right) in the output.
  const ends = new Array<number>(n);
  const shift = new Array<number>(n + 1);
  shift[0] = 0;
  for (let i = 0; i < n; i++) {
    ends[i] = edits[3 * i + 1];
    shift[i + 1] = shift[i] + edits[3 * i + 2] - (edits[3 * i + 1] - edits[3 * i]);
  }
  /** Number of edits ending at or before p. */
  const before = (p: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] <= p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const toOut = (p: number, right: boolean) => {
    const i = before(p);
    if (i < n && edits[3 * i] < p) return right ? outAt[i] + edits[3 * i + 2] : outAt[i];
    return p + shift[i];
  };

  // The input's findings in output offsets; `touched` when an edit overlaps (or is inside) one.
  const mapped = scanned.map((f) => {
    const i = before(f.span.start);
    const touched = i < n && edits[3 * i] < f.span.end;
    return { f, a: toOut(f.span.start, false), b: toOut(f.span.end, true), touched };
  });

  // Owned regions (findings starting there come from the re-scan), in output offsets, ascending.
  // Regions whose windows would overlap are one region: the text between is then scanned once.
  let regions: [number, number][] = [];
  const merge = (rs: [number, number][]) => {
    rs.sort((x, y) => x[0] - y[0]);
    const out: [number, number][] = [];
    for (const r of rs) {
      const last = out[out.length - 1];
      if (last && r[0] - 2 * cm <= last[1]) last[1] = Math.max(last[1], r[1]);
      else out.push([r[0], r[1]]);
    }
    return out;
  };
  for (let i = 0; i < n; i++) regions.push([lineStart(output, outAt[i] - m), lineEnd(output, outAt[i] + edits[3 * i + 2] + m)]);
  regions = merge(regions);
  // A finding of the input that overlaps a region (an edit cut it, or it straddles the region's
  // edge and its surroundings may have changed) is owned by that region whole.
  /** The first region overlapping [a, b), or undefined (regions are sorted and disjoint). */
  const overlap = (a: number, b: number) => {
    let lo = 0;
    let hi = regions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (regions[mid][1] <= a) lo = mid + 1;
      else hi = mid;
    }
    return lo < regions.length && regions[lo][0] < b ? regions[lo] : undefined;
  };
  for (let changed = regions.length > 0; changed; ) {
    changed = false;
    for (const x of mapped) {
      const r = overlap(x.a, Math.max(x.b, x.a + 1));
      if (r && (x.a < r[0] || x.b > r[1])) {
        r[0] = Math.min(r[0], lineStart(output, x.a));
        r[1] = Math.max(r[1], lineEnd(output, x.b));
        changed = true;
      }
    }
    if (changed) regions = merge(regions);
  }

  // Windows (and their regions) that would overlap or touch, rounded to lines, are one.
  const windows: [number, number, number, number][] = [];
  for (const [a, b] of regions) {
    const ws = lineStart(output, a - cm);
    const we = lineEnd(output, b + cm);
    const last = windows[windows.length - 1];
    if (last && ws <= last[1]) {
      last[1] = Math.max(last[1], we);
      last[3] = Math.max(last[3], b);
    } else windows.push([ws, we, a, b]);
  }
  // The regions as merged: a finding between two merged regions is the window's, not carried.
  regions = windows.map(([, , a, b]) => [a, b]);
  let covered = 0;
  for (const w of windows) covered += w[1] - w[0];
  if (covered > MAX_SHARE * output.length) return undefined;
  // A window inside a first line that may be a header cannot be given that line before it.
  if (head && windows.some(([ws]) => ws > 0 && ws < head)) return undefined;

  // Rules that run lines past their keyword (private-key blocks, MULTILINE_WINDOW from a keyword, on
  // its line from LINE_WINDOW before it): when a keyword of theirs is where such a window could
  // reach into ours, those rules scan all of the output, and the windows and the input's scan speak
  // for the others. Further away, their findings are in unchanged text: the input's scan has them.
  const reach = windows.length
    ? output.slice(Math.max(0, windows[0][0] - MULTILINE_WINDOW), windows[windows.length - 1][1] + LINE_WINDOW + vr.longestKeyword)
    : '';
  const multiline = vr.multilineKeywords?.test(reach) ? redactor.find(output, doc.path, 'multiline').filter((f) => redactor.isLeftover(f)) : undefined;
  const own = multiline ? (f: Finding) => !vr.multilineIds.has(f.ruleId) : () => true;

  // Carried findings by output span, to tell a window's own findings from those it merely shows again.
  const carried = new Set<string>();
  for (const x of mapped) if (!x.touched) carried.add(`${x.f.ruleId}\0${x.a}\0${x.b}`);
  // One scan of the windows end to end (a scan has a fixed cost); a match running from one window
  // into the next would run into other text in the output: only a scan of the whole output can tell.
  const found = redactor.findInWindows(output, doc.path, 'redact', windows.map(([ws, we]) => [ws, we] as const), head, doc.ownEscapes);
  if (!found) return undefined;
  const left: Finding[] = [];
  let w = 0;
  for (const f of found) {
    if (!own(f)) continue;
    const { start, end } = f.span;
    while (w + 1 < windows.length && windows[w + 1][0] <= start) w++;
    const [ws, we, a, b] = windows[w];
    // A match cut by the window's edge, or one running into the region from before it, may be
    // longer than the window shows: only a scan of the whole output can tell.
    if ((start === ws && ws > 0 && output.charCodeAt(ws - 1) !== 10) || (end === we && we < output.length)) return undefined;
    if (start < a) {
      if (end > a && !carried.has(`${f.ruleId}\0${start}\0${end}`)) return undefined;
      continue;
    }
    // After the region: too far from any edit to have changed; the input's scan speaks for it.
    if (start >= b) continue;
    if (redactor.isLeftover(f)) left.push(f);
  }
  for (const x of mapped) {
    // Untouched and outside every region: the same text in the same surroundings, found the same way.
    if (x.touched || !own(x.f) || overlap(x.a, Math.max(x.b, x.a + 1))) continue;
    if (redactor.isLeftover(x.f)) left.push({ ...x.f, span: { ...x.f.span, start: x.a, end: x.b } });
  }
  if (!left.length) return multiline ?? left;
  left.sort((x, y) => x.span.start - y.span.start || x.span.end - y.span.end);
  const pos = locate({ text: output, origin: { path: doc.path }, offset: 0, line: 1, column: 1 }, left.flatMap((f) => [f.span.start, f.span.end]));
  const located = left.map((f, i) => ({
    ...f,
    span: { ...f.span, line: pos[2 * i].line, column: pos[2 * i].column, endLine: pos[2 * i + 1].line, endColumn: pos[2 * i + 1].column },
  }));
  if (!multiline?.length) return located;
  return [...located, ...multiline].sort((x, y) => x.span.start - y.span.start || x.span.end - y.span.end);
}

/**
 * The output's leftovers and those of the texts verified apart (decoded keys, bodies, script strings):
 * a value the output's own scan already read through its escapes is counted once.
 */
export function joinLeftovers(output: Finding[], apart: Finding[]): Finding[] {
  if (!output.length || !apart.length) return output.length ? output : apart;
  const seen = new Set(output.map((f) => `${f.ruleId}\0${f.secret}`));
  return [...output, ...apart.filter((f) => !seen.has(`${f.ruleId}\0${f.secret}`))];
}
