/**
 * Evasion handling for personal data: PII rules match on NFKC-normalised text (full-width digits
 * become ASCII, ligatures and compatibility forms fold, no-break and other odd spaces become spaces)
 * with zero-width characters removed, and findings point at the ORIGINAL text through an offset map.
 *
 * Only PII rules pay for this: `splitEngine` gives them their own engine behind a normalising wrapper
 * and leaves every other rule on the plain engine, so a secrets-only rule set (the default `--kind
 * secret`, where PII rules are filtered out before the engine is built) runs exactly as before.
 */
import type { Engine } from './engine.js';
import { locate } from './position.js';
import { SharedKeywords } from './prefilter.js';
import type { Chunk, Finding, RuleSet } from './types.js';

/** Removed before matching: they hide inside numbers and addresses and render as nothing. */
const INVISIBLE = new Set([0x00ad, 0x034f, 0x061c, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff]);

/** cp -> replacement, or null when NFKC leaves it alone. Grows with the distinct non-ASCII characters seen. */
const cache = new Map<number, string | null>();
function replacement(cp: number): string | null {
  let r = cache.get(cp);
  if (r === undefined) {
    if (INVISIBLE.has(cp)) r = '';
    else {
      const s = String.fromCodePoint(cp);
      const n = s.normalize('NFKC');
      r = n === s ? null : n;
    }
    if (cache.size < 65536) cache.set(cp, r);
  }
  return r;
}

export interface Normalized {
  text: string;
  /** For each UTF-16 unit of `text`: where its source character starts and ends in the original. */
  origStart: Int32Array;
  origEnd: Int32Array;
}

/**
 * Every character that normalising can change: NFKC(c) != c implies NFKC_Casefold(c) != c, and the
 * invisible characters above are default-ignorable, which NFKC_Casefold removes (both checked over all
 * of Unicode by test/pii-anchors.test.ts). ASCII never changes. A superset (capital letters casefold too),
 * but text without any of these is skipped by one native regex scan instead of a loop in JavaScript over
 * every character: ASCII, and prose with ordinary accents, costs that scan and nothing more.
 */
export const MAY_CHANGE = new RegExp('[\\p{Changes_When_NFKC_Casefolded}--[\\x00-\\x7f]]', 'gv');

/** Index of the first character at or after `from` that normalising changes, or -1. */
function nextChange(text: string, from: number): number {
  const re = MAY_CHANGE;
  re.lastIndex = from;
  while (re.test(text)) {
    const end = re.lastIndex;
    const i = end - 1 > from && text.charCodeAt(end - 1) >= 0xdc00 && text.charCodeAt(end - 1) <= 0xdfff ? end - 2 : end - 1;
    if (replacement(text.codePointAt(i)!) !== null) {
      re.lastIndex = 0;
      return i;
    }
  }
  return -1;
}

/**
 * The normalised text with its offset map, or undefined when normalising changes nothing (all ASCII,
 * or no character NFKC or the invisible list touches): the common case costs one regex scan.
 * Characters are normalised one at a time, so a base letter and a separate combining accent are left
 * apart; that never matters for the digits, separators and ASCII letters PII rules look for.
 */
