import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules } from '../src/config/rules.js';
import type { RuleSet } from '../src/engine/types.js';
import { scanText } from '../src/scan/index.js';
import { cli } from './helpers/cli.js';
import { cleanup, parseReport, Repo, spillguard, tmpdir } from './helpers/gitrepo.js';
import { rulesFrom } from './helpers/rules.js';

/**
 * gitleaks configs keep gitleaks' allowlist semantics: every `[[rules.allowlists]]` / `[[allowlists]]`
 * table is an allowlist of its own (its own regexTarget, condition, paths, stopwords, commits), a
 * finding is allowed when any table allows it. Fake values only.
 */

afterAll(cleanup);

const RULE = `
[extend]
useDefault = false
[[rules]]
id = "corp-key"
regex = '''corp_key\\s*=\\s*"([A-Za-z0-9]{24})"'''
keywords = ["corp_key"]
`;
const KEY = 'Xa9bC3dE5fG7hI1jK2lM4nO6';

/** A config file in a fresh folder, with the files to scan beside it. */
function project(toml: string, files: Record<string, string>): string {
  const dir = tmpdir('sg-allow-');
  fs.writeFileSync(path.join(dir, 'g.toml'), toml);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** `spillguard scan -c g.toml FILES -f json`: what is reported and what is suppressed, and why. */
function scanCli(dir: string, files: string[]) {
  const r = cli(['scan', '-c', 'g.toml', ...files, '-f', 'json'], { cwd: dir });
  const report = parseReport(r);
  expect(r.stdout).not.toContain(KEY);
  return {
    code: r.code,
    findings: report.findings.map((f) => [f.ruleId, f.path, f.line, f.column]),
    suppressed: report.suppressed.map((d) => [d.ruleId, d.path, d.line, d.reason]),
  };
}

/**
 * The same rules on the calling thread (as built-in rules run) and in the regex worker (as a
 * configuration's rules run): findings as [line, column], suppressions as [line, reason].
 */
function scanBoth(toml: string, text: string, file = 'app.env') {
  const trusted = rulesFrom(toml);
  const user: RuleSet = { rules: trusted.rules.map((r) => ({ ...r, untrusted: true })), allowlist: trusted.allowlist };
  const [a, b] = [trusted, user].map((rules) => {
    const r = scanText(text, { rules, path: file });
    return { findings: r.findings.map((f) => [f.span.line, f.span.column]), suppressed: r.suppressed.map((d) => [d.finding.span.line, d.reason]) };
  });
  expect(b).toEqual(a);
  return a;
}

describe('A: every [[rules.allowlists]] table is an allowlist of its own', () => {
  const toml = `${RULE}
[[rules.allowlists]]
regexes = ['''testing''']
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''#\\s*fake-for-tests''']
`;

  it("one table's regexTarget does not apply to the other table's regexes (the walkthrough's repro)", () => {
    const dir = project(toml, { 'c.txt': `corp_key = "${KEY}" # see testing notes\n` });
    expect(scanCli(dir, ['c.txt'])).toEqual({ code: 1, findings: [['corp-key', 'c.txt', 1, 13]], suppressed: [] });
  });

  it('each table allows what it matches, on its own target', () => {
    const text = [
      `corp_key = "${KEY}" # see testing notes`, // neither: "testing" is on the line, not in the secret
      `corp_key = "${KEY}" # fake-for-tests`, // the line table
      'corp_key = "testingXa9bC3dE5fG7hI1jK2"', // the secret table
      'corp_key = "Ya9bC3dE5fG7hI1jK2lM4nO6"',
    ].join('\n');
    expect(scanBoth(toml, text)).toEqual({ findings: [[1, 13], [4, 13]], suppressed: [] });
  });
});

describe('B: condition = "AND" allows only when every check the table sets holds', () => {
  const table = (condition: string) => `${RULE}
[[rules.allowlists]]
condition = "${condition}"
regexTarget = "line"
regexes = ['''notreal''']
paths = ['''.*''']
`;
  const text = `corp_key = "${KEY}"\ncorp_key = "Za9bC3dE5fG7hI1jK2lM4nO7" # notreal\n`;

  it('AND: a path that matches is not enough; path and line together are', () => {
    expect(scanBoth(table('AND'), text)).toEqual({ findings: [[1, 13]], suppressed: [] });
    // gitleaks' other spellings.
    expect(scanBoth(table('and'), text)).toEqual({ findings: [[1, 13]], suppressed: [] });
    expect(scanBoth(table('&&'), text)).toEqual({ findings: [[1, 13]], suppressed: [] });
  });

  it('AND: a table whose path does not match allows nothing there', () => {
    const toml = table('AND').replace("paths = ['''.*''']", "paths = ['''^fixtures/''']");
    expect(scanBoth(toml, text, 'src/app.env')).toEqual({ findings: [[1, 13], [2, 13]], suppressed: [] });
    expect(scanBoth(toml, text, 'fixtures/app.env')).toEqual({ findings: [[1, 13]], suppressed: [] });
  });

  it('OR (the default, or spelled out): any check allows', () => {
    expect(scanBoth(table('OR'), text)).toEqual({ findings: [], suppressed: [] });
    expect(scanBoth(table('||'), text)).toEqual({ findings: [], suppressed: [] });
    const noPaths = `${RULE}\n[[rules.allowlists]]\nregexTarget = "line"\nregexes = ['''notreal''']\nstopwords = ["xa9b"]\n`;
    expect(scanBoth(noPaths, `${text}corp_key = "Qa9bC3dE5fG7hI1jK2lM4nO8"\n`)).toEqual({ findings: [[3, 13]], suppressed: [] });
  });

  it('a global AND table, through the CLI: --explain names every check that held', () => {
    const dir = project(`${RULE}\n[[allowlists]]\ncondition = "AND"\nregexTarget = "line"\nregexes = ['''notreal''']\npaths = ['''^b\\.txt$''']\n`, {
      'b.txt': text,
      'c.txt': text,
    });
    expect(scanCli(dir, ['b.txt', 'c.txt'])).toEqual({
      code: 1,
      findings: [
        ['corp-key', 'b.txt', 1, 13],
        ['corp-key', 'c.txt', 1, 13],
        ['corp-key', 'c.txt', 2, 13],
      ],
      suppressed: [['corp-key', 'b.txt', 2, 'allowlist path /^b\\.txt$/ and regex /notreal/ on the line']],
    });
  });

  it('another condition is a configuration error', () => {
    const dir = project(table('XOR'), {});
    const r = cli(['scan', '-c', 'g.toml', '.'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`spillguard: error: ${path.join(dir, 'g.toml')}:10: rule "corp-key": field "allowlists[0].condition": must be OR or AND\n`);
  });
});

describe('C: allowlist fields are checked; commits allow history findings in those commits', () => {
  const errorOf = (toml: string) => {
    const dir = project(toml, { 'e.txt': `corp_key = "${KEY}"\n` });
    const r = cli(['scan', '-c', 'g.toml', 'e.txt'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain(KEY);
    return r.stderr.replace(path.join(dir, 'g.toml'), 'g.toml');
  };

  it('an unknown field of an allowlist table names file, line, rule and field', () => {
    expect(errorOf(`${RULE}[[rules.allowlists]]\nregexes = ['''testing''']\n[[rules.allowlists]]\nregexTarget = "line"\nbogusfield = true\n`)).toBe(
      'spillguard: error: g.toml:12: rule "corp-key": field "allowlists[1].bogusfield": unknown field\n',
    );
    expect(errorOf(`${RULE}[rules.allowlist]\nbogusfield = 1\n`)).toBe('spillguard: error: g.toml:9: rule "corp-key": field "allowlist.bogusfield": unknown field\n');
    // targetRules belongs to global tables only.
    expect(errorOf(`${RULE}[[rules.allowlists]]\ntargetRules = ["corp-key"]\n`)).toBe(
      'spillguard: error: g.toml:9: rule "corp-key": field "allowlists[0].targetRules": unknown field\n',
    );
    expect(errorOf(`${RULE}[allowlist]\nstopwords = ["x"]\n[[allowlists]]\ndescription = "ok"\n[[allowlists]]\n  bogusfield = 1\n`)).toBe(
      'spillguard: error: g.toml:13: field "allowlists[1].bogusfield": unknown field\n',
    );
  });

  it('the fields gitleaks documents are accepted', () => {
    const rules = rulesFrom(
      `${RULE}[[rules.allowlists]]\ndescription = "d"\ncondition = "AND"\ncommits = ["ABC123"]\npaths = ['''x''']\nregexTarget = "match"\nregexes = ['''y''']\nstopwords = ["Z"]\n` +
        `[[allowlists]]\ndescription = "d"\ntargetRules = ["corp-key"]\ncommits = ["DEF456"]\n`,
    );
    expect(rules.rules[0].allowlists).toEqual([
      { paths: ['x'], regexes: ['y'], stopwords: ['z'], allowTarget: 'match', condition: 'and', commits: ['abc123'] },
    ]);
    expect(rules.allowlist).toEqual({ paths: [], regexes: [], stopwords: [], allowTarget: 'secret', commits: ['def456'], targetRules: ['corp-key'] });
  });

  it('commits: a rule table and a global table allow findings of those commits, a blob shared by two commits included', async () => {
    const S1 = 'tok_aaaaaaaaaaaaaaa1';
    const S2 = 'tok_bbbbbbbbbbbbbbb2';
    const r = Repo.init();
    r.write('a.txt', `x\nA=${S1}\n`);
    const c1 = r.commitAll('add a');
    r.write('b.txt', `x\nA=${S1}\n`); // the same blob at another path: scanned once, under c1
    const c2 = r.commitAll('copy a');
    r.write('c.txt', `C=${S2}\n`);
    const c3 = r.commitAll('add c');
    const cfg = path.join(tmpdir('sg-cfg-'), 'g.toml');
    const write = (extra: string) =>
      fs.writeFileSync(
        cfg,
        `[extend]\nuseDefault = false\n[[rules]]\nid = "test-token"\nregex = '''\\b(tok_[a-z0-9]{16})\\b'''\nkeywords = ["tok_"]\n${extra}`,
      );
    const history = async () => {
      const res = await spillguard(['git', '--config', cfg, '-f', 'json'], r.dir);
      const report = parseReport(res);
      return {
        code: res.code,
        findings: report.findings.map((f) => [f.path, f.line, f.column, f.commit]),
        suppressed: report.suppressed.map((d) => [d.path, d.line, d.reason]),
      };
    };

    write(`[[rules.allowlists]]\ncommits = ["${c1.toUpperCase()}"]\n[[allowlists]]\ncommits = ["${c3}"]\n`);
    expect(await history()).toEqual({
      code: 1,
      findings: [['b.txt', 2, 3, c2]],
      suppressed: [
        ['a.txt', 2, `rule allowlist commit ${c1}`],
        ['c.txt', 1, `allowlist commit ${c3}`],
      ],
    });

    // AND: the commit and the path must both hold.
    write(`[[rules.allowlists]]\ncondition = "AND"\ncommits = ["${c1}", "${c3}"]\npaths = ['''^c\\.txt$''']\n`);
    expect(await history()).toEqual({
      code: 1,
      findings: [
        ['a.txt', 2, 3, c1],
        ['b.txt', 2, 3, c2],
      ],
      suppressed: [['c.txt', 1, `rule allowlist commit ${c3}`]],
    });

    // Outside history a finding has no commit: the table allows nothing there.
    write(`[[rules.allowlists]]\ncommits = ["${c1}"]\n`);
    const res = cli(['scan', '-c', cfg, 'a.txt', '-f', 'json'], { cwd: r.dir });
    expect(parseReport(res).findings.map((f) => [f.path, f.line, f.column])).toEqual([['a.txt', 2, 3]]);
    expect(res.code).toBe(1);
  });
});

describe('D: global allowlist tables honour their regexTarget, condition and targetRules', () => {
  it('[allowlist] regexTarget = "line" tests the line (the walkthrough\'s repro), and --explain names the entry', () => {
    const dir = project(`${RULE}[allowlist]\nregexTarget = "line"\nregexes = ['''# fake-for-tests''']\n`, {
      'e.txt': `corp_key = "${KEY}" # fake-for-tests\ncorp_key = "${KEY}"\n`,
    });
    const r = cli(['scan', '-c', 'g.toml', 'e.txt', '--explain'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'e.txt:2:13  high  corp-key  Xa9b*****\n' +
        'suppressed e.txt:1:13  corp-key: allowlist regex /# fake-for-tests/ on the line\n' +
        '1 finding (1 high) in 1 file (93 B), 1 suppressed, 0 skipped, 0 errors\n',
    );
  });

  it('regexTarget = "match" tests the whole match; "secret" (the default) only the secret', () => {
    const toml = `${RULE}[[allowlists]]\nregexTarget = "match"\nregexes = ['''^corp_key = "Q''']\n[[allowlists]]\nregexes = ['''^corp_key''']\n`;
    const text = `corp_key = "${KEY}"\ncorp_key = "Qa9bC3dE5fG7hI1jK2lM4nO6"\n`;
    expect(scanBoth(toml, text)).toEqual({ findings: [[1, 13]], suppressed: [[2, 'allowlist regex /^corp_key = "Q/ on the match']] });
  });

  it('[[allowlists]] with targetRules applies to those rules only; an unknown target is a warning', () => {
    const toml = `${RULE}[[rules]]\nid = "other-key"\nregex = '''other_key\\s*=\\s*"([A-Za-z0-9]{24})"'''\nkeywords = ["other_key"]\n` +
      `[[allowlists]]\ntargetRules = ["other-key", "no-such-rule"]\nstopwords = ["xa9b"]\n`;
    const dir = project(toml, { 'e.txt': `corp_key = "${KEY}"\nother_key = "${KEY}"\n` });
    const r = cli(['scan', '-c', 'g.toml', 'e.txt', '--explain'], { cwd: dir });
    expect(r.stdout).toBe(
      'e.txt:1:13  high  corp-key  Xa9b*****\n' +
        'suppressed e.txt:2:14  other-key: allowlist stopword "xa9b"\n' +
        '1 finding (1 high) in 1 file (77 B), 1 suppressed, 0 skipped, 0 errors\n',
    );
    expect(r.stderr).toBe(`spillguard: warning: ${path.join(dir, 'g.toml')}: targetRules: no rule "no-such-rule" to apply the allowlist to\n`);
  });

  it('tables of several files stay tables of their own; the line is on findings only when a table needs it', () => {
    const dir = project(`[extend]\npath = "base.toml"\n[allowlist]\nregexTarget = "line"\nregexes = ['''# fake-for-tests''']\n`, {
      'base.toml': `${RULE}[allowlist]\nregexes = ['''^Q''']\n`,
    });
    const rules = loadRules({ root: dir, config: 'g.toml' });
    expect(rules.allowlist).toEqual({
      paths: [],
      regexes: ['^Q'],
      stopwords: [],
      allowTarget: 'secret',
      tables: [{ paths: [], regexes: ['# fake-for-tests'], stopwords: [], allowTarget: 'line' }],
      untrusted: ['^Q', '# fake-for-tests'],
    });
    const text = `corp_key = "${KEY}" # fake-for-tests\ncorp_key = "Qa9bC3dE5fG7hI1jK2lM4nO6"\ncorp_key = "${KEY}" # ^Q\n`;
    const r = scanText(text, { rules, path: 'e.txt' });
    expect(r.findings.map((f) => [f.span.line, f.span.column])).toEqual([[3, 13]]);
    expect(r.suppressed.map((d) => [d.finding.span.line, d.reason])).toEqual([
      [1, 'allowlist regex /# fake-for-tests/ on the line'],
      [2, 'allowlist regex /^Q/'],
    ]);
    expect(r.findings[0].lineText).toBe(`corp_key = "${KEY}" # ^Q`);
    const plain = scanText(text, { rules: rulesFrom(RULE), path: 'e.txt' });
    expect(plain.findings.map((f) => [f.lineText, f.matchText])).toEqual([[undefined, undefined], [undefined, undefined], [undefined, undefined]]);
  });
});
