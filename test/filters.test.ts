import { describe, expect, it, vi } from 'vitest';
import * as safeRegex from '../src/engine/safe-regex.js';
import type { Finding } from '../src/engine/types.js';
import { allowlistFilter } from '../src/filters/index.js';
import { scanText } from '../src/scan/index.js';
import { rulesFrom } from './helpers/rules.js';

const RULES = rulesFrom(`
[[rules]]
id = "acme-key"
confidence = "medium"
regex = '''\\b(acme_[a-z0-9]{16})\\b'''
keywords = ["acme_"]
[[rules]]
id = "generic-key"
confidence = "low"
regex = '''key\\s*=\\s*"([^"]{16,})"'''
keywords = ["key"]
`);

describe('filters', () => {
  it('a specific rule beats the generic one on the same span, and says so', () => {
    const r = scanText('api_key = "acme_0123456789abcdef"\nkey = "zzzzzzzzzzzzzzzzzzzz"\n', { rules: RULES });
    expect(r.findings.map((f) => [f.ruleId, f.span.line])).toEqual([
      ['acme-key', 1],
      ['generic-key', 2],
    ]);
    expect(r.suppressed.map((d) => [d.finding.ruleId, d.reason])).toEqual([['generic-key', 'overlaps the more specific rule "acme-key"']]);
  });

  it('honours the three inline markers people use', () => {
    const text = [
      'a = acme_0123456789abcde1 # spillguard:allow',
      'b = acme_0123456789abcde2 // gitleaks:allow',
      'c = acme_0123456789abcde3 # pragma: allowlist secret',
      'd = acme_0123456789abcde4',
    ].join('\n');
    const r = scanText(text, { rules: RULES });
    expect(r.findings.map((f) => f.span.line)).toEqual([4]);
    expect(r.suppressed.map((d) => d.reason)).toEqual([
      'inline "spillguard:allow" on line 1',
      'inline "gitleaks:allow" on line 2',
      'inline "pragma: allowlist secret" on line 3',
    ]);
  });

  it('--min-confidence drops findings below the threshold', () => {
    const text = 'key = "zzzzzzzzzzzzzzzzzzzz"\nx = acme_0123456789abcdef\n';
    expect(scanText(text, { rules: RULES, minConfidence: 'medium' }).findings.map((f) => f.ruleId)).toEqual(['acme-key']);
    expect(scanText(text, { rules: RULES, minConfidence: 'high' }).findings).toEqual([]);
  });

  it('the fingerprint follows the secret, not its line or file', () => {
    const a = scanText('x = acme_0123456789abcdef', { rules: RULES, path: 'a.txt' }).findings[0];
    const b = scanText('\n\n   y = acme_0123456789abcdef', { rules: RULES, path: 'moved/b.txt' }).findings[0];
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(scanText('x = acme_0123456789abcdee', { rules: RULES }).findings[0].fingerprint).not.toBe(a.fingerprint);
  });
});

describe('supersedes', () => {
  it('a rule that supersedes another replaces its match on an overlapping span, only there', () => {
    const rules = rulesFrom(`
[[rules]]
id = "stripe-like"
regex = '''\\b(sk_live_[0-9a-z]{16})'''
keywords = ["sk_live_"]
[[rules]]
id = "clerk-like"
supersedes = ["stripe-like"]
regex = '''clerk.{0,20}\\b(sk_live_[0-9a-z]{16})'''
keywords = ["clerk"]
`);
    const r = scanText('clerk_key=sk_live_0123456789abcdef\nSTRIPE_KEY=sk_live_0123456789abcdee\n', { rules });
    expect(r.findings.map((f) => [f.ruleId, f.span.line])).toEqual([
      ['clerk-like', 1],
      ['stripe-like', 2],
    ]);
  });
});

describe('same-span duplicates', () => {
  it('two rules of equal confidence on the identical span report it once; partial overlaps keep both', () => {
    const rules = rulesFrom(`
[[rules]]
id = "b-env"
confidence = "low"
regex = '''TOKEN=([A-Za-z0-9]{20})\\b'''
keywords = ["token="]
[[rules]]
id = "a-generic"
confidence = "low"
regex = '''TOKEN=([A-Za-z0-9]{20})\\b'''
keywords = ["token"]
[[rules]]
id = "c-wide"
confidence = "low"
regex = '''TOKEN=([A-Za-z0-9]{24})\\b'''
keywords = ["token"]
`);
    const r = scanText('TOKEN=abcdefghij0123456789\nTOKEN=abcdefghij0123456789wxyz\n', { rules });
    expect(r.findings.map((f) => [f.ruleId, f.span.line])).toEqual([
      ['a-generic', 1],
      ['c-wide', 2],
    ]);
    expect(r.suppressed.map((d) => [d.finding.ruleId, d.finding.span.line, d.reason])).toEqual([['b-env', 1, 'same span as rule "a-generic"']]);
  });
});

