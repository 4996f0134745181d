import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brief, cleanup, parseReport, Repo, ROOT, spillguard, tmpdir, tokConfig } from './helpers/gitrepo.js';

// Fake values only: `tok_` plus 16 lowercase letters and digits is what the test rule matches.
const S1 = 'tok_aaaaaaaaaaaaaaa1';
const S2 = 'tok_bbbbbbbbbbbbbbb2';
const S3 = 'tok_ccccccccccccccc3';
const S4 = 'tok_ddddddddddddddd4';

const cfg = tokConfig();
const staged = async (r: Repo, extra: string[] = [], cwd = r.dir) => {
  const res = await spillguard(['staged', '--config', cfg, '-f', 'json', ...extra], cwd);
  return { ...res, report: parseReport(res) };
};

afterAll(cleanup);

describe('spillguard staged', () => {
  it('scans the first commit of a new repository (no HEAD yet)', async () => {
    const r = Repo.init();
    r.write('app.env', `A=1\nTOKEN=${S1}\n`);
    r.git('add', 'app.env');
    const { code, report, stderr } = await staged(r);
    expect(brief(report.findings)).toEqual([{ ruleId: 'test-token', path: 'app.env', line: 2, column: 7 }]);
    expect(report.findings[0].blob).toBe(r.git('rev-parse', ':app.env').trim());
    expect(code).toBe(1);
    expect(stderr).toContain('commit blocked');
  });

  it('reports only the lines the staged diff adds, in new and modified files', async () => {
    const r = Repo.init();
    r.write('conf.txt', `A=1\nOLD=${S1}\n`);
    r.commitAll('one');
    // Two lines inserted above the old secret (which moves to line 4 but is not added), one appended.
    r.write('conf.txt', `x\ny\nA=1\nOLD=${S1}\nNEW=${S2}\n`);
    r.write('fresh.txt', `\n\n  ${S3}\n`);
    r.git('add', '-A');
    const { code, report } = await staged(r);
    expect(brief(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'conf.txt', line: 5, column: 5 },
      { ruleId: 'test-token', path: 'fresh.txt', line: 3, column: 3 },
    ]);
    expect(code).toBe(1);
  });

  it('honours .spillguardignore as scan does: at the top and in sub-folders, files and folders', async () => {
    const r = Repo.init();
    r.write('.spillguardignore', 'testdata/\n*.snap\n');
    r.write('pkg/.spillguardignore', 'fixtures/\n');
    r.write('testdata/keys.txt', `k=${S1}\n`);
    r.write('ui/a.snap', `k=${S2}\n`);
    r.write('pkg/fixtures/deep/x.txt', `k=${S3}\n`);
    r.write('pkg/fixtures.txt', `k=${S4}\n`); // not the folder
    r.git('add', '-A');
    const { code, report } = await staged(r);
    expect(brief(report.findings)).toEqual([{ ruleId: 'test-token', path: 'pkg/fixtures.txt', line: 1, column: 3 }]);
    expect(code).toBe(1);
    // An ignore file that exists but cannot be read is an error naming it, not a silent choice.
    fs.rmSync(path.join(r.dir, 'pkg/.spillguardignore'));
    fs.mkdirSync(path.join(r.dir, 'pkg/.spillguardignore'));
    const bad = await spillguard(['staged', '--config', cfg], r.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`spillguard: error: ${path.join(r.dir, 'pkg/.spillguardignore')}: cannot read:`);
  });

  it('finds nothing in a clean index, and exits 0', async () => {
    const r = Repo.init();
    r.write('a.txt', `k=${S1}\n`);
    r.commitAll('one');
    r.write('a.txt', `k=${S1}\nplain line\n`);
    r.git('add', '-A');
    const { code, report } = await staged(r);
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('a rename without edits adds nothing; a rename with edits adds only the edited lines', async () => {
    const r = Repo.init();
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i + 1} of the settings file`);
    lines[2] = `key=${S1}`;
    r.write('old name.txt', `k=${S1}\nsome\nmore\ntext\n`);
    r.write('config/a.txt', lines.join('\n') + '\n');
    r.commitAll('one');

    r.git('mv', 'old name.txt', 'new name.txt');
    let res = await staged(r);
    expect(res.report.findings).toEqual([]);
    expect(res.code).toBe(0);

    r.git('mv', 'config/a.txt', 'config/b.txt');
    lines[7] = `other=${S2}`;
    r.write('config/b.txt', lines.join('\n') + '\n');
    r.git('add', '-A');
    expect(r.git('diff', '--cached', '--name-status', '-M')).toMatch(/^R\d+\tconfig\/a.txt\tconfig\/b.txt$/m);
    res = await staged(r);
    expect(brief(res.report.findings)).toEqual([{ ruleId: 'test-token', path: 'config/b.txt', line: 8, column: 7 }]);
    expect(res.code).toBe(1);
  });

  it('reads the index, never the working tree (a partially staged file, as `git add -p` leaves it)', async () => {
    const r = Repo.init();
    r.write('f.txt', 'a\nb\nc\n');
    r.write('g.txt', 'clean\n');
    r.commitAll('one');
    // Working copy: a secret at the top (not staged) and one at the bottom (staged).
    r.write('f.txt', `NEW1=${S1}\na\nb\nc\nNEW2=${S2}\n`);
    const blob = r.gitInput(`a\nb\nc\nNEW2=${S2}\n`, 'hash-object', '-w', '--stdin').trim();
    r.git('update-index', '--cacheinfo', `100644,${blob},f.txt`);
    // Staged with a secret, then cleaned in the working copy only: the commit still holds it.
    r.write('g.txt', `clean\nG=${S4}\n`);
    r.git('add', 'g.txt');
    r.write('g.txt', 'clean\n');
    // Untracked: not in the commit.
    r.write('untracked.txt', `U=${S3}\n`);
    const { code, report } = await staged(r);
    expect(brief(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'f.txt', line: 4, column: 6 }, // line 4 of the staged file (5 in the working copy)
      { ruleId: 'test-token', path: 'g.txt', line: 2, column: 3 },
    ]);
    expect(code).toBe(1);
  });

  it('reads files exactly: CRLF line ends, no final newline, empty lines', async () => {
    const r = Repo.init();
    r.write('win.txt', 'a\r\n\r\nb\r\n');
    r.commitAll('one');
    r.write('win.txt', `a\r\n\r\nb\r\n\r\nk=${S1}`);
    r.git('add', '-A');
    const { code, report } = await staged(r);
    expect(brief(report.findings)).toEqual([{ ruleId: 'test-token', path: 'win.txt', line: 5, column: 3 }]);
    expect(code).toBe(1);
  });

  it('ignores deleted files', async () => {
    const r = Repo.init();
    r.write('d.txt', `k=${S1}\n`);
    r.write('keep.txt', 'x\n');
    r.commitAll('one');
    r.git('rm', '-q', 'd.txt');
    const { code, report } = await staged(r);
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([]);
    expect(code).toBe(0);
  });

  it('skips binary files (listed in skipped) but scans text that .gitattributes calls binary', async () => {
    const r = Repo.init();
    r.write('.gitattributes', '*.min.js -diff\n');
    r.write('vendor.min.js', `var a=1;var k="${S1}";\nvar b=2;\n`);
    r.commitAll('one');
    r.write('img.bin', Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x01]), Buffer.from(`\nk=${S2}\n`)]));
    r.write('vendor.min.js', `var a=1;var k="${S1}";\nvar b=2;\nvar c="${S3}";\n`);
    r.git('add', '-A');
    const { code, report } = await staged(r);
    expect(report.skipped).toEqual([{ path: 'img.bin', reason: 'binary file' }]);
    // Only the added line of the -diff file: the old secret on line 1 is not new.
    expect(brief(report.findings)).toEqual([{ ruleId: 'test-token', path: 'vendor.min.js', line: 3, column: 8 }]);
    expect(code).toBe(1);
  });

  it('lists a staged symbolic link as skipped, not followed, its target scanned only at its own path', async () => {
    const r = Repo.init();
    r.commitAll('one');
    r.write('real.txt', `x=${S1}\n`);
    fs.symlinkSync('real.txt', path.join(r.dir, 'link'));
    fs.symlinkSync(`x=${S3}`, path.join(r.dir, 'odd-link')); // the link's text is not scanned
    r.git('add', '-A');
    const { code, report } = await staged(r);
    expect(report.skipped).toEqual([
      { path: 'link', reason: 'symbolic link, not followed' },
      { path: 'odd-link', reason: 'symbolic link, not followed' },
    ]);
    expect(brief(report.findings)).toEqual([{ ruleId: 'test-token', path: 'real.txt', line: 1, column: 3 }]);
    expect(code).toBe(1);
  });

  it('skips submodules (gitlinks)', async () => {
    const r = Repo.init();
    const c = r.commitAll('one');
    r.git('update-index', '--add', '--cacheinfo', `160000,${c},libs/sub`);
    r.write('x.txt', `x=${S1}\n`);
    r.git('add', 'x.txt');
    const { code, report } = await staged(r);
    expect(report.skipped).toEqual([{ path: 'libs/sub', reason: 'submodule (gitlink): scan it in its own repository' }]);
    expect(brief(report.findings)).toEqual([{ ruleId: 'test-token', path: 'x.txt', line: 1, column: 3 }]);
    expect(code).toBe(1);
  });

  it('handles names with spaces, unicode, newlines, tabs, quotes and backslashes (-z everywhere)', async () => {
    const r = Repo.init();
    const names = ['with space.txt', 'ünïcödé/файл.txt', 'new\nline.txt', 'tab\there.txt', 'quote"and\\slash.txt', 'plain.txt'];
    for (const n of names) r.write(n, 'hello\nworld\n');
    r.commitAll('one');
    // Modified files: their hunks must be matched to the right (quoted) patch headers.
    names.forEach((n, i) => r.write(n, `hello\nworld\nK${i}=${S1}\n`));
    // A renamed one, edited too.
    r.git('mv', 'plain.txt', 'renamed ✓ file.txt');
    r.write('renamed ✓ file.txt', `hello\nR=${S2}\nworld\n`);
    // And new ones.
    r.write('brand new\nfile ✓.txt', `N=${S3}\n`);
    r.git('add', '-A');
    const { code, report } = await staged(r);
    const expected = [
      ...names.slice(0, 5).map((n, i) => ({ ruleId: 'test-token', path: n, line: 3, column: 4, i })),
      { ruleId: 'test-token', path: 'brand new\nfile ✓.txt', line: 1, column: 3 },
      { ruleId: 'test-token', path: 'renamed ✓ file.txt', line: 2, column: 3 },
    ].map(({ ruleId, path: p, line, column }) => ({ ruleId, path: p, line, column }));
    const sort = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
    expect(brief(report.findings).sort(sort)).toEqual(expected.sort(sort));
    expect(code).toBe(1);
  });

  it('numbers the lines of UTF-16 text as the text does, though git splits them at every 0x0A byte (上 is 0A 4E)', async () => {
    const r = Repo.init();
    const le = (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
    const be = (s: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]);
    r.write('zh.txt', le(`标题 上 ${S1}\nb\nc\n`));
    r.write('be.txt', be(`Ċ 上\nb\n`));
    r.commitAll('one');
    r.write('zh.txt', le(`标题 上 ${S1}\nb\nc\nkey=${S2}\n`));
    r.write('be.txt', be(`Ċ 上\nb\nk=${S3}\n`));
    r.git('add', '-A');
    const { code, report } = await staged(r);
    // The old secret on line 1 is not new; each added one is found, on its line of text.
    expect(brief(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'be.txt', line: 3, column: 3 },
      { ruleId: 'test-token', path: 'zh.txt', line: 4, column: 5 },
    ]);
    expect(code).toBe(1);
  });

  it('scans files whose names are not UTF-8 when git calls them binary (UTF-16 text, -diff)', async () => {
    const r = Repo.init();
    // Names as bytes: "caf\xe9.txt" and "l\xe9.min.js" (Latin-1), which no string argument can name.
    const named = (pre: string, post: string) => Buffer.concat([Buffer.from(path.join(r.dir, pre)), Buffer.from([0xe9]), Buffer.from(post)]);
    r.write('.gitattributes', '*.js -diff\n');
    fs.writeFileSync(named('l', '.min.js'), `var k="${S1}";\n`);
    r.commitAll('one');
    fs.writeFileSync(named('l', '.min.js'), `var k="${S1}";\nvar c="${S2}";\n`);
    fs.writeFileSync(named('caf', '.txt'), Buffer.from(`x\nk=${S3}\n`, 'utf16le'));
    r.git('add', '-A');
    const { code, report } = await staged(r);
    expect(brief(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'caf\ufffd.txt', line: 2, column: 3 },
      { ruleId: 'test-token', path: 'l\ufffd.min.js', line: 2, column: 8 },
    ]);
    expect(code).toBe(1);
  });

  it('during a merge, reports only what the merge itself adds (new against every parent)', async () => {
    const r = Repo.init();
    r.write('f.txt', 'l1\nl2\nl3\n');
    r.commitAll('base');
    r.git('checkout', '-q', '-b', 'side');
    r.write('f.txt', `l1\nSIDE=${S1}\nl3\n`);
    r.write('side-only.txt', `s=${S2}\n`);
    r.commitAll('side');
    r.git('checkout', '-q', 'main');
    r.write('f.txt', 'l1\nMAIN=x\nl3\n');
    r.commitAll('main');
    const merge = await r.tryGit(['merge', 'side']);
    expect(merge.code).not.toBe(0); // a conflict: the merge is in progress

    let res = await staged(r);
    expect(res.report.skipped).toEqual([{ path: 'f.txt', reason: 'unmerged: resolve the conflict and stage the file' }]);
    expect(res.report.findings).toEqual([]);
    expect(res.code).toBe(0);

    r.write('f.txt', `l1\nSIDE=${S1}\nRESOLVED=${S3}\nl3\n`);
    r.git('add', 'f.txt');
    res = await staged(r);
    expect(brief(res.report.findings)).toEqual([{ ruleId: 'test-token', path: 'f.txt', line: 3, column: 10 }]);
    expect(res.code).toBe(1);
  });

  it('finds a multi-line key added as a block, and a block touched by a one-line change', async () => {
    const r = Repo.init();
    const block = ['-----BEGIN TEST KEY-----', 'abcdefghij0123', 'klmnopqrst4567', 'uvwxyz0123abcd', '-----END TEST KEY-----'];
    r.write('key.pem', ['# key', '', ...block, ''].join('\n'));
    r.git('add', '-A');
    let res = await staged(r);
    expect(res.report.findings.map((f) => [f.ruleId, f.path, f.line, f.column, f.endLine])).toEqual([['test-key-block', 'key.pem', 3, 1, 7]]);
    r.commitAll('key');

    block[2] = 'klmnopqrst9999';
    r.write('key.pem', ['# key', '', ...block, ''].join('\n'));
    r.git('add', '-A');
    res = await staged(r);
    expect(res.report.findings.map((f) => [f.ruleId, f.line, f.endLine])).toEqual([['test-key-block', 3, 7]]);
    r.commitAll('edit');

    r.write('key.pem', ['# key', '', ...block, 'unrelated', ''].join('\n'));
    r.git('add', '-A');
    res = await staged(r);
    expect(res.report.findings).toEqual([]);
    expect(res.code).toBe(0);
  });

  it('finds a private key with the built-in rule', async () => {
    const pack = path.join(ROOT, 'rules/secrets/private-keys.toml');
    if (!fs.existsSync(pack)) return; // the pack is another issue's; nothing to test without it
    const dir = tmpdir('sg-cfg-');
    const config = path.join(dir, 'pk.toml');
    fs.writeFileSync(config, `[extend]\nuseDefault = false\npath = ${JSON.stringify(pack)}\n`);
    const r = Repo.init();
    const key = [
      '-----BEGIN PRIVATE KEY-----',
      'MIIBFQIBAASCAQ5GQUtFS0VZRkFLRUtFWUZBS0VLRVlGQUtFS0VZRkFLRUtFWUZB',
      'S0VLRVlGQUtFS0VZRkFLRUtFWUZBS0VLRVlGQUtFS0VZRkFLRUtFWUZBS0VLRVlG',
      'QUtFS0VZRkFLRUtFWUZBS0VLRVlGQUtFS0VZRkFLRUtFWUZBS0VLRVlGQUtFS0VZ',
      'RkFLRUtFWUZBS0VLRVlGQUtFS0VZRkFLRUtFWUZBS0VLRVlGQUtFS0VZRkFLRUtF',
      'WUZBS0VLRVlGQUtFS0VZRkFLRUtFWUZBS0VLRVlGQUtFS0VZRkFLRUtFWUZBS0VL',
      'RVlGQUtFS0VZRkFLRUtFWUZBS0VLRVlGQUtFS0VZRkFLRUtFWUZBS0U=',
      '-----END PRIVATE KEY-----',
    ];
    r.write('deploy/id.pem', ['# deploy key', ...key, ''].join('\n'));
    r.git('add', '-A');
    const res = await spillguard(['staged', '--config', config, '-f', 'json'], r.dir);
    const report = parseReport(res);
    expect(report.findings.map((f) => [f.ruleId, f.path, f.line, f.column, f.endLine])).toEqual([['private-key-pkcs8', 'deploy/id.pem', 2, 1, 9]]);
    expect(res.code).toBe(1);
  });

  it('honours inline allow markers, and prints how to proceed when it blocks', async () => {
    const r = Repo.init();
    r.write('a.txt', `ok=${S1} # spillguard:allow\n`);
    r.git('add', '-A');
    let res = await staged(r);
    expect(res.report.findings).toEqual([]);
    expect(res.report.suppressed.map((s) => [s.path, s.line])).toEqual([['a.txt', 1]]);
    expect(res.code).toBe(0);

    r.write('b.txt', `bad=${S2}\n`);
    r.git('add', '-A');
    const text = await spillguard(['staged', '--config', cfg], r.dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('b.txt:1:5');
    expect(text.stdout).not.toContain(S2);
    expect(text.stderr).toBe(
      [
        '',
        'spillguard: commit blocked: 1 finding in the staged changes. To go on, either:',
        '  - remove the secret from the file, `git add` it again, and rotate the secret if it was ever shared;',
        '  - if it is a false positive, mark it on its line with a `spillguard:allow` comment;',
        // (npx: a devDependency is not on PATH, and a bare `spillguard` was "command not found")
        '  - accept it as known: `npx spillguard baseline create` records the current findings in',
        '    .spillguard-baseline.json (commit it; the hook applies it);',
        '  - or bypass the check for this commit, knowingly: `git commit --no-verify`.',
        '',
      ].join('\n'),
    );
  });

  it('under the pre-commit framework (PRE_COMMIT=1) the blocked message says SKIP=spillguard, and that npx needs spillguard in the project; several findings read in the plural', async () => {
    const r = Repo.init();
    r.write('a.txt', `a=${S1}\nb=${S2}\n`);
    r.git('add', '-A');
    const res = await spillguard(['staged', '--config', cfg], r.dir, { env: { PRE_COMMIT: '1' } });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      [
        '',
        'spillguard: commit blocked: 2 findings in the staged changes. To go on, either:',
        '  - remove the secrets from the files, `git add` them again, and rotate each secret that was ever shared;',
        '  - if it is a false positive, mark it on its line with a `spillguard:allow` comment;',
        '  - accept it as known: `npx spillguard baseline create` records the current findings in',
        '    .spillguard-baseline.json (commit it; the hook applies it); under pre-commit, npx needs spillguard',
        '    installed in the project too (npm install --save-dev spillguard);',
        '  - or bypass the check for this commit, knowingly: `SKIP=spillguard git commit` (`--no-verify` skips every hook).',
        '',
      ].join('\n'),
    );
  });

  it('applies the repository baseline (as `spillguard baseline create` writes it) or --baseline', async () => {
    const r = Repo.init();
    r.write('known.txt', `k=${S1}\n`);
    const created = await spillguard(['baseline', 'create', '--config', cfg], r.dir);
    expect(created.code).toBe(0);
    expect(fs.existsSync(path.join(r.dir, '.spillguard-baseline.json'))).toBe(true);
    r.write('new.txt', `n=${S2}\n`);
    r.git('add', 'known.txt', 'new.txt');
    let res = await staged(r);
    expect(brief(res.report.findings)).toEqual([{ ruleId: 'test-token', path: 'new.txt', line: 1, column: 3 }]);
    expect(res.report.suppressed.map((x) => [x.path, x.reason.split(':')[0]])).toEqual([['known.txt', 'baseline .spillguard-baseline.json']]);
    expect(res.code).toBe(1);

    const other = path.join(tmpdir('sg-bl-'), 'other.json');
    fs.writeFileSync(other, JSON.stringify({ version: 1, entries: [] }));
    res = await staged(r, ['--baseline', other]);
    expect(res.report.findings.map((f) => f.path)).toEqual(['known.txt', 'new.txt']);
  });

  it('reports paths from the repository root when run in a subfolder', async () => {
    const r = Repo.init();
    r.write('deep/er/x.txt', `x=${S1}\n`);
    r.git('add', '-A');
    const { code, report } = await staged(r, [], path.join(r.dir, 'deep/er'));
    expect(brief(report.findings)).toEqual([{ ruleId: 'test-token', path: 'deep/er/x.txt', line: 1, column: 3 }]);
    expect(code).toBe(1);
  });

  it('reports an unreadable object as an error, scans the rest, and exits 2', async () => {
    const r = Repo.init();
    r.write('base.txt', 'x\n');
    r.commitAll('one');
    r.write('a.txt', `a=${S1}\n`);
    r.write('b.txt', `b=${S2}\n`);
    r.git('add', '-A');
    const lost = r.git('rev-parse', ':b.txt').trim();
    r.dropObject(lost);
    // Changed in the working copy too, so git cannot stand in the file on disk for the lost blob.
    r.write('b.txt', 'changed\n');
    const { code, report } = await staged(r);
    expect(brief(report.findings)).toEqual([{ ruleId: 'test-token', path: 'a.txt', line: 1, column: 3 }]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].path).toBe('b.txt');
    expect(report.errors[0].message).toContain(lost);
    expect(code).toBe(2);
  });

  it('finds the same in a large change (the whole engine) as in a small one (the rules its keywords wake)', async () => {
    // Up to 64 KB of staged text the engine holds only the rules whose keywords occur (narrow.ts).
    const r = Repo.init();
    const filler = 'const value = compute(input, 42); // nothing here\n';
    r.write('small.txt', `${filler.repeat(10)}TOKEN=${S1}\n`);
    r.write('big.txt', `${filler.repeat(2000)}TOKEN=${S2}\n`);
    r.git('add', 'small.txt');
    const small = await staged(r);
    expect(brief(small.report.findings)).toEqual([{ ruleId: 'test-token', path: 'small.txt', line: 11, column: 7 }]);
    r.git('add', 'big.txt');
    const both = await staged(r);
    expect(brief(both.report.findings)).toEqual([
      { ruleId: 'test-token', path: 'big.txt', line: 2001, column: 7 },
      { ruleId: 'test-token', path: 'small.txt', line: 11, column: 7 },
    ]);
  });

  it('decodes encoded runs as `scan` does: a base64 or hex secret on an added line is found, on an old line it is not', async () => {
    // A Kubernetes Secret's `data:` values are base64: the token's keyword is only in the decoded text,
    // so the small-change engine (the rules whose keywords occur) must see decoded text too.
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const hex = (s: string) => Buffer.from(s).toString('hex');
    const r = Repo.init();
    r.write('secret.yaml', `kind: Secret\ndata:\n  old: ${b64(`TOKEN=${S1}`)}\n`);
    r.commitAll('one');
    r.write('secret.yaml', `kind: Secret\ndata:\n  old: ${b64(`TOKEN=${S1}`)}\n  new: ${b64(`TOKEN=${S2}`)}\n`);
    r.write('const.js', `const k = "${hex(S3)}";\n`);
    r.git('add', '-A');
    const small = await staged(r);
    const decoded = (rep: typeof small.report) => rep.findings.map((f) => ({ ...brief([f])[0], decoded: (f as { decoded?: string }).decoded }));
    const want = [
      { ruleId: 'test-token', path: 'const.js', line: 1, column: 12, decoded: 'hex' },
      { ruleId: 'test-token', path: 'secret.yaml', line: 4, column: 8, decoded: 'base64' },
    ];
    expect(decoded(small.report)).toEqual(want);
    expect(small.code).toBe(1);
    // The same with the whole engine (over 64 KB staged).
    r.write('big.txt', 'nothing to see here\n'.repeat(4000));
    r.git('add', 'big.txt');
    const large = await staged(r);
    expect(decoded(large.report)).toEqual(want);
    expect(large.code).toBe(1);
  });

  // git checks that a repository belongs to whoever runs it; only root can hand one to another user.
  it.skipIf(process.getuid?.() !== 0)('says why, and what to do, when git refuses a repository owned by another user (safe.directory)', async () => {
    const r = Repo.init();
    r.write('a.txt', 'x\n');
    r.git('add', 'a.txt');
    execFileSync('chown', ['-R', '65534', r.dir]);
    const expected = `spillguard: error: git refuses to work in ${r.dir}: it belongs to another user (git's safe.directory check). If you trust it: git config --global --add safe.directory '${r.dir}'\n`;
    for (const args of [['staged'], ['hook', 'install']]) {
      const res = await spillguard(args, r.dir, { spawn: true });
      expect(res.stderr).toBe(expected);
      expect(res.stdout).toBe('');
      expect(res.code).toBe(2);
    }
  });

  it('names an unexpected argument as it was typed: a path is no flag (staged scans the whole index)', async () => {
    const r = Repo.init();
    const usage = (what: string) => `spillguard: Unknown argument: ${what}\n\nRun \`spillguard --help\` for usage.\n`;
    for (const [args, what] of [
      [['staged', 'app.env'], 'app.env'],
      [['staged', '--fooBar'], '--fooBar'],
      [['staged', '--foo-bar'], '--foo-bar'],
      [['staged', '-z'], '-z'],
    ] as const) {
      const res = await spillguard([...args], r.dir);
      expect(res.stderr).toBe(usage(what));
      expect(res.code).toBe(2);
    }
  });

  it("a broken repository baseline is named in full, not as a flag the user never gave", async () => {
    const r = Repo.init();
    r.write('.spillguard-baseline.json', '{bad');
    r.write('sub/a.txt', 'x\n');
    r.git('add', 'sub/a.txt');
    const res = await spillguard(['staged'], path.join(r.dir, 'sub'));
    expect(res.stderr).toBe(`spillguard: error: ${path.join(r.dir, '.spillguard-baseline.json')}:1: not valid JSON: malformed JSON (the repository's baseline, applied by default)\n`);
    expect(res.code).toBe(2);
  });

  it('exits 2 outside a git repository', async () => {
    const dir = tmpdir();
    const res = await spillguard(['staged', '--config', cfg], dir, { spawn: true });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`not a git repository: ${dir}`);
    expect(res.stdout).toBe('');
  });
});
