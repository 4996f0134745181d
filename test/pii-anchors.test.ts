import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPacks, BUILTIN_RULES_DIR } from '../src/config/rules.js';
import { analyzeRegex, analyzeRun, anchorRuns, compileAnchorGate, eachWindow, longRuns, parseAnchorClass } from '../src/engine/anchors.js';
import { createEngine } from '../src/engine/engine.js';
import { MAY_CHANGE, normalizeText } from '../src/engine/normalize.js';
import { parseConfig } from '../src/engine/schema.js';
import { chunkText } from '../src/sources/chunker.js';
import { scanText } from '../src/scan/index.js';
import type { Finding, RuleSet, RuleSpec } from '../src/engine/types.js';
import { cli } from './helpers/cli.js';
import { prng } from './helpers/prng.js';
import { rulesFrom } from './helpers/rules.js';

const packs = loadPacks(BUILTIN_RULES_DIR, true);
const PII: RuleSet = { rules: packs.rules.filter((r) => r.kind === 'pii'), allowlist: packs.allowlist };
const ANCHORED = PII.rules.filter((r) => r.anchors);
const unanchored = (r: RuleSpec): RuleSpec => {
  const { anchors: _, ...rest } = r;
  return rest;
};
const key = (f: Finding) => JSON.stringify([f.ruleId, f.span, f.secret, f.confidence, f.extra ?? null, f.test ?? false]);
const DIGITS = parseAnchorClass('[0-9]');

/**
 * Text dense in the shapes PII rules look for, and in the characters around them that look-arounds
 * test: digit groups with every separator, addresses, hex, dates, letters, non-ASCII, line breaks.
 */
function noisyText(seed: number, length: number): string {
  const r = prng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const hex = (n: number) => Array.from({ length: n }, () => pick([...'0123456789abcdefABCDEF'])).join('');
  const seps = [' ', '-', '.', '/', '', ':', '\u00a0', '\u200b', '\n', '\r\n', '+', '(', ')', '@', ',', 'x'];
  const tokens: (() => string)[] = [
    () => digits(1 + Math.floor(r() * 19)),
    () => Array.from({ length: 2 + Math.floor(r() * 5) }, () => digits(1 + Math.floor(r() * 5))).join(pick(seps)),
    () => `${pick(['+', '00', '(', ''])}${digits(2)}${pick([' ', ') ', '-'])}${digits(3)} ${digits(4)}`,
    () => `${pick(['SSN', 'NHS', 'SIN', 'DOB', 'born', 'CPF', 'passport', 'Aadhaar', 'Steuer-ID', 'card', 'IBAN', 'MAC', 'ip'])}${pick([': ', ' ', '='])}`,
    () => `${pick(['DE', 'GB', 'FR', 'AB', 'QQ', 'X', 'BNZPM', 'C'])}${digits(Math.floor(r() * 9))}${pick(['', 'A', 'Z', 'F'])}`,
    () => `${pick(['jo.doe', 'a', 'x_y+z', 'A1'])}${pick(['@', '＠', ' @ '])}${pick(['example', 'mail.co', 'a-b'])}.${pick(['com', 'uk', 'png', 'x'])}`,
    () => Array.from({ length: 2 + Math.floor(r() * 7) }, () => hex(Math.floor(r() * 5))).join(pick([':', '-', '.'])),
    () => `${Math.floor(r() * 300)}.${Math.floor(r() * 300)}.${Math.floor(r() * 300)}.${Math.floor(r() * 300)}`,
    () => `${Math.floor(r() * 32)} ${pick(['March', 'mai', 'Dezember', 'août', 'Sept.'])} ${pick(['19', '20'])}${digits(2)}`,
    () => `0x${hex(40)}`,
    () => `${pick(['1', '3', 'bc1q', 'tb1'])}${hex(20 + Math.floor(r() * 20))}`,
    () => pick(['the', 'and', 'Wörter', 'é', '中文', '😀', 'Ⅻ', '٣']),
  ];
  const out: string[] = [];
  let n = 0;
  while (n < length) {
    const t = pick(tokens)();
    const s = pick([' ', ' ', '\n', ', ', '"', "'", '-', '.', '', '\t', '|', '(', '=']);
    out.push(t, s);
    n += t.length + s.length;
  }
  return out.join('');
}