export function normalizeText(text: string): Normalized | undefined {
  const first = nextChange(text, 0);
  if (first < 0) return undefined;
  const n = text.length;

  let cap = n + 64;
  let origStart = new Int32Array(cap);
  let origEnd = new Int32Array(cap);
  const grow = (need: number) => {
    if (need <= cap) return;
    cap = Math.max(need, cap * 2);
    const s = new Int32Array(cap);
    s.set(origStart);
    origStart = s;
    const e = new Int32Array(cap);
    e.set(origEnd);
    origEnd = e;
  };
  const parts: string[] = [];
  let out = 0;
  let i = 0; // start of the pending run of unchanged characters, copied in one slice
  for (let at = first; at >= 0; at = nextChange(text, i)) {
    grow(out + (at - i));
    for (let k = i; k < at; k++) {
      origStart[out] = k;
      origEnd[out] = k + 1;
      out++;
    }
    if (i < at) parts.push(text.slice(i, at));
    const cp = text.codePointAt(at)!;
    const width = cp > 0xffff ? 2 : 1;
    const r = replacement(cp)!;
    parts.push(r);
    grow(out + r.length);
    for (let k = 0; k < r.length; k++) {
      origStart[out] = at;
      origEnd[out] = at + width;
      out++;
    }
    i = at + width;
  }
  grow(out + (n - i));
  for (let k = i; k < n; k++) {
    origStart[out] = k;
    origEnd[out] = k + 1;
    out++;
  }
  if (i < n) parts.push(text.slice(i));
  return { text: parts.join(''), origStart: origStart.subarray(0, out), origEnd: origEnd.subarray(0, out) };
}

/** First normalised index whose source starts at or after original offset `o`. */
function toNormalized(map: Normalized, o: number): number {
  let lo = 0;
  let hi = map.origStart.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (map.origStart[mid] < o) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Runs `inner` on the normalised chunk and maps every finding's span back onto the original text. */
export function normalizing(inner: Engine): Engine {
  return {
    rules: inner.rules,
    scanChunk(chunk: Chunk, only?: ReadonlySet<string>): Finding[] {
      const map = normalizeText(chunk.text);
      if (!map) return inner.scanChunk(chunk, only);
      const norm: Chunk = {
        ...chunk,
        text: map.text,
        ownedStart: chunk.ownedStart === undefined ? undefined : toNormalized(map, chunk.ownedStart),
        ownedEnd: chunk.ownedEnd === undefined ? undefined : toNormalized(map, chunk.ownedEnd),
      };
      const found = inner.scanChunk(norm, only);
      if (found.length === 0) return found;
      const points: number[] = [];
      for (const f of found) {
        const s = f.span.start - chunk.offset;
        const e = f.span.end - chunk.offset;
        points.push(map.origStart[s], map.origEnd[e - 1]);
      }
      const pos = locate(chunk, points);
      return found.map((f, i) => ({
        ...f,
        span: {
          start: chunk.offset + points[2 * i],
          end: chunk.offset + points[2 * i + 1],
          line: pos[2 * i].line,
          column: pos[2 * i].column,
          endLine: pos[2 * i + 1].line,
          endColumn: pos[2 * i + 1].column,
        },
      }));
    },
  };
}

/**
 * Builds the engine for a rule set: PII rules behind the normalising wrapper, the others plain.
 * `build` is the plain engine constructor (engine.ts passes its own, avoiding an import cycle).
 */
export function splitEngine(ruleSet: RuleSet, build: (rs: RuleSet, keywords: SharedKeywords) => Engine): Engine {
  // One keyword pass serves both engines whenever the PII engine sees the text unchanged.
  const keywords = new SharedKeywords();
  const pii = ruleSet.rules.filter((r) => r.kind === 'pii');
  if (pii.length === 0) return build(ruleSet, keywords);
  const piiEngine = normalizing(build({ rules: pii, allowlist: ruleSet.allowlist }, keywords));
  if (pii.length === ruleSet.rules.length) return { rules: ruleSet.rules, scanChunk: piiEngine.scanChunk };
  const plain = build({ rules: ruleSet.rules.filter((r) => r.kind !== 'pii'), allowlist: ruleSet.allowlist }, keywords);
  return {
    rules: ruleSet.rules,
    scanChunk(chunk, only) {
      const a = plain.scanChunk(chunk, only);
      const b = piiEngine.scanChunk(chunk, only);
      if (a.length === 0) return b;
      if (b.length === 0) return a;
      return [...a, ...b].sort((x, y) => x.span.start - y.span.start || x.span.end - y.span.end);
    },
  };
}
