import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { historyRevs } from '../src/git/history.js';
import { cleanup, parseReport, Repo, spillguard, tmpdir, tokConfig, type JsonFinding } from './helpers/gitrepo.js';

// Fake values only.
const S1 = 'tok_aaaaaaaaaaaaaaa1';
const S2 = 'tok_bbbbbbbbbbbbbbb2';
const S3 = 'tok_ccccccccccccccc3';

const cfg = tokConfig();
const history = async (r: Repo, extra: string[] = []) => {
  const res = await spillguard(['git', '--config', cfg, '-f', 'json', ...extra], r.dir);
  return { ...res, report: parseReport(res) };
};
const where = (fs_: JsonFinding[]) => fs_.map((f) => ({ ruleId: f.ruleId, path: f.path, line: f.line, column: f.column, commit: f.commit }));

afterAll(cleanup);

describe('spillguard git', () => {
  it('names the commit that introduced each secret, once per path, scanning each blob once', async () => {
    const r = Repo.init();
    r.write('a.txt', `x\nA=${S1}\n`);
    const c1 = r.commitAll('add a');
    r.write('b.txt', `B=${S2}\n`);
    const c2 = r.commitAll('add b'); // a.txt unchanged: same blob, not even asked for
    r.write('a.txt', `x\nA=${S1}\nmore\n`);
    r.commitAll('edit a'); // new blob, same secret at the same path: still c1's
    r.write('copy.txt', `x\nA=${S1}\nmore\n`);
    const c4 = r.commitAll('copy a'); // the same blob at another path: reported there, not rescanned
    r.git('rm', '-q', 'b.txt');
    r.commitAll('drop b');
    r.write('b.txt', `B=${S2}\n`);
    r.commitAll('restore b'); // the same blob again: still c2's

    const { code, report, stderr } = await history(r);
    expect(where(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'a.txt', line: 2, column: 3, commit: c1 },
      { ruleId: 'test-token', path: 'b.txt', line: 1, column: 3, commit: c2 },
      { ruleId: 'test-token', path: 'copy.txt', line: 2, column: 3, commit: c4 },
    ]);
    const f = report.findings[0];
    expect(f.author).toBe('Test Author');
    expect(f.email).toBe('author@example.com');
    expect(f.date).toBe(r.git('show', '-s', '--format=%aI', c1).trim());
    expect(f.blob).toBe(r.git('rev-parse', `${c1}:a.txt`).trim());
    expect(report.summary.files).toBe(3); // a v1, b, a v2: the unique blobs
    expect(code).toBe(1);
    expect(stderr).toBe(''); // no progress when stderr is not a terminal
  });

  it('scans a blob once however many commits and branches hold it, naming the oldest commit that added it', async () => {
    const r = Repo.init();
    r.write('base.txt', 'base\n');
    r.commitAll('base');
    r.git('checkout', '-q', '-b', 'one');
    r.write('dup.txt', `d=${S1}\n`);
    const c1 = r.commitAll('dup on one');
    r.git('checkout', '-q', 'main');
    r.write('other.txt', 'o\n');
    r.commitAll('other');
    r.git('checkout', '-q', '-b', 'two');
    r.write('dup.txt', `d=${S1}\n`); // the same blob, added again on another branch, later
    r.commitAll('dup on two');
    for (let i = 0; i < 5; i++) {
      r.write(`n${i}.txt`, `${i}\n`);
      r.commitAll(`n${i}`); // every one of these commits holds dup.txt's blob in its tree
    }
    r.write('elsewhere/dup.txt', `d=${S1}\n`); // the same blob at another path: reported there
    const c3 = r.commitAll('copy');
    r.git('checkout', '-q', 'main');
    r.git('merge', '-q', '--no-edit', 'two');

    const { report } = await history(r);
    expect(where(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'dup.txt', line: 1, column: 3, commit: c1 },
      { ruleId: 'test-token', path: 'elsewhere/dup.txt', line: 1, column: 3, commit: c3 },
    ]);
    expect(report.summary.files).toBe(8); // base, dup, other, n0…n4: each unique blob once
  });

  it('reports a secret kept across edits once, at the commit that introduced it, with its line there', async () => {
    const r = Repo.init();
    r.write('conf.txt', `a\nK=${S1}\n`);
    const c1 = r.commitAll('add');
    r.write('conf.txt', `header\na\nK=${S1}\n`); // moved down a line
    r.commitAll('header');
    r.write('conf.txt', `header\na\nK=${S1}\nJ=${S2}\n`); // a second secret beside it
    const c3 = r.commitAll('second');
    r.write('conf.txt', `header\nJ=${S2}\n`); // the first one removed…
    r.commitAll('remove first');
    r.write('conf.txt', `header\nJ=${S2}\nK=${S1}\n`); // …and put back: still the same secret at this path
    r.commitAll('restore first');

    const { report } = await history(r);
    expect(where(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'conf.txt', line: 2, column: 3, commit: c1 },
      { ruleId: 'test-token', path: 'conf.txt', line: 4, column: 3, commit: c3 },
    ]);
    expect(report.summary.files).toBe(5);
  });

  it('works in a bare repository, from a subfolder and from inside .git, with paths from the top', async () => {
    const r = Repo.init();
    r.write('d/a.txt', `A=${S1}\n`);
    const c1 = r.commitAll('a');
    const expected = [{ ruleId: 'test-token', path: 'd/a.txt', line: 1, column: 3, commit: c1 }];
    const run = async (cwd: string) => where(parseReport(await spillguard(['git', '--config', cfg, '-f', 'json'], cwd)).findings);
    expect(await run(path.join(r.dir, 'd'))).toEqual(expected);
    expect(await run(path.join(r.dir, '.git'))).toEqual(expected);
    const bare = tmpdir();
    r.git('clone', '-q', '--bare', r.dir, bare);
    expect(await run(bare)).toEqual(expected);
    expect(await run(path.join(bare, 'refs'))).toEqual(expected);
  });

  it('reports an object git cannot read as an error, and reads the ones after it', async () => {
    const r = Repo.init();
    r.write('a.txt', `a=${S1}\n`);
    const c1 = r.commitAll('a');
    r.write('b.txt', `b=${S2}\n${'filler line\n'.repeat(50)}`);
    r.commitAll('b');
    r.write('c.txt', `c=${S3}\n`);
    const c3 = r.commitAll('c');
    // A truncated object: git prints its header, then dies part-way through the contents.
    const oid = r.git('rev-parse', 'HEAD:b.txt').trim();
    const file = path.join(r.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
    const packed = fs.readFileSync(file);
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, packed.subarray(0, packed.length - 8));

    const { code, report } = await history(r);
    expect(where(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'a.txt', line: 1, column: 3, commit: c1 },
      { ruleId: 'test-token', path: 'c.txt', line: 1, column: 3, commit: c3 },
    ]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].path).toBe('b.txt');
    expect(report.errors[0].message).toContain(oid);
    expect(code).toBe(2);

    // An object whose header announces more than it holds: git prints fewer bytes than it said,
    // and its answer runs into the next one's. Read out of step, that would garble what follows.
    fs.writeFileSync(file, zlib.deflateSync(Buffer.from('blob 20\0short')));
    const again = await history(r);
    expect(where(again.report.findings).map((f) => f.path)).toEqual(['a.txt', 'c.txt']);
    expect(again.report.errors.map((e) => [e.path, /corrupt/.test(e.message)])).toEqual([['b.txt', true]]);
    expect(again.code).toBe(2);
  });

  it('scans every ref by default, and only the given revisions or range otherwise', async () => {
    const r = Repo.init();
    r.write('base.txt', 'base\n');
    r.commitAll('base');
    r.git('checkout', '-q', '-b', 'side');
    r.write('side.txt', `s=${S1}\n`);
    const cs = r.commitAll('side');
    r.git('checkout', '-q', 'main');
    r.write('m1.txt', `m=${S2}\n`);
    const m1 = r.commitAll('m1');
    r.write('m2.txt', `m=${S3}\n`);
    const m2 = r.commitAll('m2');

    let res = await history(r);
    expect(where(res.report.findings).map((f) => [f.path, f.commit])).toEqual([
      ['side.txt', cs],
      ['m1.txt', m1],
      ['m2.txt', m2],
    ]);
    res = await history(r, ['main']);
    expect(where(res.report.findings).map((f) => f.path)).toEqual(['m1.txt', 'm2.txt']);
    res = await history(r, ['HEAD~1..HEAD']);
    expect(where(res.report.findings).map((f) => [f.path, f.commit])).toEqual([['m2.txt', m2]]);
    expect(res.code).toBe(1);
  });

  it('--since <ref> scans only the commits of a pull request', async () => {
    const r = Repo.init();
    r.write('old.txt', `o=${S1}\n`);
    r.commitAll('on main');
    r.git('checkout', '-q', '-b', 'feature');
    r.write('new.txt', `n=${S2}\n`);
    const cf = r.commitAll('on feature');
    const res = await history(r, ['--since', 'main']);
    expect(where(res.report.findings)).toEqual([{ ruleId: 'test-token', path: 'new.txt', line: 1, column: 3, commit: cf }]);
    expect(res.code).toBe(1);
    const clean = await history(r, ['--since', 'feature']);
    expect(clean.report.findings).toEqual([]);
    expect(clean.code).toBe(0);
  });

  it('a range reports what its commits introduce: not a secret already in a file they edit', async () => {
    const r = Repo.init();
    r.write('a.txt', `one\nk=${S1}\nthree\n`);
    r.write('b.txt', 'b\n');
    r.commitAll('on main, with an old secret');
    r.git('checkout', '-q', '-b', 'feature');
    r.write('a.txt', `one\nk=${S1}\nthree\nfour\n`); // another line of the file edited
    r.commitAll('edit a');
    r.write('a.txt', `one\nk=${S1}\nthree\nfour\nn=${S2}\n`);
    const c2 = r.commitAll('a new secret in the same file');
    r.write('b.txt', `b\nk=${S1}\n`); // the old secret copied to another file: new there
    const c3 = r.commitAll('copy to b');
    const res = await history(r, ['--since', 'main']);
    expect(where(res.report.findings)).toEqual([
      { ruleId: 'test-token', path: 'a.txt', line: 5, column: 3, commit: c2 },
      { ruleId: 'test-token', path: 'b.txt', line: 2, column: 3, commit: c3 },
    ]);
    expect(res.report.summary.files).toBe(3); // a v2, a v3, b v2: what the range made (main's a.txt read only to compare)
    // The same through a pre-push of the branch to where main is.
    const push = await spillguard(['hook', 'pre-push', 'origin', 'x', '--config', cfg, '-f', 'json'], r.dir, {
      input: `refs/heads/feature ${r.head('feature')} refs/heads/feature ${r.head('main')}\n`,
    });
    expect(where(parseReport(push).findings)).toEqual(where(res.report.findings));
    // The whole history still names the commit that brought the old one.
    const all = await history(r);
    expect(where(all.report.findings).map((f) => [f.path, f.line])).toEqual([['a.txt', 2], ['a.txt', 5], ['b.txt', 2]]);
  });

  it('decodes encoded runs in blobs as scan does (base64, hex)', async () => {
    const r = Repo.init();
    const b64 = Buffer.from(`token=${S1}`).toString('base64');
    const hex = Buffer.from(`token=${S2}`).toString('hex');
    r.write('k8s.yaml', `data:\n  creds: ${b64}\n`);
    r.write('h.txt', `x = "${hex}"\n`);
    const c = r.commitAll('encoded');
    const res = await history(r);
    expect(res.report.findings.map((f) => ({ ...where([f])[0], decoded: f.decoded }))).toEqual([
      { ruleId: 'test-token', path: 'h.txt', line: 1, column: 6, commit: c, decoded: 'hex' },
      { ruleId: 'test-token', path: 'k8s.yaml', line: 2, column: 10, commit: c, decoded: 'base64' },
    ]);
    expect(res.code).toBe(1);
  });

  it('attributes what a merge itself adds to the merge commit, and what it brings to where it was written', async () => {
    const r = Repo.init();
    r.write('f.txt', 'one\ntwo\n');
    r.commitAll('base');
    r.git('checkout', '-q', '-b', 'side');
    r.write('s.txt', `s=${S1}\n`);
    const cs = r.commitAll('side');
    r.git('checkout', '-q', 'main');
    r.write('m.txt', 'main\n');
    r.commitAll('main');
    r.git('merge', '-q', '--no-commit', '--no-ff', 'side');
    r.write('f.txt', `one\ntwo\nEVIL=${S2}\n`);
    r.git('add', 'f.txt');
    r.git('commit', '-q', '--no-verify', '-m', 'merge side');
    const cm = r.head();
    const res = await history(r);
    expect(where(res.report.findings)).toEqual([
      { ruleId: 'test-token', path: 's.txt', line: 1, column: 3, commit: cs },
      { ruleId: 'test-token', path: 'f.txt', line: 3, column: 6, commit: cm },
    ]);
  });

  it('skips binary blobs and blobs over --max-file-size, listing them', async () => {
    const r = Repo.init();
    r.write('img.bin', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(`k=${S1}\n`)]));
    r.write('big.txt', `k=${S2}\n` + 'x'.repeat(3000) + '\n');
    r.write('small.txt', 'nothing here\n');
    r.commitAll('files');
    const { code, report } = await history(r, ['--max-file-size', '1KB']);
    expect(report.findings).toEqual([]);
    expect(report.skipped.map((s) => [s.path, s.reason.split(' ')[0]]).sort()).toEqual([
      ['big.txt', 'larger'],
      ['img.bin', 'binary'],
    ]);
    expect(code).toBe(0);
  });

  it('lists symbolic links and submodules as skipped, once per path, instead of dropping them silently', async () => {
    const r = Repo.init();
    r.write('target.txt', `k=${S1}\n`);
    fs.symlinkSync('target.txt', path.join(r.dir, 'link'));
    fs.symlinkSync(`k=${S2}`, path.join(r.dir, 'odd-link')); // a link's target text is not scanned
    r.write('.spillguardignore', 'vendor/\n');
    fs.mkdirSync(path.join(r.dir, 'vendor'));
    fs.symlinkSync('../target.txt', path.join(r.dir, 'vendor', 'ignored-link'));
    const c1 = r.commitAll('one');
    const linkBlob = r.git('rev-parse', `${c1}:link`).trim();
    const oddBlob = r.git('rev-parse', `${c1}:odd-link`).trim();
    r.git('update-index', '--add', '--cacheinfo', `160000,${c1},libs/sub`);
    r.git('commit', '-q', '-m', 'submodule'); // not commitAll: `add -A` would drop the gitlink, with no folder on disk
    const c2 = r.head();
    fs.rmSync(path.join(r.dir, 'link'));
    fs.symlinkSync('elsewhere.txt', path.join(r.dir, 'link'));
    r.commitAll('retarget'); // the same path again: listed once
    const { code, report } = await history(r);
    expect(where(report.findings)).toEqual([{ ruleId: 'test-token', path: 'target.txt', line: 1, column: 3, commit: c1 }]);
    expect(report.skipped).toEqual([
      { path: 'link', reason: `symbolic link, not followed (blob ${linkBlob} in commit ${c1})` },
      { path: 'odd-link', reason: `symbolic link, not followed (blob ${oddBlob} in commit ${c1})` },
      { path: 'libs/sub', reason: `submodule (gitlink): scan it in its own repository (in commit ${c2})` },
    ]);
    expect(report.summary.skipped).toBe(3);
    expect(code).toBe(1);
  });

  it('reports a missing object as an error, goes on, and exits 2', async () => {
    const r = Repo.init();
    r.write('lost.txt', `l=${S1}\n`);
    r.write('kept.txt', `k=${S2}\n`);
    const c1 = r.commitAll('one');
    const lost = r.git('rev-parse', `${c1}:lost.txt`).trim();
    r.dropObject(lost);
    const { code, report } = await history(r);
    expect(where(report.findings)).toEqual([{ ruleId: 'test-token', path: 'kept.txt', line: 1, column: 3, commit: c1 }]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].path).toBe('lost.txt');
    expect(report.errors[0].message).toContain(lost);
    expect(code).toBe(2);
  });

  it("an author's name cannot redraw the terminal over a finding: escape sequences and carriage returns are quoted", async () => {
    const r = Repo.init();
    r.write('a.txt', `a=${S1}\n`);
    r.git('add', '-A');
    r.git('-c', 'user.name=Eve\x1b[1A\x1b[2K\rnothing here', 'commit', '-q', '--no-verify', '-m', 'one');
    const c1 = r.head();
    const { date } = (await history(r)).report.findings[0];
    const res = await spillguard(['git', '--config', cfg], r.dir);
    expect(res.stdout.split('\n')[1]).toBe(`    commit ${c1.slice(0, 12)} by "Eve\\u001b[1A\\u001b[2K\\rnothing here" on ${date}`);
  });

  it('a pure rename does not report its secrets again, in the history or in a range; a copy does', async () => {
    const r = Repo.init();
    r.write('a.txt', `a=${S1}\n`);
    r.write('z.txt', 'nothing\n');
    const c1 = r.commitAll('one');
    r.git('mv', 'a.txt', 'b.txt');
    r.commitAll('rename'); // listed as a deletion and an addition of the same blob
    r.write('b.txt', `a=${S1}\nb=${S2}\n`);
    const c3 = r.commitAll('edit');
    fs.copyFileSync(path.join(r.dir, 'b.txt'), path.join(r.dir, 'c.txt'));
    const c4 = r.commitAll('copy');
    const full = await history(r);
    expect(where(full.report.findings)).toEqual([
      { ruleId: 'test-token', path: 'a.txt', line: 1, column: 3, commit: c1 },
      { ruleId: 'test-token', path: 'b.txt', line: 2, column: 3, commit: c3 },
      { ruleId: 'test-token', path: 'c.txt', line: 1, column: 3, commit: c4 },
      { ruleId: 'test-token', path: 'c.txt', line: 2, column: 3, commit: c4 },
    ]);
    // A push of the rename and the edit is not blamed for the secret the file already held.
    const range = await history(r, ['--since', c1]);
    expect(where(range.report.findings)).toEqual([
      { ruleId: 'test-token', path: 'b.txt', line: 2, column: 3, commit: c3 },
      { ruleId: 'test-token', path: 'c.txt', line: 1, column: 3, commit: c4 },
      { ruleId: 'test-token', path: 'c.txt', line: 2, column: 3, commit: c4 },
    ]);
  });

  it('a rename and a copy of the same file in one commit: the copy is reported, as a copy alone is', async () => {
    const r = Repo.init();
    r.write('a.txt', `a=${S1}\n`);
    const c1 = r.commitAll('one');
    r.git('mv', 'a.txt', 'b.txt');
    fs.copyFileSync(path.join(r.dir, 'b.txt'), path.join(r.dir, 'c.txt'));
    const c2 = r.commitAll('rename and copy'); // a.txt deleted, b.txt and c.txt added, one blob
    const full = await history(r);
    expect(where(full.report.findings)).toEqual([
      { ruleId: 'test-token', path: 'a.txt', line: 1, column: 3, commit: c1 },
      { ruleId: 'test-token', path: 'c.txt', line: 1, column: 3, commit: c2 },
    ]);
    const range = await history(r, ['--since', c1]);
    expect(where(range.report.findings)).toEqual([{ ruleId: 'test-token', path: 'c.txt', line: 1, column: 3, commit: c2 }]);
  });

  it("honours the work tree's .spillguardignore, as scan does", async () => {
    const r = Repo.init();
    r.write('.spillguardignore', 'testdata/\n');
    r.write('testdata/keys.txt', `k=${S1}\n`);
    r.write('src/app.txt', `k=${S2}\n`);
    const c1 = r.commitAll('one');
    r.write('testdata/more.txt', `k=${S3}\n`);
    r.commitAll('two');
    const { code, report } = await history(r);
    expect(where(report.findings)).toEqual([{ ruleId: 'test-token', path: 'src/app.txt', line: 1, column: 3, commit: c1 }]);
    expect(code).toBe(1);
  });

  it('a commit whose tree is missing is reported, and the scan goes on past it; its child is read whole', async () => {
    const r = Repo.init();
    r.write('a.txt', `a=${S1}\n`);
    const c1 = r.commitAll('one');
    r.write('b.txt', `b=${S2}\n`);
    const c2 = r.commitAll('two');
    r.write('c.txt', `c=${S3}\n`);
    const c3 = r.commitAll('three');
    r.write('d.txt', 'd=tok_ddddddddddddddd4\n');
    const c4 = r.commitAll('four');
    const tree = r.git('rev-parse', `${c2}^{tree}`).trim();
    r.dropObject(tree);
    const { code, report } = await history(r);
    // c2 cannot be read; c3 cannot be compared with it, so all c3 holds is scanned (b.txt's secret
    // is first seen there); c4 is compared with c3 as usual; a.txt's secret stays at c1.
    expect(where(report.findings)).toEqual([
      { ruleId: 'test-token', path: 'a.txt', line: 1, column: 3, commit: c1 },
      { ruleId: 'test-token', path: 'b.txt', line: 1, column: 3, commit: c3 },
      { ruleId: 'test-token', path: 'c.txt', line: 1, column: 3, commit: c3 },
      { ruleId: 'test-token', path: 'd.txt', line: 1, column: 3, commit: c4 },
    ]);
    expect(report.errors).toEqual([{ path: '(git log)', message: `commit ${c2}: unable to read tree ${tree}: its changes were not scanned` }]);
    expect(code).toBe(2);
  });

  it('exits 2 naming an unknown revision, and outside a repository', async () => {
    const r = Repo.init();
    r.write('a.txt', 'a\n');
    r.commitAll('one');
    let res = await spillguard(['git', '--config', cfg, 'no-such-branch'], r.dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown revision: no-such-branch');
    res = await spillguard(['git', '--config', cfg, '--since', 'no-such-base'], r.dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown revision: no-such-base\n');
    const dir = tmpdir();
    res = await spillguard(['git', '--config', cfg], dir, { spawn: true });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`not a git repository: ${dir}`);
  });

  it('on its own, starts git before parsing the command line, and reports what the parsed path reports', async () => {
    // `spillguard git` exactly takes the early start (cli/main.ts): git lists and reads blobs while
    // the engine loads, more of them than may be asked at once (the log pauses and resumes).
    const r = Repo.init();
    const n = 700;
    for (let i = 0; i < n; i++) r.write(`f/${i}.txt`, i === 650 ? `k=${S1}\n` : `line ${i}\n`);
    const c1 = r.commitAll('many');
    r.write('f/3.txt', `x\nk=${S2}\n`);
    const c2 = r.commitAll('edit');
    fs.copyFileSync(cfg, path.join(r.dir, '.spillguard.toml')); // untracked: found at the top, not in history
    const alone = await spillguard(['git'], r.dir, { spawn: true });
    const parsed = await spillguard(['git', '-f', 'json'], r.dir, { spawn: true });
    expect(where(parseReport(parsed).findings)).toEqual([
      { ruleId: 'test-token', path: 'f/650.txt', line: 1, column: 3, commit: c1 },
      { ruleId: 'test-token', path: 'f/3.txt', line: 2, column: 3, commit: c2 },
    ]);
    expect(parseReport(parsed).summary.files).toBe(n + 1);
    expect(alone.code).toBe(1);
    expect(alone.stdout).toContain(`f/650.txt:1:3`);
    expect(alone.stdout).toContain(`f/3.txt:2:3`);
    expect(alone.stdout).toContain(`2 findings`);
    expect(alone.stdout).toContain(`in ${n + 1} files`);

    // A config error ends it at once: exit 2, and git is stopped rather than waited for.
    fs.writeFileSync(path.join(r.dir, '.spillguard.toml'), '[[rules]]\nid = \n');
    const bad = await spillguard(['git'], r.dir, { spawn: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('.spillguard.toml:2: invalid TOML');
  });

  it('builds revision lists, refusing options passed as revisions', () => {
    expect(historyRevs({})).toEqual(['--all']);
    expect(historyRevs({ since: 'main' })).toEqual(['HEAD', '^main']);
    expect(historyRevs({ revs: ['a', 'b'], since: 'main' })).toEqual(['a', 'b', '^main']);
    expect(historyRevs({ revs: ['x', '--not', '--remotes'], since: 'm' })).toEqual(['x', '^m', '--not', '--remotes']);
    expect(() => historyRevs({ revs: ['--output=/tmp/x'] })).toThrow(/not a revision/);
    expect(() => historyRevs({ since: '-p' })).toThrow(/not a revision/);
  });

  it('finds nothing in a repository without commits', async () => {
    const r = Repo.init();
    const { code, report } = await history(r);
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
  });
});
