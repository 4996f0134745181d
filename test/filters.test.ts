import { describe, expect, it } from 'vitest';
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
