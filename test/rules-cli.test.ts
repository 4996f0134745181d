import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from './helpers/cli.js';

const PACK = `
[[rules]]
id = "corp-token"
regex = '''\\b(cst_[a-z0-9]{12})\\b'''
keywords = ["cst_"]
examples.match = ["x = cst_abcdef123456", "cst_000000111111"]
examples.noMatch = ["cst_short", "xcst_abcdef123456"]

[[rules]]
id = "corp-broken-example"
regex = '''\\b(cbe_[0-9]{4})\\b'''
keywords = ["cbe_"]
examples.match = ["cbe_12"]
examples.noMatch = ["cbe_1234"]
`;

describe('spillguard rules', () => {
  it('rules test runs a custom pack and names the failing rule and example', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-rules-'));
    fs.writeFileSync(path.join(dir, 'pack.toml'), PACK);
    const r = cli(['rules', 'test', 'pack.toml'], { cwd: dir });
    expect(r.stdout).toBe(
      'FAIL pack.toml: rule "corp-broken-example": examples.match[0] is not found by the rule\n' +
        'FAIL pack.toml: rule "corp-broken-example": examples.noMatch[0] is found by the rule but must not be\n' +
        '2 rules, 6 examples: 4 passed, 2 failed\n',
    );
    expect(r.code).toBe(1);
  });

  it('counts one rule in the singular (a one-rule pack read "1 rules")', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-rules-'));
    const one = `[[rules]]\nid = "corp-one"\nregex = '''\\b(cone_[0-9]{4})\\b'''\nkeywords = ["cone_"]\nexamples.match = ["cone_1234"]\nexamples.noMatch = ["cone_12"]\n`;
    fs.writeFileSync(path.join(dir, 'one.toml'), one);
    fs.writeFileSync(path.join(dir, 'c.toml'), `[extend]\nuseDefault = false\n${one}`);
    expect(cli(['rules', 'test', 'one.toml'], { cwd: dir })).toEqual({ code: 0, stdout: '1 rule, 2 examples: 2 passed, 0 failed\n', stderr: '' });
    expect(cli(['rules', 'list', '--config', 'c.toml'], { cwd: dir }).stdout.split('\n').slice(-2)).toEqual(['1 rule', '']);
  });

  it('rules test on the built-in packs passes', () => {
    const r = cli(['rules', 'test']);
    expect(r.stdout).toMatch(/^\d+ rules, \d+ examples: (\d+) passed, 0 failed\n$/);
    expect(r.code).toBe(0);
  });

  it('rules test on a pack that does not load exits 2 naming file and rule', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-rules-'));
    fs.writeFileSync(path.join(dir, 'pack.toml'), `[[rules]]\nid = "no-examples"\nregex = 'a'\n`);
    const r = cli(['rules', 'test', 'pack.toml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pack\.toml:2: rule "no-examples": field "examples.match": needs at least one example/);
  });

  it('rules list prints id, kind, severity, confidence, keywords and validator', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-rules-'));
    fs.writeFileSync(path.join(dir, 'c.toml'), `[extend]\nuseDefault = false\n` + PACK);
    const r = cli(['rules', 'list', '--config', 'c.toml'], { cwd: dir });
    expect(r.stdout).toBe(
      [
        'ID                   KIND    SEVERITY  CONFIDENCE  KEYWORDS  VALIDATOR',
        'corp-token           secret  high      medium      cst_      -',
        'corp-broken-example  secret  high      medium      cbe_      -',
        '2 rules',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(cli(['rules', 'list', '--config', 'c.toml', '--format', 'json'], { cwd: dir }).stdout);
    expect(json[0]).toEqual({ id: 'corp-token', kind: 'secret', severity: 'high', confidence: 'medium', keywords: ['cst_'], validator: null, description: 'corp-token' });
  });
});

describe('built-in rules that depend on the file', () => {
  it('config-password-unquoted reads an unquoted value in config and shell, not in source code (an expression there)', () => {
    const scan = (name: string, text: string) => {
      const r = cli(['scan', '-', '--stdin-name', name, '--format', 'json'], { input: text, cwd: os.tmpdir() });
      return (JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; line: number; column: number }> }).findings.map((f) => [f.ruleId, f.line, f.column]);
    };
    const expression = 'x\npwd_salt = pwd+salt2\n';
    expect(scan('settings.py', expression)).toEqual([]);
    expect(scan('app.go', expression)).toEqual([]);
    expect(scan('settings.yaml', expression)).toEqual([['config-password-unquoted', 2, 12]]);
    expect(scan('deploy.sh', 'db_password = uvHF4EsxgSQv8hTd\n')).toEqual([['config-password-unquoted', 1, 15]]);
  });
});
