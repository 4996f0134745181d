import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectCi } from '../src/cli/ci-env.js';
import { cli, normalise, REPO } from './helpers/cli.js';

const CONFIG = `[extend]\nuseDefault = false\n[[rules]]\nid = "test-token"\ndescription = "Test token"\nregex = '''\\b(tok_[a-z0-9]{16})\\b'''\nkeywords = ["tok_"]\n`;
const NO_CI = { CI: '', GITHUB_ACTIONS: '', GITLAB_CI: '', GITHUB_EVENT_NAME: '', GITHUB_BASE_REF: '', CI_MERGE_REQUEST_DIFF_BASE_SHA: '' };

describe('CI detection from the environment', () => {
  it('GitHub Actions pull request, push; GitLab merge request, branch; generic; none; --base wins', () => {
    expect(detectCi({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' })).toEqual({
      provider: 'github', event: 'pull_request', base: 'origin/main', baseSource: 'GITHUB_BASE_REF',
    });
    expect(detectCi({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_BASE_REF: '' })).toEqual({ provider: 'github', event: 'push' });
    expect(detectCi({ GITLAB_CI: 'true', CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_DIFF_BASE_SHA: 'abc123' })).toEqual({
      provider: 'gitlab', event: 'merge_request_event', base: 'abc123', baseSource: 'CI_MERGE_REQUEST_DIFF_BASE_SHA',
    });
    expect(detectCi({ GITLAB_CI: 'true', CI_PIPELINE_SOURCE: 'push' })).toEqual({ provider: 'gitlab', event: 'push' });
    expect(detectCi({ CI: 'true' })).toEqual({ provider: 'generic' });
    expect(detectCi({ CI: 'false' })).toEqual({ provider: 'none' });
    expect(detectCi({}, 'v1.0')).toEqual({ provider: 'none', base: 'v1.0', baseSource: '--base' });
  });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** A repository whose main branch (as origin/main) holds an old secret; the PR branch adds one more. */
function prRepo(): { dir: string; base: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-ci-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'dev@example.invalid');
  git(dir, 'config', 'user.name', 'Dev');
  fs.writeFileSync(path.join(dir, '.spillguard.toml'), CONFIG);
  fs.writeFileSync(path.join(dir, 'old.js'), 'const old = "tok_fake0000old00001";\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  const base = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'update-ref', 'refs/remotes/origin/main', base);
  git(dir, 'checkout', '-qb', 'feature');
  fs.writeFileSync(path.join(dir, 'new.js'), '// feature\nconst added = "tok_fake0000new00001";\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'feature');
  return { dir, base };
}

describe('spillguard ci', () => {
  it('without CI: scans the tree, text to stdout', () => {
    const { dir } = prRepo();
    const r = cli(['ci'], { cwd: dir, env: NO_CI });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.includes('test-token'))).toEqual([
      'new.js:2:16  high  test-token  tok_*****',
      'old.js:1:14  high  test-token  tok_*****',
    ]);
    expect(r.stderr).toContain('spillguard: no CI detected, scanning the working tree\n');
  });

  it('without CI in a bare repository: an error, not a "clean" scan of git\'s own files; --base scans its history', () => {
    const { dir, base } = prRepo();
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-ci-bare-'));
    git(bare, 'clone', '-q', '--bare', dir, '.');
    const r = cli(['ci'], { cwd: bare, env: NO_CI });
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      `spillguard: error: needs a work tree (this is a bare repository or a .git folder): ${bare}. To scan its history: spillguard git, or spillguard ci --base <revision>\n`,
    ]);
    // No work tree, so no .spillguard.toml on disk: the job names its config.
    const h = cli(['ci', '--base', base, '--config', path.join(dir, '.spillguard.toml')], { cwd: bare, env: NO_CI });
    expect(h.code).toBe(1);
    expect(h.stdout.split('\n').filter((l) => l.includes('test-token'))).toEqual([`${git(dir, 'rev-parse', 'HEAD').slice(0, 12)}:new.js:2:16  high  test-token  tok_*****`]);
  });

  it('in another CI (CI=true): says so in words, and scans the tree', () => {
    const { dir } = prRepo();
    const r = cli(['ci'], { cwd: dir, env: { ...NO_CI, CI: 'true' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spillguard: CI detected (not GitHub or GitLab: no pull request base known), scanning the working tree\n');
  });

  it('GitHub pull request: only the added commits, SARIF file, annotations', () => {
    const { dir } = prRepo();
    const r = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      '::error file=new.js,line=2,endLine=2,col=16,endColumn=36,title=spillguard%3A test-token::Test token found: tok_***** (introduced in ' +
        git(dir, 'rev-parse', 'HEAD').slice(0, 12) +
        ')\n',
    );
    const sarif = JSON.parse(fs.readFileSync(path.join(dir, 'spillguard.sarif'), 'utf8'));
    const results = sarif.runs[0].results;
    expect(results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }) => [
      x.locations[0].physicalLocation.artifactLocation.uri,
      x.locations[0].physicalLocation.region.startLine,
    ])).toEqual([['new.js', 2]]);
    // Commit data in properties, never in the fingerprint.
    expect(results[0].properties.commit).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(Object.values(results[0].partialFingerprints)).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);
    expect(r.stderr).toContain('scanning commits after origin/main (GITHUB_BASE_REF)');
  });

  it('a pull request that changes what exempts findings (ignore files, config, baseline) is flagged for review: the scan obeys it, and says so', () => {
    const { dir } = prRepo();
    fs.writeFileSync(path.join(dir, '.spillguardignore'), 'new.js\n');
    fs.mkdirSync(path.join(dir, 'pkg'));
    fs.writeFileSync(path.join(dir, 'pkg/.spillguard-baseline.json'), '{"version":1,"entries":[]}\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'hide it');
    const r = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '::warning file=.spillguardignore,title=spillguard%3A exemptions changed::this pull request changes .spillguardignore, which can exempt findings from spillguard: review that change\n' +
        '::warning file=pkg/.spillguard-baseline.json,title=spillguard%3A exemptions changed::this pull request changes pkg/.spillguard-baseline.json, which can exempt findings from spillguard: review that change\n',
    );
    expect(r.stderr.split('\n').filter((l) => l.includes('warning'))).toEqual([
      'spillguard: warning: this pull request changes .spillguardignore, which can exempt findings from spillguard: review that change',
      'spillguard: warning: this pull request changes pkg/.spillguard-baseline.json, which can exempt findings from spillguard: review that change',
    ]);
    // A pull request that leaves them alone gets no such warning.
    expect(cli(['ci'], { cwd: prRepo().dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' } }).stderr).not.toContain('exempt');
  });

  it('GitLab merge request: only the added commits, GitLab report file', () => {
    const { dir, base } = prRepo();
    const r = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITLAB_CI: 'true', CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_DIFF_BASE_SHA: base } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'gl-secret-detection-report.json'), 'utf8'));
    expect(doc.vulnerabilities.map((v: { location: { file: string; start_line: number; commit: { sha: string } } }) => [v.location.file, v.location.start_line, v.location.commit.sha])).toEqual([
      ['new.js', 2, git(dir, 'rev-parse', 'HEAD')],
    ]);
    expect(doc.scan.type).toBe('secret_detection');
    expect(JSON.stringify(doc)).not.toContain('tok_fake0000new00001');
  });

  it('GitHub push: the tree, SARIF file, exit 0 when clean', () => {
    const { dir } = prRepo();
    fs.writeFileSync(path.join(dir, 'new.js'), '// clean\n');
    fs.writeFileSync(path.join(dir, 'old.js'), '// clean\n');
    const r = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(normalise(fs.readFileSync(path.join(dir, 'spillguard.sarif'), 'utf8'))).toContain('"results": []');
  });

  it("a file name with line breaks cannot forge a workflow command on stderr (a pull request's unreadable archive)", () => {
    const { dir } = prRepo();
    fs.writeFileSync(path.join(dir, 'a\n::warning file=x::forged\n.zip'), 'PK\x03\x04not a zip archive at all');
    const r = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push' } });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => !l.startsWith('spillguard: no findings') && !/^spillguard: \d+ finding/.test(l))).toEqual([
      'spillguard: github scanning the working tree',
      'spillguard: wrote sarif report to spillguard.sarif',
      'spillguard: error: "a\\n::warning file=x::forged\\n.zip": cannot read zip archive: no end of central directory record',
      '',
    ]);
    // The same line from scan --output, and from baseline create.
    const line = 'spillguard: error: "a\\n::warning file=x::forged\\n.zip": cannot read zip archive: no end of central directory record\n';
    expect(cli(['scan', '-o', os.devNull], { cwd: dir, env: NO_CI }).stderr).toBe(line);
    expect(cli(['baseline', 'create', '-o', os.devNull], { cwd: dir, env: NO_CI }).stderr).toBe(`${line}spillguard: wrote 2 entries to ${os.devNull}\n`);
  });

  it('GitHub, --format sarif to stdout: the report stays valid JSON, the annotations go to stderr', () => {
    const { dir } = prRepo();
    const r = cli(['ci', '--format', 'sarif'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push' } });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.runs[0].results.length).toBeGreaterThan(0);
    expect(r.stdout).not.toContain('::error');
    expect(r.stderr).toMatch(/^::error file=/m);
  });

  it('applies the repository\'s .spillguard-baseline.json as staged and git do, on a PR and on the tree; --baseline wins', () => {
    const { dir, base } = prRepo();
    // Accepted locally, as a blocked commit suggests: the baseline is created and committed.
    expect(cli(['baseline', 'create'], { cwd: dir, env: NO_CI }).code).toBe(0);
    git(dir, 'add', '.spillguard-baseline.json');
    git(dir, 'commit', '-qm', 'accept');
    const gh = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' } });
    // The pull request itself accepted the finding: it passes, and the reviewer is told where.
    expect([gh.code, gh.stdout]).toEqual([
      0,
      '::warning file=.spillguard-baseline.json,title=spillguard%3A exemptions changed::this pull request changes .spillguard-baseline.json, which can exempt findings from spillguard: review that change\n',
    ]);
    expect(gh.stderr).toContain('spillguard: no findings in 2 files (299 B), 1 suppressed, 0 skipped, 0 errors\n');
    const gl = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITLAB_CI: 'true', CI_MERGE_REQUEST_DIFF_BASE_SHA: base } });
    expect(gl.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'gl-secret-detection-report.json'), 'utf8')).vulnerabilities).toEqual([]);
    const tree = cli(['ci'], { cwd: dir, env: NO_CI });
    expect([tree.code, tree.stdout]).toEqual([0, 'no findings in 6 files (1.7 KB), 2 suppressed, 0 skipped, 0 errors\n']);
    // An explicit --baseline replaces the default one.
    fs.writeFileSync(path.join(dir, 'empty.json'), '{"version": 1, "tool": "spillguard", "entries": []}\n');
    const explicit = cli(['ci', '--baseline', 'empty.json'], { cwd: dir, env: NO_CI });
    expect(explicit.code).toBe(1);
    expect(explicit.stdout.split('\n').filter((l) => l.includes('test-token'))).toEqual([
      'new.js:2:16  high  test-token  tok_*****',
      'old.js:1:14  high  test-token  tok_*****',
    ]);
  });

  it('run from a sub-folder (a monorepo package), the tree scan reports paths from the repository root, as code scanning and GitLab read them', () => {
    const { dir } = prRepo();
    const pkg = path.join(dir, 'packages', 'web app');
    fs.mkdirSync(pkg, { recursive: true });
    // The package's own config: its allowlist path is relative to the package, as before.
    fs.writeFileSync(path.join(pkg, '.spillguard.toml'), `${CONFIG}[allowlist]\npaths = ['^fixtures/']\n`);
    fs.mkdirSync(path.join(pkg, 'fixtures'));
    fs.writeFileSync(path.join(pkg, 'fixtures/f.js'), 'k = "tok_fake0000fixt0001"\n');
    fs.writeFileSync(path.join(pkg, 'app.js'), '\n  k = "tok_fake0000pkgs0001"\n');
    const env = { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push' };
    const r = cli(['ci'], { cwd: pkg, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      '::error file=packages/web app/app.js,line=2,endLine=2,col=8,endColumn=28,title=spillguard%3A test-token::Test token found: tok_*****\n',
    );
    const run = JSON.parse(fs.readFileSync(path.join(pkg, 'spillguard.sarif'), 'utf8')).runs[0];
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: `file://${dir}/` } });
    expect(run.results.map((x: { locations: { physicalLocation: unknown }[] }) => x.locations[0].physicalLocation)).toEqual([
      { artifactLocation: { uri: 'packages/web%20app/app.js', uriBaseId: '%SRCROOT%' }, region: { startLine: 2, startColumn: 8, endLine: 2, endColumn: 28 } },
    ]);
    const gl = cli(['ci'], { cwd: pkg, env: { ...NO_CI, GITLAB_CI: 'true' } });
    expect(gl.code).toBe(1);
    const vulns = JSON.parse(fs.readFileSync(path.join(pkg, 'gl-secret-detection-report.json'), 'utf8')).vulnerabilities;
    expect(vulns.map((v: { location: unknown }) => v.location)).toEqual([{ file: 'packages/web app/app.js', start_line: 2, end_line: 2, commit: { sha: '0000000' } }]);
    const text = cli(['ci', '--explain'], { cwd: pkg, env: NO_CI });
    expect(text.stdout.split('\n').filter((l) => l.includes('test-token'))).toEqual([
      'packages/web app/app.js:2:8  high  test-token  tok_*****',
      'suppressed packages/web app/fixtures/f.js:1:6  test-token: allowlist path /^fixtures//',
    ]);
  });

  it('GitHub pull request: SARIF, annotations and the GitLab report place a finding where its secret stands in the checked-out commit', () => {
    const { dir, base } = prRepo();
    // A later commit of the pull request moves the secret down 3 lines; a multi-byte prefix before it.
    fs.writeFileSync(path.join(dir, 'moved.js'), '// 😀 é\nconst k = "😀é tok_fake0000move0001";\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'add');
    const introduced = git(dir, 'rev-parse', 'HEAD');
    fs.writeFileSync(path.join(dir, 'moved.js'), 'one\ntwo\nthree\n// 😀 é\nconst k = "😀é tok_fake0000move0001";\n');
    git(dir, 'commit', '-qam', 'move');
    const gh = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' } });
    expect(gh.code).toBe(1);
    expect(gh.stdout.split('\n').filter((l) => l.includes('moved.js'))).toEqual([
      `::error file=moved.js,line=5,endLine=5,col=15,endColumn=35,title=spillguard%3A test-token::Test token found: tok_***** (introduced in ${introduced.slice(0, 12)})`,
    ]);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'spillguard.sarif'), 'utf8')).runs[0].results;
    const moved = results.find((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0].physicalLocation.artifactLocation.uri === 'moved.js');
    expect(moved.locations[0].physicalLocation.region).toEqual({ startLine: 5, startColumn: 15, endLine: 5, endColumn: 35 });
    expect(moved.properties.commit).toBe(introduced);
    const gl = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITLAB_CI: 'true', CI_MERGE_REQUEST_DIFF_BASE_SHA: base } });
    expect(gl.code).toBe(1);
    const vulns = JSON.parse(fs.readFileSync(path.join(dir, 'gl-secret-detection-report.json'), 'utf8')).vulnerabilities;
    expect(vulns.find((v: { location: { file: string } }) => v.location.file === 'moved.js').location).toEqual({ file: 'moved.js', start_line: 5, end_line: 5, commit: { sha: introduced } });
    // Text and JSON keep the line in the commit that introduced the secret, which they name.
    const text = cli(['ci', '--base', 'main'], { cwd: dir, env: NO_CI });
    expect(text.stdout).toContain(`${introduced.slice(0, 12)}:moved.js:2:15  high  test-token  tok_*****\n`);
  });

  it('a PR base missing from a shallow clone: an error saying how to fetch it', () => {
    const { dir } = prRepo();
    const gh = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'develop' } });
    expect(gh.code).toBe(2);
    expect(gh.stderr.split('\n').filter((l) => l.includes('error'))).toEqual([
      'spillguard: error: unknown revision: origin/develop (from GITHUB_BASE_REF): the clone lacks the base of the pull request; fetch the history (actions/checkout with fetch-depth: 0)',
    ]);
    const gl = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITLAB_CI: 'true', CI_MERGE_REQUEST_DIFF_BASE_SHA: '1234567890abcdef1234567890abcdef12345678' } });
    expect(gl.code).toBe(2);
    expect(gl.stderr).toMatch(/\(from CI_MERGE_REQUEST_DIFF_BASE_SHA\): the clone lacks the base of the merge request; fetch the history \(GIT_DEPTH: 0 in the job's variables\)\n/);
  });

  it('a repository without commits: the error names HEAD, not the pull request base', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-ci-empty-'));
    git(dir, 'init', '-q', '-b', 'main');
    const gh = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' } });
    expect(gh.code).toBe(2);
    expect(gh.stderr.split('\n').filter((l) => l.includes('error'))).toEqual(['spillguard: error: unknown revision: HEAD']);
  });

  it('a pull request range with no commits (pull_request_target checks out the base) is said, not passed off as a clean scan', () => {
    const { dir } = prRepo();
    git(dir, 'checkout', '-q', 'main');
    const r = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_BASE_REF: 'main' } });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('warning'))).toEqual([
      "spillguard: warning: no commits after origin/main: HEAD is the base or behind it, so nothing was scanned (pull_request_target checks out the base branch: check out the pull request's head)",
    ]);
    // A range whose commits only delete files: nothing to scan, and no warning.
    git(dir, 'checkout', '-q', 'feature');
    git(dir, 'rm', '-q', 'new.js');
    git(dir, 'commit', '-qm', 'drop');
    git(dir, 'update-ref', 'refs/remotes/origin/main', git(dir, 'rev-parse', 'HEAD~1'));
    const del = cli(['ci'], { cwd: dir, env: { ...NO_CI, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' } });
    expect([del.code, del.stderr.includes('warning')]).toEqual([0, false]);
  });

  it('--max-file-size applies to the tree and to a pull request\'s blobs; larger ones are listed as skipped', () => {
    const { dir } = prRepo();
    fs.writeFileSync(path.join(dir, 'big.js'), `${'x'.repeat(2000)}\nk = "tok_fake0000bigg0001"\n`);
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'big');
    const tree = cli(['ci', '--max-file-size', '1KB', '--format', 'json'], { cwd: dir, env: NO_CI });
    expect(JSON.parse(tree.stdout).skipped).toEqual([{ path: 'big.js', reason: 'larger than --max-file-size (2028 > 1024 bytes)' }]);
    const pr = cli(['ci', '--base', 'main', '--max-file-size', '1KB', '--format', 'json'], { cwd: dir, env: NO_CI });
    const doc = JSON.parse(pr.stdout);
    expect(doc.findings.map((f: { path: string }) => f.path)).toEqual(['new.js']);
    expect(doc.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason.replace(/;.*/, '')])).toEqual([['big.js', 'larger than --max-file-size (2028 bytes']]);
    expect(cli(['ci', '--max-file-size', 'big'], { cwd: dir, env: NO_CI }).stderr).toBe(
      'spillguard: error: flag --max-file-size: "big" is not a size (examples: 500000, 10KB, 50MB, 0 for no limit)\n',
    );
  });

  it('an unknown base revision is an error naming it', () => {
    const { dir } = prRepo();
    const r = cli(['ci', '--base', 'no-such-ref'], { cwd: dir, env: NO_CI });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such-ref/);
  });
});

