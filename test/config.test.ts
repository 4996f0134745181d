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

  // The whole message, the test's folder shown as DIR: the line is the offending key's, an entry's
  // in a list, or a table's header when the key is missing.
  const exact: [string, Record<string, string>, string][] = [
    ['a [[rules]] table without id, at its header', { 'c.toml': `[[rules]]\nid = "ok"\nregex = 'a'\n\n[[rules]]\ndescription = "no id"\nregex = 'b'\n` },
      'DIR/c.toml:5: field "id": rules[1] has no id'],
    ['an inline rule without id', { 'c.toml': `rules = [\n  { id = "a", regex = 'a' },\n  { regex = 'b' },\n]\n` }, 'DIR/c.toml:3: field "id": rules[1] has no id'],
    ['a field of an inline rule', { 'c.toml': `rules = [\n  { id = "a", regex = 'a' },\n  { id = "b", regex = '(b' },\n]\n` },
      'DIR/c.toml:3: rule "b": field "regex": does not compile: /(b/dg: Unterminated group'],
    ['rules not an array', { 'c.toml': `title = "t"\nrules = "x"\n` }, 'DIR/c.toml:2: field "rules": must be an array of tables ([[rules]])'],
    ['a rules entry not a table', { 'c.toml': `rules = [\n  1,\n]\n` }, 'DIR/c.toml:2: field "rules": rules[0] must be a table'],
    ['examples not a table', { 'c.toml': `[[rules]]\nid = "x"\nregex = 'a'\nexamples = ["a"]\n` }, 'DIR/c.toml:4: rule "x": field "examples": must be a table'],
    ['extend not a table', { 'c.toml': `extend = "base.toml"\n` }, 'DIR/c.toml:1: field "extend": must be a table'],
    // A misspelt table was passed over: the custom rule was off, and its secrets went through with exit 0.
    ['a misspelt [[rules]]', { 'c.toml': `title = "corp"\n\n[[rule]]\nid = "corp-token"\nregex = '''corp_[0-9]{8}'''\n` },
      'DIR/c.toml:3: field "rule": unknown top-level key (known: title, description, minVersion, extend, rules, allowlist, allowlists, redact)'],
    ['a misspelt [extend] field', { 'c.toml': `[extend]\nusedefault = false\n` }, 'DIR/c.toml:2: field "extend.usedefault": unknown field'],
    ['extend.path not found', { 'c.toml': `# shared rules\n[extend]\npath = "nope.toml"\n` }, 'DIR/c.toml:3: field "extend.path": extended config not found'],
    ['extend.path not a string', { 'c.toml': `[extend]\npath = 3\n` }, 'DIR/c.toml:2: field "extend.path": must be a string'],
    ['extend.useDefault not a boolean', { 'c.toml': `[extend]\ndisabledRules = []\nuseDefault = "no"\n` },
      'DIR/c.toml:3: field "extend.useDefault": must be true or false'],
    ['extend.disabledRules not a list', { 'c.toml': `[extend]\ndisabledRules = "x"\n` }, 'DIR/c.toml:2: field "extend.disabledRules": must be a list of strings'],
    ['an extend.disabledRules entry not a string', { 'c.toml': `[extend]\ndisabledRules = [\n  "a",\n  1,\n]\n` },
      'DIR/c.toml:4: field "extend.disabledRules": must be a list of strings'],
    ['a config that extends itself', { 'c.toml': `[extend]\npath = "c.toml"\n` }, 'DIR/c.toml:2: field "extend.path": "c.toml" extends itself'],
    // Named at the file that closes the loop, paths as written there.
    ['a loop of extended configs', { 'c.toml': `[extend]\npath = "base/b.toml"\n`, 'base/b.toml': `[extend]\nuseDefault = false\npath = "../c.toml"\n` },
      'DIR/base/b.toml:3: field "extend.path": "../c.toml" extends itself: ../c.toml → b.toml → ../c.toml'],
    // The file whose path goes too far, not the one it names.
    ['an extend chain too deep', Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((n) => [`${n}.toml`, `# ${n}\n[extend]\npath = "${n + 1}.toml"\n`])),
      'DIR/5.toml:3: field "extend.path": [extend] path chain is deeper than 5 files'],
    ['an allowlist regexes entry that does not compile', { 'c.toml': `[allowlist]\ndescription = "d"\nregexes = [\n  '''ok''',\n  '''(bad''',\n]\n` },
      'DIR/c.toml:5: field "allowlist.regexes": entry 2 does not compile: /(bad/: Unterminated group'],
    ['an allowlist written as dotted keys', { 'c.toml': `title = "t"\nallowlist.paths = ['''(x''']\n` },
      'DIR/c.toml:2: field "allowlist.paths": entry 1 does not compile: /(x/: Unterminated group'],
    ['a rule allowlist written as dotted keys', { 'c.toml': `[[rules]]\nid = "r"\nregex = 'a'\nallowlist.regexes = ['''(x''']\n` },
      'DIR/c.toml:4: rule "r": field "allowlist.regexes": entry 1 does not compile: /(x/: Unterminated group'],
    ['allowlist not a table', { 'c.toml': `title = "t"\nallowlist = 3\n` }, 'DIR/c.toml:2: field "allowlist": must be a table'],
    ['allowlists not an array', { 'c.toml': `title = "t"\nallowlists = 3\n` }, 'DIR/c.toml:2: field "allowlists": must be an array of tables'],
  ];
  for (const [name, files, expected] of exact) {
    it(`${name}: the whole message`, () => {
      const dir = tmp();
      for (const [f, toml] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), toml);
      }
      const r = cli(['scan', '.', '--config', Object.keys(files)[0]], { cwd: dir });
      expect([r.code, r.stdout, r.stderr.replaceAll(dir, 'DIR')]).toEqual([2, '', `spillguard: error: ${expected}\n`]);
    });
  }

  it('a rule id defined in two packs: the whole message, at the second id', () => {
    const dir = tmp();
    const pack = (extra: string) => `[[rules]]\n${extra}id = "twice"\nregex = 'a'\nexamples = { match = ["a"], noMatch = ["b"] }\n`;
    fs.mkdirSync(path.join(dir, 'packs'));
    fs.writeFileSync(path.join(dir, 'packs/a.toml'), pack(''));
    fs.writeFileSync(path.join(dir, 'packs/b.toml'), pack('description = "again"\n'));
    const r = cli(['rules', 'test', 'packs'], { cwd: dir });
    expect([r.code, r.stderr.replaceAll(dir, 'DIR')]).toEqual([
      2,
      'spillguard: error: DIR/packs/b.toml:3: rule "twice": field "id": duplicate rule id (also defined in DIR/packs/a.toml)\n',
    ]);
  });

  it('rejects a pack rule without examples when examples are required', () => {
    expect(() => parseConfig(`[[rules]]\nid = "e"\nregex = 'a'\n`, 'p.toml', { requireExamples: true })).toThrow(
      /needs at least one example that must match/,
    );
  });
});