vi.mock('../src/engine/safe-regex.js', async (original) => {
  const mod = await original<typeof import('../src/engine/safe-regex.js')>();
  return { ...mod, testUserPatterns: vi.fn(mod.testUserPatterns) };
});

/** Calls of the regex worker with at least one pattern, from now on. */
function countCalls(): () => number {
  const spy = vi.mocked(safeRegex.testUserPatterns);
  const before = spy.mock.calls.filter(([p]) => p.length > 0).length;
  return () => spy.mock.calls.filter(([p]) => p.length > 0).length - before;
}

describe("the user's allowlist paths", () => {
  const finding = (path: string, n: number): Finding => {
    const f = scanText(`x = acme_0123456789abcd${String(n).padStart(2, '0')}`, { rules: RULES, path }).findings[0];
    return { ...f, origin: { path } };
  };
  const allowlist = { paths: ['^vendor/', '^a+b$'], regexes: [], stopwords: [], untrusted: ['^vendor/', '^a+b$'] };

  it('are tested once per path, in the regex worker: primed paths cost no further call', () => {
    const calls = countCalls();
    const filter = allowlistFilter(allowlist);
    filter.prime(['vendor/x.txt', 'src/y.txt', 'aaab']);
    expect(calls()).toBe(1);
    const r = filter([finding('vendor/x.txt', 1), finding('src/y.txt', 2), finding('aaab', 3), finding('vendor/x.txt', 4)]);
    expect(calls()).toBe(1);
    expect(r.kept.map((f) => f.origin.path)).toEqual(['src/y.txt']);
    expect(r.dropped.map((d) => [d.finding.origin.path, d.reason])).toEqual([
      ['vendor/x.txt', 'allowlist path /^vendor//'],
      ['aaab', 'allowlist path /^a+b$/'],
      ['vendor/x.txt', 'allowlist path /^vendor//'],
    ]);
    filter([finding('vendor/z.txt', 5), finding('src/y.txt', 6)]);
    expect(calls()).toBe(2);
  });

  it('with several tables (gitleaks [[allowlists]]), one memo serves them all, and each table decides on its own', () => {
    const tables = {
      paths: ['^vendor/'],
      regexes: [],
      stopwords: [],
      allowTarget: 'secret' as const,
      tables: [{ paths: ['^vendor/', '^gen/'], regexes: ['cd0[12]$'], stopwords: [], allowTarget: 'secret' as const, condition: 'and' as const }],
      untrusted: ['^vendor/', '^gen/', 'cd0[12]$'],
    };
    const calls = countCalls();
    const filter = allowlistFilter(tables);
    filter.prime(['vendor/x.txt', 'gen/y.txt', 'src/z.txt']);
    expect(calls()).toBe(1);
    const r = filter([finding('vendor/x.txt', 1), finding('gen/y.txt', 2), finding('gen/y.txt', 3), finding('src/z.txt', 1)]);
    // The paths were known: one more call, for the user regex on the secrets.
    expect(calls()).toBe(2);
    expect(r.kept.map((f) => [f.origin.path, f.secret])).toEqual([
      ['gen/y.txt', 'acme_0123456789abcd03'],
      ['src/z.txt', 'acme_0123456789abcd01'],
    ]);
    expect(r.dropped.map((d) => [d.finding.origin.path, d.reason])).toEqual([
      ['vendor/x.txt', 'allowlist path /^vendor//'],
      ['gen/y.txt', 'allowlist path /^gen// and regex /cd0[12]$/'],
    ]);
  });

  it('stay right when the memo of paths fills up and starts over', () => {
    const filter = allowlistFilter(allowlist);
    filter.prime(Array.from({ length: 100_000 }, (_, i) => `vendor/${i}.txt`));
    const r = filter([finding('vendor/5.txt', 1), finding('src/new.txt', 2), finding('vendor/99999.txt', 3)]);
    expect(r.kept.map((f) => f.origin.path)).toEqual(['src/new.txt']);
    expect(r.dropped.map((d) => d.finding.origin.path)).toEqual(['vendor/5.txt', 'vendor/99999.txt']);
  });
});
