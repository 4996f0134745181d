import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRules, BUILTIN_RULES_DIR, loadPacks } from '../src/config/rules.js';
import { scanText } from '../src/scan/index.js';
import { parseConfig } from '../src/engine/schema.js';
import { translateGoRegex } from '../src/engine/goregex.js';
import { cli, REPO } from './helpers/cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sg-config-'));
const builtinCount = loadPacks(BUILTIN_RULES_DIR).rules.length;

describe('.spillguard.toml', () => {
  it('adds custom rules to the built-in packs and disables rules by id', () => {
    const dir = tmp();
    const someBuiltin = loadPacks(BUILTIN_RULES_DIR).rules[0].id;
    fs.writeFileSync(
      path.join(dir, '.spillguard.toml'),
      `[extend]\ndisabledRules = ["${someBuiltin}", "no-such-rule"]\n[[rules]]\nid = "corp-token"\nregex = '''corp_[0-9]{8}'''\nkeywords = ["corp_"]\n`,
    );
    const rules = loadRules({ root: dir });
    expect(rules.rules.length).toBe(builtinCount - 1 + 1);
    expect(rules.rules.some((r) => r.id === 'corp-token')).toBe(true);
    expect(rules.rules.some((r) => r.id === someBuiltin)).toBe(false);
    expect(rules.warnings).toEqual([`${path.join(dir, '.spillguard.toml')}: extend.disabledRules: no rule "no-such-rule" to disable`]);
  });

  it('useDefault = false replaces the built-in packs', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'c.toml'), `[extend]\nuseDefault = false\n[[rules]]\nid = "only"\nregex = '''only_[0-9]{4}'''\nkeywords = ["only_"]\n`);
    expect(loadRules({ root: dir, config: 'c.toml' }).rules.map((r) => r.id)).toEqual(['only']);
  });
});

describe('gitleaks configuration', () => {
  const file = path.join(REPO, 'fixtures/config/gitleaks.toml');
  const rules = loadRules({ config: file });

  it('translates Go regex syntax: (?i), (?P<name>), [[:alnum:]], \\z', () => {
    expect(translateGoRegex('(?i)(?P<k>[[:alnum:]]+)\\z')).toEqual({ source: '(?<k>[a-zA-Z0-9]+)$', flags: 'i' });
    expect(rules.rules.map((r) => [r.id, r.flags, r.secretGroup])).toEqual([
      ['acme-api-key', 'i', 2],
      ['acme-webhook', '', 0],
    ]);
  });

  it('finds with the migrated rules and applies their allowlists', () => {
    const text = [
      'ACME_KEY = "Zq8xV2mN4pL7rT1wY5sB9cD3"', // found (case-insensitive via (?i))
      'acme-key: TestZq8xV2mN4pL7rT1wY5sB9', // rule allowlist ^test
      'acmekey=AAAAZq8xV2mN4pL7rT1wY5sB', // global [[allowlists]] ^AAAA
      'see https://hooks.acme.invalid/abcd1234',
    ].join('\n');
    const r = scanText(text, { rules, path: 'app.env' });
    expect(r.findings.map((f) => [f.ruleId, f.span.line, f.span.column, f.secret.length])).toEqual([
      ['acme-api-key', 1, 13, 24],
      ['acme-webhook', 4, 5, 35],
    ]);
    expect(r.suppressed.map((d) => d.reason)).toEqual(['allowlist regex /^AAAA/']);
    expect(scanText(text, { rules, path: 'deps.LOCK' }).findings).toEqual([]);
  });
});

describe('configuration errors name file, line, rule and field', () => {
  const cases: [string, string, RegExp][] = [
    ['bad TOML', '[[rules]\nid = "x"\n', /^spillguard: error: .*c\.toml:1: invalid TOML/],
    ['bad regex', `[[rules]]\nid = "broken"\nregex = '''(unclosed'''\n`, /c\.toml:3: rule "broken": field "regex": does not compile: .*Unterminated group/],
    ['unknown field', `[[rules]]\nid = "typo"\nregex = 'x'\nkeyword = ["x"]\n`, /c\.toml:4: rule "typo": field "keyword": unknown field/],
    // The line of the field, not of a look-alike inside a multi-line string before it.
    ['field past a multi-line string', `[[rules]]\nid = "m"\nhelp = \"\"\"\nregex = is help text\n[not a header]\n\"\"\"\nregex = '''(unclosed'''\n`, /c\.toml:7: rule "m": field "regex": does not compile/],
    ['duplicate id', `[[rules]]\nid = "dup"\nregex = 'a'\n[[rules]]\nid = "dup"\nregex = 'b'\n`, /c\.toml:5: rule "dup": field "id": duplicate rule id/],
    ['unknown validator', `[[rules]]\nid = "v"\nregex = 'a'\nvalidate = "nope"\n`, /rule "v": field "validate": unknown validator "nope"/],
    ['bad severity', `[[rules]]\nid = "s"\nregex = 'a'\nseverity = "huge"\n`, /rule "s": field "severity": must be one of critical, high, medium, low, info/],
    ['secretGroup too large', `[[rules]]\nid = "g"\nregex = '(a)'\nsecretGroup = 3\n`, /rule "g": field "secretGroup": is 3 but the regex has 1 capturing group/],
    // In the allowlist table that holds it, not in the rule's own block.
    ['unknown allowlist field', `[[rules]]\nid = "al"\nregex = 'a'\n[[rules.allowlists]]\nregexes = ['b']\n[[rules.allowlists]]\nbogusfield = 1\n`, /c\.toml:7: rule "al": field "allowlists\[1\]\.bogusfield": unknown field/],
  ];
  for (const [name, toml, expected] of cases) {
    it(name, () => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'c.toml'), toml);
      const r = cli(['scan', '.', '--config', 'c.toml'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toBe('');
    });
  }

  it('rejects a pack rule without examples when examples are required', () => {
    expect(() => parseConfig(`[[rules]]\nid = "e"\nregex = 'a'\n`, 'p.toml', { requireExamples: true })).toThrow(
      /needs at least one example that must match/,
    );
  });
});