/** The shell script of one step of action.yml (its `run: |` block), as the runner would run it. */
function actionStep(name: string): { run: string; if?: string } {
  const text = fs.readFileSync(path.join(REPO, 'action.yml'), 'utf8');
  const step = text.split(/\n    - name: /).find((s) => s.startsWith(`${name}\n`));
  if (!step) throw new Error(`no step ${name} in action.yml`);
  const run = /\n      run: \|\n((?: {8}.*\n|\n)+)/.exec(`${step}\n`)?.[1].replace(/^ {8}/gm, '');
  return { run: run ?? '', if: /\n      if: (.*)/.exec(step)?.[1] };
}

describe('action.yml', () => {
  it('the Result step passes only a finished scan: 0, or 1 with fail-on-findings false; a crash fails it', () => {
    const { run } = actionStep('Result');
    const result = (code: string, fail: string) => {
      const r = spawnSync('bash', ['-e', '-c', run], { env: { PATH: process.env.PATH, SG_CODE: code, SG_FAIL: fail }, encoding: 'utf8' });
      return `${r.status} ${r.stdout.trim()}`;
    };
    expect(result('0', 'true')).toBe('0 ');
    expect(result('1', 'true')).toBe('1 spillguard found secrets (exit 1)');
    expect(result('1', 'false')).toBe('0 ');
    expect(result('2', 'false')).toBe('2 spillguard could not complete the scan (exit 2)');
    expect(result('134', 'false')).toBe('2 spillguard could not complete the scan (exit 134)');
    expect(result('137', 'true')).toBe('2 spillguard could not complete the scan (exit 137)');
    expect(result('', 'false')).toBe('2 spillguard could not complete the scan (exit unknown)');
  });

  it('uploads the SARIF of a finished scan only (exit 0 or 1)', () => {
    expect(actionStep('Upload SARIF to code scanning').if).toBe(
      "${{ always() && inputs.upload == 'true' && (steps.scan.outputs.exit-code == '0' || steps.scan.outputs.exit-code == '1') }}",
    );
  });
});