describe('analyzeRegex', () => {
  it('measures anchors, lead-in, width and how far an attempt reads', () => {
    expect(analyzeRegex(String.raw`(?<![\w-])(\d{3}-\d{2}-\d{4})(?![\w-])`, '', DIGITS)).toEqual({
      minAnchors: 9,
      pre: 0,
      width: 11,
      back: 1,
      reach: 12,
    });
    // The e-mail shape: up to 64 characters before the "@", one look-behind character.
    const at = analyzeRegex(String.raw`(?<![\w.])([A-Za-z0-9._]{1,64}@[a-z]{1,10}\.[a-z]{2,4})(?!\w)`, '', parseAnchorClass('@'));
    expect(at).toMatchObject({ minAnchors: 1, pre: 64, width: 80, back: 1, reach: 81 });
    // A look-behind over a back-reference reads as far back as the group can be long.
    // (Bounds, not exact figures: the reference may be unset, so reading forward is over-estimated.)
    expect(analyzeRegex(String.raw`(\d{2,5})(?<!x\1)`, '', DIGITS)).toMatchObject({ minAnchors: 2, back: 4, reach: 10 });
  });

  it('counts a positive look-ahead whose characters the match goes on to consume', () => {
    // Passport-like: the look-ahead promises a digit within the eight characters consumed after it.
    expect(analyzeRegex(String.raw`\b([CFG](?=[A-Z]{0,7}\d)[A-Z0-9]{8})\b`, '', DIGITS)).toMatchObject({ minAnchors: 1, pre: 8 });
    // A look-ahead reaching past what is consumed, or a negative one, promises nothing.
    expect(analyzeRegex(String.raw`([A-Z](?=[A-Z]{0,9}\d)[A-Z0-9]{3})`, '', DIGITS).minAnchors).toBe(0);
    expect(analyzeRegex(String.raw`([A-Z](?!\d)[A-Z0-9]{3})`, '', DIGITS).minAnchors).toBe(0);
  });

  it('treats a case-insensitive class conservatively', () => {
    expect(analyzeRegex('(x[0-9])', 'i', DIGITS).minAnchors).toBe(1);
    // With `i`, [A-Z] also matches a-z (and, to be safe, any non-ASCII letter that folds).
    expect(analyzeRegex('([A-Z])', '', parseAnchorClass('[A-Z]')).minAnchors).toBe(1);
    expect(analyzeRegex('([A-Z])', 'i', parseAnchorClass('[A-Z]')).minAnchors).toBe(0);
  });

  it('rejects unbounded repetition and regexes that can match without an anchor', () => {
    expect(() => compileAnchorGate(String.raw`([a-z]+\d)`, '', '[0-9]')).toThrow(/unbounded repetition/);
    expect(() => compileAnchorGate(String.raw`(\d{2}\d+)`, '', '[0-9]')).toThrow(/unbounded repetition/);
    expect(() => compileAnchorGate(String.raw`(?=\w*x)(\d+)`, '', '[0-9]')).toThrow(/unbounded repetition/);
    expect(() => compileAnchorGate(String.raw`(\d{3}|[a-z]{3})`, '', '[0-9]')).toThrow(/can match text without any of \[0-9\]/);
    expect(() => compileAnchorGate(String.raw`(\d{3})\1?`, '', '[0-9]')).not.toThrow();
    expect(() => parseAnchorClass('ab')).toThrow(/one character or one character class/);
  });
});

/** A random rule with digit anchors finds on each text what the same rule without them finds. */
function expectGatedAsWhole(regex: string, flags: string, texts: string[]): void {
  const spec: RuleSpec = {
    ...unanchored(PII.rules[0]),
    id: 'random', regex, flags, secretGroup: 1, keywords: [], validate: undefined, stopwords: [], allowRegexes: [], context: undefined,
    negativeContext: undefined, requireContext: undefined, options: undefined,
  };
  const plain = createEngine({ rules: [spec], allowlist: PII.allowlist });
  const gated = createEngine({ rules: [{ ...spec, anchors: '[0-9]' }], allowlist: PII.allowlist });
  for (const text of texts) {
    const chunk = { text, origin: { path: 'r' }, offset: 0, line: 1, column: 1 };
    expect(gated.scanChunk(chunk).map(key), `${regex} /${flags} on ${JSON.stringify(text)}`).toEqual(plain.scanChunk(chunk).map(key));
  }
}

