import { describe, expect, it } from 'vitest';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { BIN, cli, normalise, REPO } from './helpers/cli.js';
import { TOK_RULE } from './helpers/rules.js';

// A copy outside any git repository: in this repository its files are all tracked, and .gitignore
// does not apply to tracked files (see the test on tracked files below).
const BASIC = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-basic-')), 'fixtures/scan/basic/input');
fs.cpSync(path.join(REPO, 'fixtures/scan/basic/input'), BASIC, { recursive: true });
const EXPECTED = path.join(REPO, 'fixtures/scan/basic/expected');
const RAW = ['tok_fake0000fake0001', 'tok_fake0000fake0003', 'Fake-Pass-1234'];

describe('spillguard scan on fixtures/scan/basic', () => {
  for (const fmt of ['text', 'json', 'jsonl', 'sarif', 'junit', 'gitlab'] as const) {
    it(`--format ${fmt} matches the expected output exactly`, async () => {
      const r = cli(['scan', '--max-file-size', '1KB', '--format', fmt], { cwd: BASIC });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const ext = { text: 'txt', json: 'json', jsonl: 'jsonl', sarif: 'sarif', junit: 'junit.xml', gitlab: 'gitlab.json' }[fmt];
      await expect(normalise(r.stdout)).toMatchFileSnapshot(path.join(EXPECTED, `scan.${ext}`));
      for (const raw of RAW) expect(r.stdout).not.toContain(raw);
    });
  }

  it('lists skipped files with reasons in JSON and counts them in the summary', () => {
    const r = cli(['scan', '--max-file-size', '1KB', '--format', 'json'], { cwd: BASIC });
    const doc = JSON.parse(r.stdout);
    expect(doc.skipped).toEqual([
      { path: 'image.bin', reason: 'binary file' },
      { path: 'large.txt', reason: 'larger than --max-file-size (2022 > 1024 bytes)' },
    ]);
    expect(doc.summary.skipped).toBe(2);
  });

  it('honours .gitignore and .spillguardignore, and --no-gitignore brings ignored files back', () => {
    const paths = (args: string[]) =>
      JSON.parse(cli(['scan', '--format', 'json', ...args], { cwd: BASIC }).stdout).findings.map((f: { path: string }) => f.path);
    expect(paths([])).not.toContain('ignored/secret.txt');
    expect(paths([])).not.toContain('vendor/lib.js');
    expect(paths(['--no-gitignore'])).toContain('ignored/secret.txt');
    expect(paths(['--no-gitignore'])).not.toContain('vendor/lib.js');
  });

  it('.gitignore does not hide files git tracks (as in git); .spillguardignore still does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-tracked-'));
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=dev@example.invalid', '-c', 'user.name=Dev', ...a], { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    const w = (f: string, t: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), t);
    };
    w('.spillguard.toml', `[extend]\nuseDefault = false\n${TOK_RULE}`);
    w('.gitignore', '*.env\ndist/\n');
    w('.spillguardignore', 'vendored.env\n');
    w('config.env', 'x\nTOKEN=tok_fake0000trak0001\n');
    w('vendored.env', 'TOKEN=tok_fake0000trak0002\n');
    w('dist/app.js', 'k = "tok_fake0000trak0003"\n');
    git('add', '.');
    git('add', '-f', 'config.env', 'vendored.env', 'dist/app.js');
    git('commit', '-qm', 'tracked despite .gitignore');
    // Untracked and ignored: not scanned, as before.
    w('local.env', 'TOKEN=tok_fake0000trak0004\n');
    w('dist/untracked.js', 'k = "tok_fake0000trak0005"\n');
    const r = cli(['scan', '--format', 'json'], { cwd: dir });
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: Record<string, unknown>) => [f.ruleId, f.path, f.line, f.column])).toEqual([
      ['test-token', 'config.env', 2, 7],
      ['test-token', 'dist/app.js', 1, 6],
    ]);
    expect(r.code).toBe(1);
    // A sub-folder with its own .gitignore, scanned by name: git lists its files relative to it.
    w('pkg/.gitignore', 'secret.txt\n');
    w('pkg/secret.txt', 'tok_fake0000trak0006\n');
    git('add', '-f', 'pkg');
    w('pkg/other.txt', 'tok_fake0000trak0007\n');
    fs.appendFileSync(path.join(dir, 'pkg/.gitignore'), 'other.txt\n');
    const sub = JSON.parse(cli(['scan', 'pkg', '--format', 'json'], { cwd: dir }).stdout);
    expect(sub.findings.map((f: Record<string, unknown>) => [f.path, f.line, f.column])).toEqual([['pkg/secret.txt', 1, 1]]);
  });

  it('a sub-folder of a work tree: the ignore files of the folders above apply, up to the top (as in git)', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-above-')));
    const top = path.join(dir, 'repo');
    fs.mkdirSync(top);
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=dev@example.invalid', '-c', 'user.name=Dev', ...a], { cwd: top, stdio: 'pipe' });
    git('init', '-q');
    const w = (f: string, t: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), t);
    };
    const config = path.join(dir, 'tok.toml');
    w('tok.toml', `[extend]\nuseDefault = false\n${TOK_RULE}`);
    // Outside the work tree: not a folder above it that counts.
    w('.gitignore', 'kept-outside.txt\n');
    // Patterns are relative to their own folder: /build is repo/build, not repo/pkg/build.
    w('repo/.gitignore', '/build\n/pkg/gen\n*.log\nnode_modules\n');
    w('repo/.spillguardignore', 'fixtures/\n');
    w('repo/pkg/.gitignore', 'deep/tmp/\n');
    w('repo/pkg/app.txt', 'tok_fake0000abov0001\n');
    w('repo/pkg/build/out.txt', 'tok_fake0000abov0002\n');
    w('repo/pkg/gen/out.txt', 'tok_fake0000abov0003\n');
    w('repo/pkg/deep/run.log', 'tok_fake0000abov0004\n');
    w('repo/pkg/deep/tmp/x.txt', 'tok_fake0000abov0005\n');
    w('repo/pkg/deep/node_modules/m/x.txt', 'tok_fake0000abov0006\n');
    w('repo/pkg/deep/fixtures/keys.txt', 'tok_fake0000abov0007\n');
    w('repo/pkg/deep/kept-outside.txt', 'tok_fake0000abov0008\n');
    w('repo/pkg/tracked.log', 'tok_fake0000abov0009\n');
    w('repo/pkg/deep/fixtures/tracked.txt', 'tok_fake0000abov0010\n');
    git('add', '.');
    git('add', '-f', 'pkg/tracked.log', 'pkg/deep/fixtures/tracked.txt');
    git('commit', '-qm', 'one');
    const found = (cwd: string, args: string[]) => {
      const r = cli(['scan', '--config', config, '--format', 'json', ...args], { cwd });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout).findings.map((f: { path: string }) => f.path);
    };
    // What `scan .` at the top finds under pkg/, the same from the top, from pkg/ and from pkg/deep:
    // a tracked file that a .gitignore lists is scanned, one that a .spillguardignore lists is not.
    const atTop = ['pkg/app.txt', 'pkg/build/out.txt', 'pkg/deep/kept-outside.txt', 'pkg/tracked.log'];
    expect(found(top, ['.'])).toEqual(atTop);
    expect(found(top, ['pkg'])).toEqual(atTop);
    expect(found(path.join(top, 'pkg'), ['.'])).toEqual(atTop.map((p) => p.slice('pkg/'.length)));
    expect(found(path.join(top, 'pkg/deep'), ['.'])).toEqual(['kept-outside.txt']);
    // --no-gitignore: the .spillguardignore above still applies.
    expect(found(path.join(top, 'pkg/deep'), ['.', '--no-gitignore'])).toEqual(['kept-outside.txt', 'node_modules/m/x.txt', 'run.log', 'tmp/x.txt']);
    // A folder named on the command line is scanned even if a folder above ignores it, as a named file is.
    expect(found(top, ['pkg/gen', 'pkg/deep/fixtures'])).toEqual(['pkg/deep/fixtures/keys.txt', 'pkg/deep/fixtures/tracked.txt', 'pkg/gen/out.txt']);
    // Outside a work tree, only the scanned folder's own ignore files count.
    w('plain/.gitignore', '*.log\n');
    w('plain/sub/a.log', 'tok_fake0000abov0011\n');
    expect(found(path.join(dir, 'plain/sub'), ['.'])).toEqual(['a.log']);
  });

  it('from a sub-folder of a work tree, SARIF and GitLab paths are from the repository root; text and JSON from the working directory', () => {
    const top = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-sarif-sub-')));
    execFileSync('git', ['init', '-q'], { cwd: top });
    const pkg = path.join(top, 'packages', 'wéb app');
    fs.mkdirSync(path.join(pkg, 'src'), { recursive: true });
    fs.mkdirSync(path.join(top, 'shared'));
    const config = path.join(top, 'tok.toml');
    fs.writeFileSync(config, `[extend]\nuseDefault = false\n${TOK_RULE}`);
    fs.writeFileSync(path.join(pkg, 'src/a#1.js'), 'k = "tok_fake0000subf0001"\n');
    fs.writeFileSync(path.join(top, 'shared/b.js'), 'k = "tok_fake0000subf0002"\n');
    const run = (fmt: string) => {
      const r = cli(['scan', '--config', config, '-f', fmt, '.', '../../shared'], { cwd: pkg });
      expect(r.code).toBe(1);
      return r.stdout;
    };
    const sarif = JSON.parse(run('sarif')).runs[0];
    expect(sarif.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: `file://${top}/` } });
    expect(sarif.results.map((x: { locations: { physicalLocation: { artifactLocation: unknown } }[] }) => x.locations[0].physicalLocation.artifactLocation)).toEqual([
      { uri: 'shared/b.js', uriBaseId: '%SRCROOT%' },
      { uri: 'packages/w%C3%A9b%20app/src/a%231.js', uriBaseId: '%SRCROOT%' },
    ]);
    const gitlab = JSON.parse(run('gitlab')).vulnerabilities;
    expect(gitlab.map((v: { location: { file: string } }) => v.location.file)).toEqual(['shared/b.js', 'packages/wéb app/src/a#1.js']);
    // For people and scripts: as typed, from the working directory (a path outside it in full).
    const json = JSON.parse(run('json')).findings;
    expect(json.map((f: { path: string }) => f.path)).toEqual([path.join(top, 'shared/b.js'), 'src/a#1.js']);
    expect(run('text').split('\n').filter((l) => l.includes('test-token')).map((l) => l.split(' ')[0])).toEqual([`${top}/shared/b.js:1:6`, 'src/a#1.js:1:6']);
    // The fingerprints, which baselines match, are the same in every format.
    expect(sarif.results.map((x: { partialFingerprints: Record<string, string> }) => x.partialFingerprints['spillguard/v1']).sort()).toEqual(
      json.map((f: { fingerprint: string }) => f.fingerprint).sort(),
    );
  });

  it("from a sub-folder of a work tree without a config of its own, warns that the top's .spillguard.toml is not applied", () => {
    const top = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-cfg-above-')));
    execFileSync('git', ['init', '-q'], { cwd: top });
    fs.writeFileSync(path.join(top, '.spillguard.toml'), `[extend]\nuseDefault = false\n${TOK_RULE}`);
    fs.mkdirSync(path.join(top, 'pkg/deep'), { recursive: true });
    fs.writeFileSync(path.join(top, 'pkg/deep/a.txt'), 'k = "tok_fake0000cfga0001"\n');
    const deep = cli(['scan', '-f', 'json'], { cwd: path.join(top, 'pkg/deep') });
    expect(deep.stderr).toBe(
      'spillguard: warning: ../../.spillguard.toml is not applied: the configuration is read from the working directory only, and there is none here; run from ../.., or pass --config ../../.spillguard.toml (its allowlist paths then match paths as reported from here)\n',
    );
    // No warning with --config, at the top, or where the folder has its own.
    expect(cli(['scan', '-f', 'json', '--config', '../../.spillguard.toml'], { cwd: path.join(top, 'pkg/deep') }).stderr).toBe('');
    const atTop = cli(['scan', '-f', 'json', 'pkg'], { cwd: top });
    expect([atTop.stderr, JSON.parse(atTop.stdout).findings.map((f: { path: string }) => f.path)]).toEqual(['', ['pkg/deep/a.txt']]);
    fs.writeFileSync(path.join(top, 'pkg/.spillguard.toml'), `[extend]\nuseDefault = false\n${TOK_RULE}`);
    expect(cli(['scan', '-f', 'json'], { cwd: path.join(top, 'pkg') }).stderr).toBe('');
  });

  it('a name starting with two dots (..env, ..pkg/) is inside the folder: reported relative, ignore files above apply', () => {
    const top = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-dots-')));
    execFileSync('git', ['init', '-q'], { cwd: top });
    const config = path.join(top, 'tok.toml');
    fs.writeFileSync(config, `[extend]\nuseDefault = false\n${TOK_RULE}`);
    fs.writeFileSync(path.join(top, '.gitignore'), '*.log\n');
    fs.mkdirSync(path.join(top, '..pkg'));
    fs.writeFileSync(path.join(top, '..env'), 'k = "tok_fake0000dots0001"\n');
    fs.writeFileSync(path.join(top, '..pkg/a.txt'), 'k = "tok_fake0000dots0002"\n');
    fs.writeFileSync(path.join(top, '..pkg/x.log'), 'k = "tok_fake0000dots0003"\n');
    fs.symlinkSync('..env', path.join(top, 'link'));
    const json = (args: string[], cwd = top) => JSON.parse(cli(['scan', '--config', config, '-f', 'json', ...args], { cwd }).stdout);
    const all = json(['.']);
    expect(all.findings.map((f: { path: string }) => f.path)).toEqual(['..env', '..pkg/a.txt']);
    expect(all.skipped).toEqual([{ path: 'link', reason: 'symbolic link (not followed; its target inside the root is scanned directly)' }]);
    expect(json(['..pkg']).findings.map((f: { path: string }) => f.path)).toEqual(['..pkg/a.txt']);
    const sarif = JSON.parse(cli(['scan', '--config', config, '-f', 'sarif'], { cwd: path.join(top, '..pkg') }).stdout).runs[0];
    expect(sarif.results.map((x: { locations: { physicalLocation: { artifactLocation: unknown } }[] }) => x.locations[0].physicalLocation.artifactLocation)).toEqual([
      { uri: '..pkg/a.txt', uriBaseId: '%SRCROOT%' },
    ]);
  });

  it('--include and --exclude select paths by glob', () => {
    const paths = (args: string[]) =>
      [...new Set(JSON.parse(cli(['scan', '--format', 'json', ...args], { cwd: BASIC }).stdout).findings.map((f: { path: string }) => f.path))];
    expect(paths(['--include', 'src/**'])).toEqual(['src/app.js']);
    expect(paths(['--exclude', 'src/**'])).toEqual(['config/settings.yml', 'large.txt']);
    // A glob without a slash matches a name at any depth, as in .gitignore and ripgrep's -g.
    expect(paths(['--exclude', '*.js'])).toEqual(['config/settings.yml', 'large.txt']);
    expect(paths(['--include', '*.yml'])).toEqual(['config/settings.yml']);
    expect(paths(['--include', 'settings.yml'])).toEqual(['config/settings.yml']);
    // With a slash it stays anchored where it is written.
    expect(paths(['--include', '/*.yml'])).toEqual([]);
    expect(paths(['--include', '/*.txt'])).toEqual(['large.txt']);
    expect(paths(['--include', 'config/*.yml'])).toEqual(['config/settings.yml']);
  });

  it('--show-secrets prints raw values, and only then', () => {
    const r = cli(['scan', 'src', '--show-secrets'], { cwd: BASIC });
    expect(r.stdout).toContain('tok_fake0000fake0001');
  });

  it('colour: FORCE_COLOR=0 or false turns it off, as in Node; FORCE_COLOR=1 or --color turns it on; NO_COLOR wins over FORCE_COLOR', () => {
    const first = (env: Record<string, string>, args: string[] = []) => cli(['scan', 'src/app.js', ...args], { cwd: BASIC, env: { NO_COLOR: '', ...env } }).stdout.split('\n')[0];
    const plain = 'src/app.js:2:11  high  test-token  tok_*****';
    const painted = '\x1b[1msrc/app.js:2:11\x1b[0m  \x1b[31mhigh\x1b[0m  test-token  tok_*****';
    expect(first({})).toBe(plain);
    expect(first({ FORCE_COLOR: '0' })).toBe(plain);
    expect(first({ FORCE_COLOR: 'false' })).toBe(plain);
    expect(first({ FORCE_COLOR: '1' })).toBe(painted);
    expect(first({ FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(plain);
    expect(first({ FORCE_COLOR: '0' }, ['--color'])).toBe(painted);
  });

  it('--output writes the report to a file and prints nothing', () => {
    const out = path.join(fs.mkdtempSync(path.join(REPO, 'node_modules/.sg-test-')), 'r.json');
    const r = cli(['scan', 'src', '--format', 'json', '--output', out], { cwd: BASIC });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).summary.findings).toBe(2);
  });

  it('--output that cannot be written: exit 2, the reason, and no temporary file name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-out-'));
    fs.writeFileSync(path.join(dir, 'file'), '');
    fs.mkdirSync(path.join(dir, 'folder'));
    const err = (out: string) => cli(['scan', 'src', '-o', out], { cwd: BASIC });
    expect(err(path.join(dir, 'nope/r.txt'))).toEqual({ code: 2, stdout: '', stderr: `spillguard: error: ${dir}/nope/r.txt: flag --output: cannot write: no such file or directory\n` });
    expect(err(path.join(dir, 'file/r.txt'))).toEqual({ code: 2, stdout: '', stderr: `spillguard: error: ${dir}/file/r.txt: flag --output: cannot write: not a directory\n` });
    expect(err(path.join(dir, 'folder'))).toEqual({ code: 2, stdout: '', stderr: `spillguard: error: ${dir}/folder: flag --output: cannot write: is a directory\n` });
    expect(fs.readdirSync(path.join(dir, 'folder'))).toEqual([]);
  });

  it('--output still tells the terminal what could not be read (exit 2 was silent)', () => {
    const out = path.join(os.tmpdir(), `sg-out-${process.pid}.txt`);
    try {
      expect(cli(['scan', 'nosuch', '-o', out], { cwd: BASIC })).toEqual({ code: 2, stdout: '', stderr: 'spillguard: error: nosuch: no such file or directory\n' });
      expect(fs.readFileSync(out, 'utf8')).toMatch(/^error: nosuch: no such file or directory$/m);
    } finally {
      fs.rmSync(out, { force: true });
    }
  });

  it('--output writes into a FIFO or a device instead of replacing it, and through a symbolic link', async () => {
    // The report was renamed into place: `-o /dev/null` turned the machine's /dev/null into a file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-out-'));
    const fifo = path.join(dir, 'report.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const read = new Promise<string>((resolve, reject) => {
      let text = '';
      fs.createReadStream(fifo, 'utf8').on('data', (d) => (text += d)).on('end', () => resolve(text)).on('error', reject);
    });
    const child = spawn(process.execPath, [BIN, 'scan', '--max-file-size', '1KB', '--format', 'json', '-o', fifo], { cwd: BASIC, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(JSON.parse(await read).findings).toHaveLength(3);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);

    fs.writeFileSync(path.join(dir, 'real.json'), 'old');
    fs.symlinkSync('real.json', path.join(dir, 'link.json'));
    expect(cli(['scan', '--max-file-size', '1KB', '--format', 'json', '-o', path.join(dir, 'link.json')], { cwd: BASIC }).code).toBe(1);
    expect(fs.lstatSync(path.join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'real.json'), 'utf8')).findings).toHaveLength(3);
    expect(fs.readdirSync(dir).sort()).toEqual(['link.json', 'real.json', 'report.fifo']);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 20_000);
});

