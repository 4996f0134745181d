import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR, loadPacks } from '../src/config/rules.js';

/**
 * Built-in rules are linted for super-linear patterns (docs/SECURITY.md "Untrusted patterns").
 *
 * Two checks, because neither alone is both fast and complete on these rules:
 * 1. Structural: no unbounded quantifier (`*`, `+`, `{n,}`) over a group that itself repeats
 *    something (`(a+)+`, `(?:\w{1,5})*`): the family with exponential backtracking.
 * 2. recheck (pure JavaScript backend) on each rule's *unbounded skeleton*, the pattern with its
 *    bounded repeats (`{0,30}`, `{40}`) removed. On the patterns as written, recheck runs out of
 *    time on most rules (their `{0,300}` bounds blow up its automata); on the skeleton it decides
 *    most of them in milliseconds, and finds ambiguity among the unbounded parts (`\s*\s*`,
 *    `(a|a)*`). Bounded repeats nested inside unbounded ones are what check 1 looks for.
 * What neither proves, test/redos.test.ts measures: every rule on long adversarial runs.
 */

process.env.RECHECK_BACKEND = 'pure';
const { checkSync } = await import('recheck');

const rules = loadPacks(BUILTIN_RULES_DIR, true).rules;

interface Quant {
  min: number;
  max: number;
  len: number;
}
function quantAt(src: string, i: number): Quant | undefined {
  const c = src[i];
  let q: Quant | undefined;
  if (c === '*') q = { min: 0, max: Infinity, len: 1 };
  else if (c === '+') q = { min: 1, max: Infinity, len: 1 };
  else if (c === '?') q = { min: 0, max: 1, len: 1 };
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
    if (m) q = { min: Number(m[1]), max: m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]), len: m[0].length };
  }
  if (q && src[i + q.len] === '?') q.len++;
  return q;
}

/** Unbounded quantifiers applied to a group that repeats something inside: `(a+)+`, `(?:x{2,9})*`. */
export function nestedQuantifiers(src: string): string[] {
  const found: string[] = [];
  const stack: { repeats: boolean; start: number }[] = [{ repeats: false, start: 0 }];
  let i = 0;
  const afterAtom = (repeatsInside: boolean, start: number) => {
    const q = quantAt(src, i);
    if (q) {
      if (repeatsInside && q.max === Infinity) found.push(src.slice(start, i + q.len));
      if (q.max > 1) stack[stack.length - 1].repeats = true;
      i += q.len;
    }
    if (repeatsInside) stack[stack.length - 1].repeats = true;
  };
  while (i < src.length) {
    const c = src[i];
    const start = i;
    if (c === '\\') {
      const m = /^\\(?:[pPk][{<][^}>]*[}>]|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|c[A-Za-z]|[1-9]\d*|.)/s.exec(src.slice(i, i + 40));
      i += m ? m[0].length : 2;
      afterAtom(false, start);
    } else if (c === '[') {
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') i++;
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
      i++;
      afterAtom(false, start);
    } else if (c === '(') {
      stack.push({ repeats: false, start: i });
      i++;
      const m = /^\?(?:[:=!]|<[=!]|<[A-Za-z_$][\w$]*>)/.exec(src.slice(i, i + 40));
      if (m) i += m[0].length;
    } else if (c === ')') {
      const g = stack.length > 1 ? stack.pop()! : { repeats: false, start: i };
      i++;
      afterAtom(g.repeats, g.start);
    } else if (c === '|') {
      i++;
    } else {
      i++;
      afterAtom(false, start);
    }
  }
  return found;
}

/** The pattern without its bounded repeats: what recheck can decide quickly. */
export function unboundedSkeleton(src: string): string {
  return src.replace(/(?<!\\)\{(\d+),\}/g, (_, n: string) => (n === '0' ? '*' : '+')).replace(/(?<!\\)\{\d+(?:,\d+)?\}\??/g, '');
}

describe('lint of the built-in rules for super-linear patterns', () => {
  it('the structural check finds nested quantifiers and nothing else', () => {
    expect(nestedQuantifiers('(a+)+$')).toEqual(['(a+)+']);
    expect(nestedQuantifiers('(?:\\w{1,5})*x')).toEqual(['(?:\\w{1,5})*']);
    expect(nestedQuantifiers('((?:ab)+c)*')).toEqual(['((?:ab)+c)*']);
    expect(nestedQuantifiers('(?:[A-Z0-9]{3})?\\b(a{2,9}){1,4}[+*](?:x)+')).toEqual([]);
    expect(nestedQuantifiers('[(a+)+]\\(a+\\)+')).toEqual([]);
    expect(unboundedSkeleton('a{1,30}b{3}c{2,}d{0,}')).toBe('abc+d*');
  });

  it('recheck flags the classic patterns (so a pass below means something)', () => {
    expect(checkSync('^(a+)+$', '').status).toBe('vulnerable');
    expect(checkSync(unboundedSkeleton('\\s*[a-z]{1,9}\\s*=\\s*\\s*x'), '').status).toBe('vulnerable');
  });

  /**
   * Reviewed fragments: nested, but each repetition starts with a character the inner repeat cannot
   * match, so there is only one way to split the input and backtracking stays linear.
   */
  const REVIEWED: Record<string, string> = {
    "(?:['’-][A-ZÀ-ÖØ-Þ]?[a-zß-öø-ÿ]+)*": "each repetition starts with ' ’ or -, which [a-zß-öø-ÿ]+ cannot match",
  };

  it('no built-in rule has an unbounded quantifier over a repeating group (but the reviewed ones)', () => {
    const flagged = rules.flatMap((r) => nestedQuantifiers(r.regex).filter((q) => !REVIEWED[q]).map((q) => `${r.id}: ${q.slice(0, 120)}`));
    expect(flagged).toEqual([]);
  });

  it('recheck finds no built-in rule vulnerable (on the unbounded skeleton)', async () => {
    const vulnerable: string[] = [];
    let safe = 0;
    let unknown = 0;
    const t0 = performance.now();
    for (const r of rules) {
      const skeleton = unboundedSkeleton(r.regex);
      const res = checkSync(skeleton, r.flags.replace(/[^imsu]/g, ''), { timeout: 100 });
      if (res.status === 'vulnerable')
        vulnerable.push(`${r.id}: ${res.complexity.type} near ${res.hotspot.map((h) => JSON.stringify(skeleton.slice(h.start, h.end))).join(', ')}`);
      else if (res.status === 'safe') safe++;
      else unknown++;
      // The test runner talks to this process between rules: never block it for long.
      await new Promise((r) => setImmediate(r));
    }
    console.log(`recheck: ${rules.length} rules, ${safe} safe, ${unknown} undecided in 100 ms, ${vulnerable.length} vulnerable, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(vulnerable).toEqual([]);
  }, 120_000);
});