describe('anchors on random regexes', () => {
  it('whenever a regex passes the check, its windowed scan finds what a whole-text scan finds', () => {
    const r = prng(20241126);
    const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
    const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
    const atoms = ['\\d', '[0-9]', '[a-c]', 'a', 'b', '-', ' ', '\\w', '\\s', '.', '[^0-9]', '[\\d-]', '[1-3]', 'x', '\\n', '[ab\\d]', '(?:ab|\\d)'];
    const quant = (x: string) =>
      pick([x, x, `(?:${x})?`, `(?:${x}){${int(0, 2)},${int(2, 5)}}`, `(?:${x}){${int(1, 3)}}`, `(?:${x}){0,3}?`]);
    const gen = (depth: number): string => {
      const k = r();
      if (depth > 3 || k < 0.35) return pick(atoms);
      if (k < 0.55) return Array.from({ length: int(2, 4) }, () => quant(gen(depth + 1))).join('');
      if (k < 0.68) return `(?:${gen(depth + 1)}|${gen(depth + 1)})`;
      if (k < 0.78) return `(${gen(depth + 1)})`;
      if (k < 0.84) return `(?=${gen(depth + 1)})`;
      if (k < 0.9) return `(?!${gen(depth + 1)})`;
      if (k < 0.94) return `(?<=${gen(depth + 1)})`;
      if (k < 0.97) return `(?<!${gen(depth + 1)})`;
      return pick(['\\b', '\\B', '^', '$']);
    };
    // Sparse digits (the windowed path) and dense ones (the whole-chunk path).
    const sparse = () => Array.from({ length: int(100, 900) }, () => (r() < 0.02 ? String(int(0, 99)) : pick(['a', 'b', ' ', 'c', 'x', '\n', '-', 'ab ', 'ba']))).join('');
    const dense = () => Array.from({ length: int(50, 400) }, () => pick([...'0123456789ab cx-\n\t.é_', '0123'])).join('');
    let checked = 0;
    for (let i = 0; i < 800 && checked < 100; i++) {
      const regex = `(${Array.from({ length: int(1, 4) }, () => quant(gen(0))).join('')})`;
      const flags = pick(['', '', 'i', 'm', 's']);
      try {
        new RegExp(regex, flags);
        compileAnchorGate(regex, flags, '[0-9]');
      } catch {
        continue;
      }
      checked++;
      expectGatedAsWhole(regex, flags, [sparse(), sparse(), dense()]);
    }
    expect(checked).toBe(100);
  });
});

describe('run gates: one unbounded run of anchor characters starts every match', () => {
  it('are measured from the run: look-behinds before it, bounded items and look-aheads after it', () => {
    expect(analyzeRun(String.raw`(?<![\w+/])(?<!base64,)([A-Za-z0-9+/]{200,}={0,2})(?![\w+/=])`, '', parseAnchorClass('[A-Za-z0-9+/]'))).toEqual({
      minAnchors: 200, pre: 0, width: 200, back: 7, reach: 3, run: 200,
    });
    expect(analyzeRun(String.raw`\b(\d+)(?=x{2})`, '', DIGITS)).toMatchObject({ run: 1, back: 1, reach: 2 });
    // Not a run gate: something consumed before the run, an unbounded tail, a class beyond the anchors, u.
    expect(analyzeRun(String.raw`a(\d+)`, '', DIGITS)).toBeUndefined();
    expect(analyzeRun(String.raw`(\d+)x*`, '', DIGITS)).toBeUndefined();
    expect(analyzeRun(String.raw`([\da]+)`, '', DIGITS)).toBeUndefined();
    expect(analyzeRun(String.raw`(\d+)`, 'u', DIGITS)).toBeUndefined();
  });

  it('longRuns finds exactly the maximal runs of at least the minimum, probing only some positions', () => {
    const r = prng(7);
    const table = new Uint8Array(65536).fill(1, 48, 58);
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: Math.floor(r() * 300) }, () => (r() < 0.7 ? String(Math.floor(r() * 10)) : 'a')).join('');
      const min = 1 + Math.floor(r() * 9);
      const expected = [...text.matchAll(/\d+/g)].filter((m) => m[0].length >= min).flatMap((m) => [m.index, m.index + m[0].length]);
      expect([...longRuns(text, table, min)], `${min} ${text}`).toEqual(expected);
    }
  });

  it('whenever a regex reads as a run gate, the scan of the runs finds what a whole-text scan finds', () => {
    const r = prng(20261126);
    const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
    const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
    const small = ['\\d', '[0-9]', 'a', 'b', '-', ' ', '\\w', '.', '[^0-9]', '[1-3]', 'x', '\\n', '=', '(?:ab|\\d)'];
    const bounded = () => pick([pick(small), `${pick(small)}?`, `${pick(small)}{0,${int(1, 3)}}`, `(?:${pick(small)}${pick(small)})`]);
    const zeroWidth = () => pick([`(?<!${pick(small)})`, `(?<=${pick(small)})`, `(?!${bounded()})`, `(?=${bounded()})`, `(?<!${pick(small)}${pick(small)})`, '\\b', '\\B', '^', '$']);
    const runs = () =>
      Array.from({ length: int(40, 200) }, () => (r() < 0.3 ? '0123456789'.slice(0, int(1, 10)) : pick(['a', 'b', ' ', 'x', '\n', '-', '=', 'ab ', '_', '1a2']))).join('');
    let checked = 0;
    for (let i = 0; i < 400 && checked < 100; i++) {
      const prefix = Array.from({ length: int(0, 2) }, zeroWidth).join('');
      const suffix = Array.from({ length: int(0, 3) }, () => pick([bounded(), zeroWidth()])).join('');
      const regex = `${prefix}(${pick(['\\d', '[0-9]', '[1-3]'])}{${int(1, 6)},}${pick(['', '?'])}${suffix})`;
      const flags = pick(['', '', 'i', 'm', 's']);
      try {
        new RegExp(regex, flags);
        if (!compileAnchorGate(regex, flags, '[0-9]').run) continue;
      } catch {
        continue;
      }
      checked++;
      expectGatedAsWhole(regex, flags, [runs(), runs(), runs()]);
    }
    expect(checked).toBe(100);
  });
});