describe('spillguard scan from standard input', () => {
  it('scans - with --stdin-name as the reported path', () => {
    const r = cli(['scan', '-', '--stdin-name', 'build.log', '--format', 'json', '--config', path.join(BASIC, '.spillguard.toml')], {
      input: 'line one\r\nexport TOKEN=tok_fake0000fake0004\r\n',
    });
    expect(r.code).toBe(1);
    const f = JSON.parse(r.stdout).findings;
    expect(f.map((x: Record<string, unknown>) => [x.ruleId, x.path, x.line, x.column, x.secret])).toEqual([
      ['test-token', 'build.log', 2, 14, 'tok_*****'],
    ]);
  });

  it('finds a token printed in colour, at its own column (CI logs keep the escape sequences)', () => {
    const input = '\x1b[32mok\x1b[0m\n\x1b[1mTOKEN\x1b[0m=\x1b[1;33mtok_fake0000fake0005\x1b[0m\r\n\x1b]0;title\x07tok_fake0000fake0006\n';
    const r = cli(['scan', '-', '--format', 'json', '--config', path.join(BASIC, '.spillguard.toml')], { input });
    expect(r.code).toBe(1);
    const f = JSON.parse(r.stdout).findings;
    expect(f.map((x: Record<string, unknown>) => [x.ruleId, x.line, x.column])).toEqual([
      ['test-token', 2, 22],
      ['test-token', 3, 11],
    ]);
  });

  it('reads UTF-16 input (PowerShell, Windows tools) as a file scan does, with or without a byte-order mark', () => {
    const text = 'first line\r\n$env:TOKEN = "tok_fake0000fake0007"\r\n';
    const rows = (input: Buffer) => {
      const r = cli(['scan', '-', '--format', 'json', '--config', path.join(BASIC, '.spillguard.toml')], { input });
      expect(r.code).toBe(1);
      return JSON.parse(r.stdout).findings.map((x: Record<string, unknown>) => [x.ruleId, x.line, x.column]);
    };
    const le = Buffer.from(text, 'utf16le');
    expect(rows(Buffer.concat([Buffer.from([0xff, 0xfe]), le]))).toEqual([['test-token', 2, 15]]);
    expect(rows(le)).toEqual([['test-token', 2, 15]]);
    expect(rows(Buffer.from(le).swap16())).toEqual([['test-token', 2, 15]]);
  });

  it('exits 0 with a clean summary when nothing is found', () => {
    const r = cli(['scan', '--stdin', '--config', path.join(BASIC, '.spillguard.toml')], { input: 'nothing here\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no findings in 1 file (13 B), 0 suppressed, 0 skipped, 0 errors\n');
  });
});

describe('paths on the command line are never dropped', () => {
  const summary = (r: { stdout: string }) => r.stdout.trim().split('\n').pop();

  it('after --include/--exclude (one value each; repeat the flag for more), and after --', () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-empty-'));
    try {
      // (The fixture's own config is not loaded from elsewhere: the built-in rules find one secret.)
      expect(summary(cli(['scan', '--exclude', '**/*.md', BASIC], { cwd: elsewhere }))).toBe('1 finding (1 high) in 6 files (2.9 KB), 0 suppressed, 1 skipped, 0 errors');
      expect(summary(cli(['scan', '--include', '**/*.js', '--include', '**/*.yml', BASIC], { cwd: elsewhere }))).toBe(
        '1 finding (1 high) in 2 files (267 B), 0 suppressed, 0 skipped, 0 errors',
      );
      expect(summary(cli(['scan', '--', BASIC], { cwd: elsewhere }))).toBe('1 finding (1 high) in 7 files (2.9 KB), 0 suppressed, 1 skipped, 0 errors');
      expect(summary(cli(['scan', '--', 'nosuch'], { cwd: elsewhere }))).toBe('no findings in 0 files (0 B), 0 suppressed, 0 skipped, 1 error');
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('standard input and paths together are an error, not a scan of standard input alone', () => {
    const msg = `spillguard: error: flag --stdin: standard input (- or --stdin) cannot be scanned together with paths (${BASIC}): run spillguard twice\n`;
    expect(cli(['scan', BASIC, '-'], { input: 'hi' })).toEqual({ code: 2, stdout: '', stderr: msg });
    expect(cli(['scan', '--stdin', BASIC], { input: 'hi' })).toEqual({ code: 2, stdout: '', stderr: msg });
  });

  it('a flag that takes a value must get one (--max-file-size alone was taken as absent)', () => {
    const usage = (flag: string) => ({ code: 2, stdout: '', stderr: `spillguard: flag ${flag} needs a value\n\nRun \`spillguard --help\` for usage.\n` });
    expect(cli(['scan', BASIC, '--max-file-size'])).toEqual(usage('--max-file-size'));
    expect(cli(['scan', '--stdin-name', '--stdin'], { input: 'x' })).toEqual(usage('--stdin-name'));
    expect(cli(['scan', BASIC, '-o'])).toEqual(usage('-o'));
    expect(cli(['redact', BASIC, '--out'])).toEqual(usage('--out'));
  });

  it('a one-value flag given twice is a usage error naming it (it was an internal error, or one of the two silently)', () => {
    const usage = (flag: string) => ({ code: 2, stdout: '', stderr: `spillguard: flag ${flag} given more than once: it takes one value\n\nRun \`spillguard --help\` for usage.\n` });
    expect(cli(['scan', BASIC, '--config', 'a.toml', '--config', 'b.toml'])).toEqual(usage('--config'));
    expect(cli(['scan', BASIC, '-o', 'a', '-o', 'b'])).toEqual(usage('--output'));
    expect(cli(['scan', BASIC, '-f', 'json', '--format', 'text'])).toEqual(usage('--format'));
    expect(cli(['scan', BASIC, '--min-confidence', 'low', '--min-confidence', 'high'])).toEqual(usage('--min-confidence'));
    expect(cli(['scan', BASIC, '--workers', '1', '--workers', '2'])).toEqual(usage('--workers'));
    expect(cli(['staged', '--baseline', 'a', '--baseline', 'b'])).toEqual(usage('--baseline'));
    expect(cli(['git', '--since', 'HEAD', '--since', 'HEAD~1'])).toEqual(usage('--since'));
    expect(cli(['ci', '--base', 'HEAD', '--base', 'HEAD'])).toEqual(usage('--base'));
    expect(cli(['ci', '--category', 'a', '--category', 'b'])).toEqual(usage('--category'));
    // Flags that take several values, one per use, still do.
    const found = cli(['scan', '--format', 'json', '--exclude', 'src/**', '--exclude', 'config/**'], { cwd: BASIC });
    expect(JSON.parse(found.stdout).findings.map((f: { path: string }) => f.path)).toEqual(['large.txt']);
  });

  it('an empty value for a one-value flag is a usage error naming it (--config "$UNSET" quietly read the default config)', () => {
    const usage = (flag: string) => ({ code: 2, stdout: '', stderr: `spillguard: flag ${flag} has an empty value (an unset variable?)\n\nRun \`spillguard --help\` for usage.\n` });
    expect(cli(['scan', BASIC, '--config', ''])).toEqual(usage('--config'));
    expect(cli(['scan', BASIC, '-o', ''])).toEqual(usage('--output'));
    expect(cli(['staged', '--baseline', ''])).toEqual(usage('--baseline'));
    expect(cli(['redact', BASIC, '--out', ''])).toEqual(usage('--out'));
  });

  it('a command without a list of paths says so when given some after --', () => {
    expect(cli(['staged', '--', 'x'])).toEqual({ code: 2, stdout: '', stderr: 'spillguard: spillguard staged takes nothing after --\n\nRun `spillguard --help` for usage.\n' });
  });
});

describe('the worker pool', () => {
  it('finds exactly what the main thread alone finds, in the same order, with the main thread scanning too', () => {
    const dir = fs.mkdtempSync(path.join(REPO, 'node_modules/.sg-test-'));
    fs.writeFileSync(path.join(dir, '.spillguard.toml'), `[extend]\nuseDefault = false\n${TOK_RULE}`);
    // 12 files of ~0.8 MB (above the pool's 4 MB threshold), a token at a known line in each.
    for (let i = 0; i < 12; i++) {
      const lines = Array.from({ length: 12000 }, (_, l) => (l === 100 + i * 37 ? `key = tok_fake0000fake${String(1000 + i).padStart(4, '0')}` : `line ${l} of file ${i} with some filler text to pass the size threshold`));
      fs.writeFileSync(path.join(dir, `f${String(i).padStart(2, '0')}.txt`), lines.join('\n'));
    }
    const run = (workers: string) => {
      const r = cli(['scan', '.', '--format', 'json', '--workers', workers], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      delete doc.summary.durationMs;
      return doc;
    };
    const single = run('0');
    expect(single.findings.map((f: { path: string; line: number; column: number }) => [f.path, f.line, f.column])).toEqual(
      Array.from({ length: 12 }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, 101 + i * 37, 7]),
    );
    expect(run('1')).toEqual(single);
    expect(run('3')).toEqual(single);
  });

  it('--workers must be a whole number from 0 to 64, for scan and redact alike (1e9 once started a billion threads)', () => {
    const out = (args: string[]) => {
      const r = cli(args, { cwd: REPO });
      return [r.code, r.stdout, r.stderr];
    };
    expect(out(['scan', 'fixtures/scan/basic', '--workers', '1e9'])).toEqual([2, '', 'spillguard: error: flag --workers: must be a whole number from 0 to 64 (got 1000000000)\n']);
    expect(out(['scan', 'fixtures/scan/basic', '--workers', '1.5'])).toEqual([2, '', 'spillguard: error: flag --workers: must be a whole number from 0 to 64 (got 1.5)\n']);
    expect(out(['scan', 'fixtures/scan/basic', '--workers', 'two'])).toEqual([2, '', 'spillguard: error: flag --workers: must be a whole number from 0 to 64 (got something else)\n']);
    expect(out(['redact', 'README.md', '--out', 'node_modules/.sg-never', '--workers', '-1'])).toEqual([2, '', 'spillguard: error: flag --workers: must be a whole number from 0 to 64 (got -1)\n']);
    expect(fs.existsSync(path.join(REPO, 'node_modules/.sg-never'))).toBe(false);
  });
});

describe('a reader that goes away (`spillguard … | head`)', () => {
  // Exit as a pipeline's writer killed by SIGPIPE does (128 + 13), without Node's EPIPE stack trace.
  const closedReader = async (args: string[], opts: { cwd?: string; input?: string } = {}) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    return { code, stderr };
  };

  it('scan stops quietly with 141', async () => {
    expect(await closedReader(['scan', '--max-file-size', '1KB', '--format', 'json'], { cwd: BASIC })).toEqual({ code: 141, stderr: '' });
  }, 20_000);

  it('redact --stdin stops quietly with 141', async () => {
    const input = 'line with tok_fake0000fake0001 in it\n'.repeat(20000);
    expect(await closedReader(['redact', '--stdin', '--format', 'text', '--config', path.join(BASIC, '.spillguard.toml')], { input })).toEqual({ code: 141, stderr: '' });
  }, 20_000);
});