describe('anchor runs and windows', () => {
  it('finds every run of anchor characters and merges the start ranges of nearby ones', () => {
    const gate = compileAnchorGate(String.raw`(\d{3}-\d{4})`, '', '[0-9]');
    const text = 'ab 123-4567 cd 89 x' + ' '.repeat(200) + '42';
    expect([...anchorRuns(text, gate)]).toEqual([3, 6, 7, 11, 15, 17, 219, 221]);
    const wins: number[][] = [];
    eachWindow(anchorRuns(text, gate), gate, (lo, hi) => wins.push([lo, hi]));
    // 7 digits within 8 characters are needed: only the first run can hold a match's first digit.
    expect(wins).toEqual([[3, 5]]);
  });

  it('reads one character as itself and a class by its members, however it is written', () => {
    expect([...anchorRuns('a.b1 2', compileAnchorGate(String.raw`(\.)`, '', '.'))]).toEqual([1, 2]);
    expect([...anchorRuns('a.b1 23', compileAnchorGate(String.raw`(\d)`, '', String.raw`\d`))]).toEqual([3, 4, 5, 7]);
    expect([...anchorRuns('x-y.z:1', compileAnchorGate('([-.:])', '', '[:.-]'))]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('rules with anchors find exactly what a scan of the whole text finds', () => {
  it('declares anchors on the keyword-less PII rules that can have them', () => {
    expect(ANCHORED.map((r) => r.id).sort()).toEqual(
      [
        'pii-br-cnpj', 'pii-br-cpf', 'pii-btc-address', 'pii-ca-sin', 'pii-credit-card', 'pii-date-of-birth', 'pii-de-steuer-id',
        'pii-email', 'pii-email-urlencoded', 'pii-es-dni', 'pii-eth-address', 'pii-fr-nir', 'pii-iban', 'pii-in-aadhaar', 'pii-in-aadhaar-unformatted',
        'pii-in-pan', 'pii-ipv4', 'pii-ipv6', 'pii-mac', 'pii-passport', 'pii-phone', 'pii-uk-nhs', 'pii-uk-nino', 'pii-us-itin',
        'pii-us-ssn', 'pii-us-ssn-unformatted',
      ].sort(),
    );
  });

  const texts: [string, string][] = [
    ...[1, 2, 3].map((s): [string, string] => [`noise ${s}`, noisyText(s, 60_000)]),
    ...fs
      .readdirSync(path.join(BUILTIN_RULES_DIR, '../fixtures/pii'))
      .filter((f) => !f.endsWith('.json'))
      .map((f): [string, string] => [f, fs.readFileSync(path.join(BUILTIN_RULES_DIR, '../fixtures/pii', f), 'utf8')]),
  ];
  for (const rule of ANCHORED) {
    it(`${rule.id} (${rule.anchors})`, () => {
      const gated = createEngine({ rules: [rule], allowlist: PII.allowlist });
      const plain = createEngine({ rules: [unanchored(rule)], allowlist: PII.allowlist });
      for (const [name, text] of texts) {
        const chunk = { text, origin: { path: name }, offset: 0, line: 1, column: 1 };
        expect(gated.scanChunk(chunk).map(key), name).toEqual(plain.scanChunk(chunk).map(key));
        // A chunk cut out of the middle, owning less than it holds, as the chunker makes them.
        const part = { text: text.slice(1001, -999), origin: { path: name }, offset: 1001, line: 9, column: 3, ownedStart: 77, ownedEnd: text.length - 2500 };
        expect(gated.scanChunk(part).map(key), `${name}, inner chunk`).toEqual(plain.scanChunk(part).map(key));
      }
    });
  }

  it('finds a value on a chunk boundary exactly once, at its line and column', () => {
    const engine = createEngine({ rules: PII.rules.filter((r) => r.id === 'pii-credit-card'), allowlist: PII.allowlist });
    for (let p = 0; p < 90; p += 3) {
      const text = `${'x'.repeat(p)}\nline two\ncard 4764 4203 5298 5095 ok\n${'y'.repeat(90 - p)}`;
      const found = [...chunkText(text, { path: 'a' }, { chunkSize: 40, overlap: 30 })].flatMap((c) => engine.scanChunk(c));
      expect(
        found.map((f) => [f.ruleId, f.secret, f.span.line, f.span.column, f.span.endLine, f.span.endColumn]),
        `at ${p}`,
      ).toEqual([['pii-credit-card', '4764 4203 5298 5095', 3, 6, 3, 25]]);
    }
  });

  it('runs a multi-line user rule with anchors, the match far from where its windows start', () => {
    const rules = rulesFrom(`
[[rules]]
id = "two-line-code"
kind = "pii"
regex = '''(?<![\\w-])(REF-[A-Z]{2,40}\\r?\\n[ \\t]{0,8}\\d{3}-\\d{3})(?![\\w-])'''
anchors = '[0-9]'
`);
    // Prose around it keeps the digits sparse: the rule runs on windows, not on the whole text.
    const prose = 'words without numbers '.repeat(10);
    const text = `intro 12\nREF-${'Q'.repeat(40)}\n    123-456 tail\nREF-AB\n123-4567\n${prose}`;
    const found = scanText(text, { rules }).findings;
    expect(found.map((f) => [f.ruleId, f.span.line, f.span.column, f.span.endLine, f.span.endColumn])).toEqual([
      ['two-line-code', 2, 1, 3, 12],
    ]);
    const plain = scanText(text, { rules: { ...rules, rules: rules.rules.map(unanchored) } }).findings;
    expect(found.map(key)).toEqual(plain.map(key));
  });

  it('carries the scan position from window to window, as one scan of the whole text would', () => {
    const rules = rulesFrom(`
[[rules]]
id = "pairs"
kind = "pii"
regex = '''(\\d{2}[a-z]{0,100}\\d{2})'''
anchors = '[0-9]'
`);
    // Digit pairs 92 apart: three windows. The first match ends inside the second window, so the
    // second window must not start a match at "22" (a scan of the whole text resumes after it).
    const text = `11${'a'.repeat(90)}22${'b'.repeat(90)}33`;
    const got = scanText(text, { rules }).findings.map((f) => f.secret);
    expect(got).toEqual([`11${'a'.repeat(90)}22`]);
    expect(got).toEqual(scanText(text, { rules: { ...rules, rules: rules.rules.map(unanchored) } }).findings.map((f) => f.secret));
  });

  it('finds full-width digits and zero-width characters through normalisation, columns on the original text', () => {
    const text = 'Kartennummer:\nKarte ４７６４\u200b４２０３\u200b５２９８\u200b５０９５ bitte';
    const found = scanText(text, { rules: PII }).findings.filter((f) => f.ruleId === 'pii-credit-card');
    expect(found.map((f) => [f.secret, f.span.line, f.span.column, f.span.endLine, f.span.endColumn])).toEqual([['4764420352985095', 2, 7, 2, 26]]);
  });

  it('a user rule (run under a time budget in the regex worker) keeps its anchors and its findings', () => {
    const rules = rulesFrom(`
[[rules]]
id = "user-ssn"
kind = "pii"
regex = '''(?<![\\w-])(\\d{3}-\\d{2}-\\d{4})(?![\\w-])'''
anchors = '[0-9]'
`);
    const untrusted: RuleSet = { ...rules, rules: rules.rules.map((r) => ({ ...r, untrusted: true })) };
    const found = scanText('id 123-45-6789 and 987-65-4321.', { rules: untrusted }).findings;
    expect(found.map((f) => [f.secret, f.span.column])).toEqual([
      ['123-45-6789', 4],
      ['987-65-4321', 20],
    ]);
  });
});

describe('stored bounds', () => {
  it('are measured at load, kept in the rule, and ignored for a copy of the rule with another regex', () => {
    const ssn = PII.rules.find((r) => r.id === 'pii-us-ssn')!;
    expect(ssn.anchorBounds).toMatchObject({ minAnchors: 9, pre: 0, width: 11 });
    // Same bounds object, longer regex: a gate built from the stale bounds would miss the match.
    const copy: RuleSpec = { ...ssn, id: 'long-ssn', regex: String.raw`(?<![\w-])(\d{3}-\d{2}-\d{4}[a-z]{0,40}\d{2})(?![\w-])`, validate: undefined };
    const text = `${'words '.repeat(40)}id 123-45-6789${'q'.repeat(40)}12 end ${'words '.repeat(40)}`;
    const found = createEngine({ rules: [copy], allowlist: PII.allowlist }).scanChunk({ text, origin: { path: 'c' }, offset: 0, line: 1, column: 1 });
    expect(found.map((f) => f.secret)).toEqual([`123-45-6789${'q'.repeat(40)}12`]);
  });
});

describe('the anchors field', () => {
  const errorOf = (toml: string) => {
    try {
      parseConfig(toml, 'pack.toml');
    } catch (e) {
      return (e as { render(): string }).render();
    }
    return undefined;
  };

  it('is checked against the regex at load; errors name the file, rule and field', () => {
    expect(errorOf(`[[rules]]\nid = "a1"\nregex = '''(\\d{3}|[a-z]{3})'''\nanchors = '[0-9]'\n`)).toBe(
      'pack.toml:4: rule "a1": field "anchors": the regex can match text without any of [0-9]',
    );
    expect(errorOf(`[[rules]]\nid = "a2"\nregex = '''([a-z]+\\d)'''\nanchors = '[0-9]'\n`)).toBe(
      'pack.toml:4: rule "a2": field "anchors": the regex has unbounded repetition (*, +, {n,}); anchors need every repetition bounded, or one unbounded run of anchor characters that starts every match',
    );
    expect(errorOf(`[[rules]]\nid = "a3"\nregex = '''(\\d{3})'''\nanchors = 'digits'\n`)).toBe(
      'pack.toml:4: rule "a3": field "anchors": must be one character or one character class such as "@" or "[0-9]"',
    );
    expect(errorOf(`[[rules]]\nid = "a4"\nregex = '''(\\d{3})'''\nanchors = '[0-9]'\nkeywords = ["abc"]\n`)).toBe(
      'pack.toml:4: rule "a4": field "anchors": cannot be combined with keywords: a rule runs near its keywords or around its anchors',
    );
    expect(errorOf(`[[rules]]\nid = "a5"\nregex = '''(\\d{3})'''\nanchors = ['0']\n`)).toBe('pack.toml:4: rule "a5": field "anchors": must be a string');
    expect(errorOf(`[[rules]]\nid = "a6"\nregex = '''(@\\d{3})'''\nanchors = '@'\n`)).toBeUndefined();
  });

  it('reaches the user through the CLI as a configuration error (exit 2, no stack trace)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-anchors-'));
    fs.writeFileSync(path.join(dir, 'c.toml'), `[[rules]]\nid = "loose"\nregex = '''([a-z0-9]{8})'''\nanchors = '[0-9]'\n`);
    const r = cli(['scan', '.', '--config', 'c.toml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/c\.toml:4: rule "loose": field "anchors": the regex can match text without any of \[0-9\]/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('normalisation cost', () => {
  it('MAY_CHANGE holds every character that normalising changes, over all of Unicode', () => {
    const re = new RegExp(MAY_CHANGE.source, 'v');
    const missed: number[] = [];
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const s = String.fromCodePoint(cp);
      const map = normalizeText(`a${s}b`);
      if (map && !re.test(s)) missed.push(cp);
    }
    expect(missed).toEqual([]);
  });

  it('changes nothing (and builds no map) for ASCII and ordinary accented prose', () => {
    expect(normalizeText('plain ASCII, 4111 1111 1111 1111')).toBeUndefined();
    expect(normalizeText('Müller, Lucía, João, Fernández, Dvořák, Ελληνικά, Ünal')).toBeUndefined();
    const m = normalizeText('a\u00a0b ４ x\u200by 😀 ﬁ')!;
    expect(m.text).toBe('a b 4 xy 😀 fi');
  });
});
