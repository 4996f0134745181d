import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cleanup, gitEnv, parseReport, Repo, ROOT, spillguard, TOK_CONFIG, tmpdir } from './helpers/gitrepo.js';

// Fake values only.
const S1 = 'tok_aaaaaaaaaaaaaaa1';
const S2 = 'tok_bbbbbbbbbbbbbbb2';
const S3 = 'tok_ccccccccccccccc3';
const ZERO = '0'.repeat(40);

/** `spillguard` on PATH, as a global install puts it. */
let binDir: string;
let withSpillguard: Record<string, string>;

beforeAll(() => {
  binDir = tmpdir('sg-bin-');
  fs.writeFileSync(path.join(binDir, 'spillguard'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  withSpillguard = { PATH: `${binDir}${path.delimiter}${process.env.PATH}` };
});
afterAll(cleanup);

/** A repository whose root .spillguard.toml holds the test rule, as a project would configure it. */
function project(): Repo {
  const r = Repo.init();
  r.write('.spillguard.toml', TOK_CONFIG);
  r.write('README.md', 'project\n');
  r.commitAll('init');
  return r;
}

const hookFile = (r: Repo, name: string) => path.join(r.dir, '.git/hooks', name);
const isExecutable = (f: string) => (fs.statSync(f).mode & 0o111) !== 0;

function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv, input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', [script], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    // A child that exits without reading its input (a hook that never reads stdin) makes the write
    // fail with EPIPE: not the test's concern, and unhandled it failed the whole run.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('spillguard hook install / uninstall', () => {
  it('installs the pre-commit hook (and pre-push on request), and updates its own hook in place', async () => {
    const r = project();
    let res = await spillguard(['hook', 'install'], r.dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`installed the pre-commit hook: ${hookFile(r, 'pre-commit')}`);
    expect(fs.readFileSync(hookFile(r, 'pre-commit'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'hooks/pre-commit'), 'utf8'));
    expect(isExecutable(hookFile(r, 'pre-commit'))).toBe(true);
    expect(fs.existsSync(hookFile(r, 'pre-push'))).toBe(false);

    res = await spillguard(['hook', 'install', '--pre-push'], r.dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('updated the pre-commit hook');
    expect(res.stdout).toContain('installed the pre-push hook');
    expect(isExecutable(hookFile(r, 'pre-push'))).toBe(true);

    res = await spillguard(['hook', 'uninstall'], r.dir);
    expect(res.code).toBe(0);
    expect(fs.existsSync(hookFile(r, 'pre-commit'))).toBe(false);
    expect(fs.existsSync(hookFile(r, 'pre-push'))).toBe(false);
    res = await spillguard(['hook', 'uninstall'], r.dir);
    expect(res.stdout).toContain('no spillguard hook to remove');
  });

  it('install and uninstall take no arguments: `hook install pre-push` installed the pre-commit hook alone, with exit 0', async () => {
    const r = project();
    const usage = (msg: string) => ({ code: 2, stdout: '', stderr: `spillguard: error: ${msg}\n` });
    const run = async (args: string[]) => {
      const res = await spillguard(args, r.dir);
      return { code: res.code, stdout: res.stdout, stderr: res.stderr };
    };
    expect(await run(['hook', 'install', 'pre-push'])).toEqual(usage('spillguard hook install takes no arguments, got "pre-push" (to install the pre-push hook too: --pre-push)'));
    expect(await run(['hook', 'uninstall', 'all', 'now'])).toEqual(usage('spillguard hook uninstall takes no arguments, got "all now"'));
    expect(fs.existsSync(hookFile(r, 'pre-commit'))).toBe(false);
  });

  it('a flag the action does not use is an error: `hook install --format json` did nothing, with exit 0', async () => {
    const r = project();
    const usage = (flag: string, action: string, forWhat: string) => ({
      code: 2,
      stdout: '',
      stderr: `spillguard: error: flag --${flag}: does nothing for \`spillguard hook ${action}\` (it is for ${forWhat})\n`,
    });
    const PRE_PUSH = '`hook pre-push` and `hook pre-receive`, the scans those hooks run';
    const run = async (args: string[]) => {
      const res = await spillguard(args, r.dir);
      return { code: res.code, stdout: res.stdout, stderr: res.stderr };
    };
    expect(await run(['hook', 'install', '--format', 'json'])).toEqual(usage('format', 'install', PRE_PUSH));
    expect(await run(['hook', 'install', '-f', 'json'])).toEqual(usage('format', 'install', PRE_PUSH));
    expect(await run(['hook', 'install', '--since', 'main'])).toEqual(usage('since', 'install', PRE_PUSH));
    expect(await run(['hook', 'install', '--max-file-size', '1MB'])).toEqual(usage('max-file-size', 'install', PRE_PUSH));
    expect(await run(['hook', 'uninstall', '--force'])).toEqual(usage('force', 'uninstall', '`hook install`'));
    expect(await run(['hook', 'pre-push', '--pre-push'])).toEqual(usage('pre-push', 'pre-push', '`hook install`'));
    expect(fs.existsSync(hookFile(r, 'pre-commit'))).toBe(false);
    // A flag given with its default value changes nothing, and is no error.
    expect((await run(['hook', 'install', '--format', 'text', '--pre-push'])).code).toBe(0);
    expect(isExecutable(hookFile(r, 'pre-push'))).toBe(true);
  });

  it('installs into core.hooksPath, resolved from a subfolder', async () => {
    const r = project();
    r.git('config', 'core.hooksPath', '.githooks');
    fs.mkdirSync(path.join(r.dir, 'sub/dir'), { recursive: true });
    const res = await spillguard(['hook', 'install'], path.join(r.dir, 'sub/dir'));
    expect(res.code).toBe(0);
    expect(isExecutable(path.join(r.dir, '.githooks/pre-commit'))).toBe(true);
    expect(fs.existsSync(hookFile(r, 'pre-commit'))).toBe(false);
  });

  it('refuses to overwrite a foreign hook, saying how to chain it', async () => {
    const r = project();
    const foreign = '#!/bin/sh\necho theirs\n';
    fs.writeFileSync(hookFile(r, 'pre-commit'), foreign, { mode: 0o755 });
    const res = await spillguard(['hook', 'install'], r.dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('not spillguard');
    expect(res.stderr).toContain('spillguard staged');
    expect(res.stderr).toContain('--force');
    expect(fs.readFileSync(hookFile(r, 'pre-commit'), 'utf8')).toBe(foreign);

    // Under a hook manager's folder the message points there.
    r.git('config', 'core.hooksPath', '.husky/_');
    fs.mkdirSync(path.join(r.dir, '.husky/_'), { recursive: true });
    fs.writeFileSync(path.join(r.dir, '.husky/_/pre-commit'), foreign, { mode: 0o755 });
    const husky = await spillguard(['hook', 'install'], r.dir);
    expect(husky.code).toBe(2);
    expect(husky.stderr).toContain('core.hooksPath');
  });

  it('--force chains a foreign hook (run first); uninstall restores it; a foreign hook is never removed', async () => {
    const r = project();
    const marker = path.join(r.dir, '.git', 'local-ran');
    const foreign = `#!/bin/sh\necho ran > "${marker}"\nexit 0\n`;
    fs.writeFileSync(hookFile(r, 'pre-commit'), foreign, { mode: 0o755 });
    let res = await spillguard(['hook', 'install', '--force'], r.dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('moved the existing pre-commit hook');
    expect(fs.readFileSync(hookFile(r, 'pre-commit.local'), 'utf8')).toBe(foreign);

    // A second --force must not clobber the saved hook: ours is simply updated.
    res = await spillguard(['hook', 'install', '--force'], r.dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('updated');

    // The chained commit: the old hook runs, then spillguard blocks the secret.
    r.write('leak.txt', `k=${S1}\n`);
    r.git('add', 'leak.txt');
    const commit = await r.tryGit(['commit', '-m', 'leak'], withSpillguard);
    expect(commit.code).not.toBe(0);
    expect(fs.existsSync(marker)).toBe(true);
    expect(commit.stderr).toContain('leak.txt:1:3');
    expect(commit.stderr).toContain('git commit --no-verify');
    expect(r.git('log', '--format=%s')).not.toContain('leak');

    res = await spillguard(['hook', 'uninstall'], r.dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('restored the previous pre-commit hook');
    expect(fs.readFileSync(hookFile(r, 'pre-commit'), 'utf8')).toBe(foreign);
    expect(fs.existsSync(hookFile(r, 'pre-commit.local'))).toBe(false);

    res = await spillguard(['hook', 'uninstall'], r.dir);
    expect(res.stdout).toContain('left');
    expect(fs.readFileSync(hookFile(r, 'pre-commit'), 'utf8')).toBe(foreign);
  });

  it('a failing chained hook stops the commit before spillguard runs', async () => {
    const r = project();
    fs.writeFileSync(hookFile(r, 'pre-commit'), '#!/bin/sh\necho "lint failed" >&2\nexit 3\n', { mode: 0o755 });
    expect((await spillguard(['hook', 'install', '--force'], r.dir)).code).toBe(0);
    r.write('ok.txt', 'fine\n');
    r.git('add', 'ok.txt');
    const commit = await r.tryGit(['commit', '-m', 'x'], withSpillguard);
    expect(commit.code).not.toBe(0);
    expect(commit.stderr).toContain('lint failed');
    expect(commit.stderr).not.toContain('spillguard');
  });

  it('never moves a hook that runs what its own file name says (husky): renamed, it would silently do nothing', async () => {
    // husky 9: core.hooksPath = .husky/_, whose every hook sources `h`, which runs .husky/$(basename "$0").
    const r = project();
    r.git('config', 'core.hooksPath', '.husky/_');
    const dir = path.join(r.dir, '.husky/_');
    fs.mkdirSync(dir, { recursive: true });
    const h = '#!/usr/bin/env sh\nn=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n[ ! -f "$s" ] && exit 0\nsh -e "$s" "$@"\n';
    const stub = '#!/usr/bin/env sh\n. "$(dirname "$0")/h"';
    fs.writeFileSync(path.join(dir, 'h'), h, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'pre-commit'), stub, { mode: 0o755 });
    fs.writeFileSync(path.join(r.dir, '.husky/pre-commit'), 'npm test\n');
    const before = fs.readdirSync(dir).sort();
    const expected =
      `spillguard: error: ${path.join(dir, 'pre-commit')}: a pre-commit hook that is not spillguard's is already installed, and was left as it is.\n` +
      `  It finds what to run from its own file name (husky's hooks do): moved to pre-commit.local, it would\n` +
      `  find nothing under that name and stop running, silently. Add spillguard to what it runs instead:\n` +
      `      npx --no-install spillguard staged\n` +
      `  (for husky, in .husky/pre-commit; see docs/git.md).\n` +
      `  Note: core.hooksPath points git at ${dir}.\n`;
    for (const args of [['hook', 'install', '--force'], ['hook', 'install']]) {
      const res = await spillguard(args, r.dir);
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(expected);
      expect(res.stdout).toBe('');
      expect(fs.readdirSync(dir).sort()).toEqual(before);
      expect(fs.readFileSync(path.join(dir, 'pre-commit'), 'utf8')).toBe(stub);
    }

    // The same for a hook that looks at its own name itself (husky 4, in .git/hooks).
    const q = project();
    const v4 = '#!/bin/sh\nhookName=`basename "$0"`\nnode_modules/husky/run.js "$hookName" "$@"\n';
    fs.writeFileSync(hookFile(q, 'pre-push'), v4, { mode: 0o755 });
    const res = await spillguard(['hook', 'install', '--pre-push', '--force'], q.dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${hookFile(q, 'pre-push')}: a pre-push hook that is not spillguard's`);
    expect(res.stderr).toContain('      npx --no-install spillguard hook pre-push "$@"\n');
    expect(fs.readFileSync(hookFile(q, 'pre-push'), 'utf8')).toBe(v4);
    expect(fs.existsSync(hookFile(q, 'pre-commit'))).toBe(false); // a refusal writes nothing
  });

  it('--force refuses when <name>.local already exists', async () => {
    const r = project();
    fs.writeFileSync(hookFile(r, 'pre-commit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    fs.writeFileSync(hookFile(r, 'pre-commit.local'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const res = await spillguard(['hook', 'install', '--force'], r.dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('pre-commit.local already exists');
  });
});

describe('hook install / uninstall when the hooks folder cannot be written', () => {
  it('a file where the hooks folder should be: exit 2, naming it (not an internal error)', async () => {
    const r = project();
    const hooks = path.join(r.dir, '.git/hooks');
    fs.rmSync(hooks, { recursive: true });
    fs.writeFileSync(hooks, 'not a folder\n');
    const res = await spillguard(['hook', 'install', '--pre-push'], r.dir);
    expect(res.stderr).toBe(`spillguard: error: ${hooks}: cannot create the hooks folder: a file is where git looks for its folder of hooks\n`);
    expect(res.stdout).toBe('');
    expect(res.code).toBe(2);
  });

  // Root writes through a read-only folder: only another user can see the refusal.
  it.skipIf(process.getuid?.() === 0)('a read-only hooks folder: exit 2, naming the hook', async () => {
    const r = project();
    const hooks = path.join(r.dir, '.git/hooks');
    fs.chmodSync(hooks, 0o555);
    try {
      const res = await spillguard(['hook', 'install'], r.dir);
      expect(res.stderr).toBe(`spillguard: error: ${path.join(hooks, 'pre-commit')}: cannot install the pre-commit hook: permission denied\n`);
      expect(res.code).toBe(2);
      expect(fs.readdirSync(hooks).filter((f) => f.includes('spillguard'))).toEqual([]); // no temporary file left
    } finally {
      fs.chmodSync(hooks, 0o755);
    }
  });
});

describe('the installed pre-commit hook', () => {
  it('lets a clean commit through, blocks a secret, and checks what `git commit -a` commits', async () => {
    const r = project();
    expect((await spillguard(['hook', 'install'], r.dir)).code).toBe(0);
    r.write('clean.txt', 'nothing to see\n');
    r.git('add', 'clean.txt');
    const ok = await r.tryGit(['commit', '-m', 'clean'], withSpillguard);
    expect(ok.code).toBe(0);

    r.write('clean.txt', `nothing to see\nk=${S2}\n`); // tracked, modified, not staged
    const plain = await r.tryGit(['commit', '--allow-empty', '-m', 'empty'], withSpillguard);
    expect(plain.code).toBe(0); // the working tree is not what `git commit` commits
    const all = await r.tryGit(['commit', '-a', '-m', 'all'], withSpillguard);
    expect(all.code).not.toBe(0); // but with -a it is
    expect(all.stderr).toContain('clean.txt:2:3');
    for (const hint of ['remove the secret', 'spillguard:allow', 'spillguard baseline create', 'git commit --no-verify']) expect(all.stderr).toContain(hint);
  });

  it('finds spillguard as a devDependency, and says so clearly when it cannot find it', async () => {
    const r = project();
    r.write('leak.txt', `k=${S3}\n`);
    r.git('add', 'leak.txt');
    const script = path.join(ROOT, 'hooks/pre-commit');
    // No spillguard, no npx on PATH: only what the script itself needs.
    const bare = tmpdir('sg-path-');
    for (const tool of ['dirname', 'cat', 'git']) {
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
      if (found) fs.symlinkSync(found, path.join(bare, tool));
    }
    const missing = await runScript(script, r.dir, gitEnv({ PATH: bare }));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot find spillguard');
    expect(missing.stderr).toContain('npm install --save-dev spillguard');
    expect(missing.stderr).toContain('--no-verify');

    fs.mkdirSync(path.join(r.dir, 'node_modules/.bin'), { recursive: true });
    fs.copyFileSync(path.join(binDir, 'spillguard'), path.join(r.dir, 'node_modules/.bin/spillguard'));
    const local = await runScript(script, r.dir, gitEnv({ PATH: bare }));
    expect(local.code).toBe(1);
    expect(local.stdout).toContain('leak.txt:1:3');
  });
});

describe('the installed hooks without node on PATH (a desktop git client, an IDE)', () => {
  it('say that node is missing rather than leave env\'s complaint, and still block', async () => {
    const r = project();
    r.write('leak.txt', `k=${S3}\n`);
    r.git('add', 'leak.txt');
    // As npm links it: a script run by `#!/usr/bin/env node`, which finds no node on this PATH.
    fs.mkdirSync(path.join(r.dir, 'node_modules/.bin'), { recursive: true });
    fs.writeFileSync(path.join(r.dir, 'node_modules/.bin/spillguard'), `#!/usr/bin/env node\nimport(${JSON.stringify(CLI)});\n`, { mode: 0o755 });
    const bare = tmpdir('sg-path-');
    for (const tool of ['dirname', 'cat', 'git']) {
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
      if (found) fs.symlinkSync(found, path.join(bare, tool));
    }
    const advice = (hook: string, what: string, bypass: string) =>
      [
        `spillguard: the ${hook} hook could not start spillguard, so the ${what} was not checked for secrets.`,
        '  `node` is probably not on the PATH that git gives its hooks (git clients started from a desktop',
        `  or an IDE often have a shorter PATH than your shell): PATH=${bare}`,
        "  Start the client from a shell where `node --version` works, or add node's folder to its PATH.",
        `  To ${what} without the check this once: \`${bypass} --no-verify\`.`,
        '',
      ].join('\n');
    const commit = await runScript(path.join(ROOT, 'hooks/pre-commit'), r.dir, gitEnv({ PATH: bare }));
    expect(commit.code).toBe(127);
    expect(commit.stderr.endsWith(advice('pre-commit', 'commit', 'git commit'))).toBe(true);
    const push = await runScript(path.join(ROOT, 'hooks/pre-push'), r.dir, gitEnv({ PATH: bare }), `refs/heads/main ${r.head()} refs/heads/main ${ZERO}\n`);
    expect(push.code).toBe(127);
    expect(push.stderr.endsWith(advice('pre-push', 'push', 'git push'))).toBe(true);
  });
});

describe('pre-push', () => {
  function pushed(): { r: Repo; c1: string; c2: string; c3: string } {
    const remote = Repo.init({ bare: true });
    const r = project();
    r.git('remote', 'add', 'origin', remote.dir);
    r.write('old.txt', `o=${S1}\n`);
    const c1 = r.commitAll('already pushed');
    r.git('push', '-q', '--no-verify', 'origin', 'main');
    r.write('new.txt', `n=${S2}\n`);
    const c2 = r.commitAll('not pushed yet');
    r.write('more.txt', 'clean\n');
    const c3 = r.commitAll('clean');
    return { r, c1, c2, c3 };
  }
  const prePush = (r: Repo, input: string, args = ['hook', 'pre-push', 'origin', 'url']) =>
    spillguard([...args, '-f', 'json'], r.dir, { input });

  it('scans only the commits being pushed (remote..local)', async () => {
    const { r, c1, c2, c3 } = pushed();
    const res = await prePush(r, `refs/heads/main ${c3} refs/heads/main ${c1}\n`);
    const report = parseReport(res);
    expect(report.findings.map((f) => [f.path, f.line, f.column, f.commit])).toEqual([['new.txt', 1, 3, c2]]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('push blocked');
    expect(res.stderr).toContain('git push --no-verify');
    expect(res.stderr).toContain('push blocked: 1 finding in the commits being pushed. The secret is already committed, so:\n  - rotate it, then remove it from');
    // Two secrets are "them", not "it".
    r.write('two.txt', `a=${S3}\nb=tok_ddddddddddddddd4\n`);
    const c4 = r.commitAll('two more');
    const two = await prePush(r, `refs/heads/main ${c4} refs/heads/main ${c3}\n`);
    expect(two.stderr).toContain(
      'push blocked: 2 findings in the commits being pushed. The secrets are already committed, so:\n' +
        '  - rotate them, then remove them from those commits (`git commit --amend`, `git rebase -i`) before pushing;\n',
    );
    // The same through `spillguard git --pre-push`.
    const same = await prePush(r, `refs/heads/main ${c3} refs/heads/main ${c1}\n`, ['git', '--pre-push']);
    expect(parseReport(same).findings.map((f) => f.commit)).toEqual([c2]);
  });

  it("a new branch's first push scans what no remote-tracking ref holds; deletions scan nothing", async () => {
    const { r, c3 } = pushed();
    r.git('push', '-q', '--no-verify', 'origin', 'main');
    r.git('checkout', '-q', '-b', 'feature');
    r.write('feat.txt', `f=${S3}\n`);
    const c4 = r.commitAll('feature');
    let res = await prePush(r, `refs/heads/feature ${c4} refs/heads/feature ${ZERO}\n`);
    expect(parseReport(res).findings.map((f) => [f.path, f.commit])).toEqual([['feat.txt', c4]]);
    expect(res.code).toBe(1);

    res = await prePush(r, `(delete) ${ZERO} refs/heads/old ${c3}\n`);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');

    // A remote commit we never fetched cannot bound the range: fall back to the remote-tracking refs.
    res = await prePush(r, `refs/heads/feature ${c4} refs/heads/feature ${'1234567'.padEnd(40, 'a')}\n`);
    expect(parseReport(res).findings.map((f) => f.commit)).toEqual([c4]);
  });

  it('takes the range from the pre-commit framework when it has read the hook input itself', async () => {
    const { r, c1, c2, c3 } = pushed();
    const res = await spillguard(['hook', 'pre-push', '-f', 'json'], r.dir, { input: '', env: { PRE_COMMIT_FROM_REF: c1, PRE_COMMIT_TO_REF: c3 } });
    expect(parseReport(res).findings.map((f) => [f.path, f.commit])).toEqual([['new.txt', c2]]);
    expect(res.code).toBe(1);
  });

  it("under the pre-commit framework, a push that reaches a root commit (no range, only the branch) is still checked", async () => {
    // A repository never pushed: the framework runs in "all files" mode and sets no FROM/TO refs.
    const r = project();
    r.write('s.txt', `s=${S1}\n`);
    const c1 = r.commitAll('first');
    const env = { PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/main', PRE_COMMIT_REMOTE_NAME: 'origin', PRE_COMMIT_FROM_REF: '', PRE_COMMIT_TO_REF: '' };
    const res = await spillguard(['hook', 'pre-push', '-f', 'json'], r.dir, { input: '', env });
    expect(parseReport(res).findings.map((f) => [f.path, f.commit])).toEqual([['s.txt', c1]]);
    expect(res.code).toBe(1);
  });

  it('rejects malformed hook input with exit 2', async () => {
    const { r } = pushed();
    const res = await prePush(r, 'not a pre-push line at all\n');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('not a pre-push hook line');
    // Lines of fewer fields too: skipping them let such input through with exit 0 (a hook that fails open).
    for (const input of ['garbage\n', '\nrefs/heads/main abc refs/heads/main\n']) {
      const short = await prePush(r, input);
      expect(short.code).toBe(2);
      expect(short.stderr).toBe(`spillguard: error: not a pre-push hook line: "${input.trim()}"\n`);
    }
  });

  it('a false positive removed by a later commit: `baseline create --history` records it, and the push goes through', async () => {
    const { r, c1 } = pushed();
    r.git('rm', '-q', 'new.txt');
    const c4 = r.commitAll('removed again');
    const input = `refs/heads/main ${c4} refs/heads/main ${c1}\n`;
    const blocked = await prePush(r, input);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('`npx spillguard baseline create --history`');
    // The working tree no longer holds it: a plain baseline does not help; --history does.
    expect((await spillguard(['baseline', 'create'], r.dir)).stderr).toBe('spillguard: wrote 1 entry to .spillguard-baseline.json\n');
    expect((await prePush(r, input)).code).toBe(1);
    expect((await spillguard(['baseline', 'create', '--history'], r.dir)).stderr).toBe('spillguard: wrote 2 entries to .spillguard-baseline.json\n');
    const ok = await prePush(r, input);
    expect(parseReport(ok).findings).toEqual([]);
    expect(ok.code).toBe(0);
  });

  it('the installed pre-push hook blocks a push that carries a secret', async () => {
    const { r } = pushed();
    expect((await spillguard(['hook', 'install', '--pre-push'], r.dir)).code).toBe(0);
    const push = await r.tryGit(['push', 'origin', 'main'], withSpillguard);
    expect(push.code).not.toBe(0);
    expect(push.stdout).toContain('new.txt:1:3'); // git passes a pre-push hook's stdout through
    expect(push.stderr).toContain('push blocked');
    expect(r.git('ls-remote', 'origin', 'main').trim().split('\t')[0]).not.toBe(r.head());
  });
});

describe('pre-receive (a server-side hook, in a bare repository)', () => {
  /** A server whose pre-receive hook runs spillguard with the server's own config, and a clone that pushed one clean commit. */
  function server(): { remote: Repo; r: Repo; c1: string } {
    const remote = Repo.init({ bare: true });
    fs.writeFileSync(path.join(remote.dir, '.spillguard.toml'), TOK_CONFIG);
    fs.writeFileSync(path.join(remote.dir, 'hooks/pre-receive'), '#!/bin/sh\nexec spillguard hook pre-receive\n', { mode: 0o755 });
    const r = project();
    r.git('remote', 'add', 'origin', remote.dir);
    const c1 = r.head();
    return { remote, r, c1 };
  }

  it('rejects a push whose commits hold a secret, and lets clean pushes and new branches through', async () => {
    const { r, c1 } = server();
    expect((await r.tryGit(['push', 'origin', 'main'], withSpillguard)).code).toBe(0);
    r.write('new.txt', `n=${S2}\n`);
    const c2 = r.commitAll('a secret');
    r.write('more.txt', 'clean\n');
    r.commitAll('clean');
    const push = await r.tryGit(['push', 'origin', 'main'], withSpillguard);
    expect(push.code).not.toBe(0);
    // git relays the hook's output to the person pushing, each line after "remote: ".
    expect(push.stderr).toContain(`remote: ${c2.slice(0, 12)}:new.txt:1:3  high  test-token  tok_*****`);
    expect(push.stderr).toContain('remote: spillguard: push rejected by the server: 1 finding in the commits pushed.');
    expect(push.stderr).toContain('(pre-receive hook declined)');
    expect(r.git('ls-remote', 'origin', 'main').split('\t')[0]).toBe(c1);
    // A new branch brings only its own commits: from the first commit, without the secret.
    r.git('checkout', '-q', '-b', 'feature', c1);
    r.write('feature.txt', 'clean\n');
    const f1 = r.commitAll('feature');
    const ok = await r.tryGit(['push', 'origin', 'feature'], withSpillguard);
    expect(ok.code).toBe(0);
    expect(r.git('ls-remote', 'origin', 'feature').split('\t')[0]).toBe(f1);
  });

  it('reads the hook lines: the new tips less every ref the server has; deletions bring nothing; bad input is exit 2', async () => {
    const { remote, r, c1 } = server();
    expect((await r.tryGit(['push', '-q', 'origin', 'main'], withSpillguard)).code).toBe(0);
    r.write('new.txt', `n=${S2}\n`);
    const c2 = r.commitAll('a secret');
    // The objects, without a ref: as a pushed commit sits in the hook's quarantine.
    remote.git('fetch', '-q', r.dir, c2);
    const recv = (input: string, args: string[] = []) => spillguard(['hook', 'pre-receive', ...args, '-f', 'json'], remote.dir, { input });
    let res = await recv(`${c1} ${c2} refs/heads/main\n`);
    expect(parseReport(res).findings.map((f) => [f.path, f.line, f.column, f.commit])).toEqual([['new.txt', 1, 3, c2]]);
    expect(res.code).toBe(1);
    res = await recv(`${ZERO} ${c2} refs/heads/topic\n`);
    expect(parseReport(res).findings.map((f) => f.commit)).toEqual([c2]);
    res = await recv(`${c1} ${ZERO} refs/heads/main\n`);
    expect([res.code, res.stdout, res.stderr]).toEqual([0, '', '']);
    res = await recv('refs/heads/main\n');
    expect([res.code, res.stderr]).toEqual([2, 'spillguard: error: not a pre-receive hook line: "refs/heads/main"\n']);
    res = await recv('', ['main']);
    expect([res.code, res.stderr]).toEqual([2, 'spillguard: error: spillguard hook pre-receive takes no arguments, got "main"\n']);
  });

  it('hook install refuses a bare repository, and says what to run there instead', async () => {
    const { remote } = server();
    const res = await spillguard(['hook', 'install'], remote.dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      `spillguard: error: ${remote.dir} is a bare repository: pre-commit and pre-push hooks run where commits are made, so install them in a clone (\`spillguard hook install\` there). To check what is pushed to this repository, make its pre-receive hook run \`spillguard hook pre-receive\` (docs/git.md)\n`,
    );
    expect(fs.existsSync(path.join(remote.dir, 'hooks/pre-commit'))).toBe(false);
  });
});

// The pre-commit framework is no dependency of spillguard: this runs only where it is installed
// (Debian's `apt-get install pre-commit`), and says so in its name where it is not.
const preCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const havePreCommit = preCommit.status === 0;

describe('the pre-commit framework, with the local hooks of docs/git.md', () => {
  it.skipIf(!havePreCommit)(`blocks a staged secret and passes a clean commit (${havePreCommit ? preCommit.stdout.trim() : 'skipped: the pre-commit command is not installed'})`, async () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/git.md'), 'utf8');
    const yaml = /run it as a local hook[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml).toContain('npx --no-install spillguard staged');
    const r = project();
    // spillguard as a devDependency: npx --no-install finds it in node_modules/.bin.
    r.write('node_modules/.bin/spillguard', `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    fs.chmodSync(path.join(r.dir, 'node_modules/.bin/spillguard'), 0o755);
    r.write('.gitignore', 'node_modules/\n');
    r.write('.pre-commit-config.yaml', yaml!);
    const env = { PRE_COMMIT_HOME: tmpdir('sg-pre-commit-home-') };
    r.commitAll('setup');
    const install = spawnSync('pre-commit', ['install'], { cwd: r.dir, env: gitEnv(env), encoding: 'utf8' });
    expect(install.status).toBe(0);

    r.write('app.js', `const t = "${S1}";\n`);
    r.git('add', 'app.js');
    const blocked = await r.tryGit(['commit', '-q', '-m', 'secret'], env);
    expect(blocked.code).toBe(1);
    // (git sends a pre-commit hook's standard output to its standard error)
    expect(blocked.stderr).toContain('- hook id: spillguard\n');
    expect(blocked.stderr).toContain('app.js:1:12  high  test-token  tok_*****\n');
    expect(blocked.stderr).toContain('commit blocked');

    r.write('app.js', 'const t = process.env.TOKEN;\n');
    r.git('add', 'app.js');
    const clean = await r.tryGit(['commit', '-q', '-m', 'clean'], env);
    expect(clean.code).toBe(0);
    expect(r.git('log', '-1', '--format=%s').trim()).toBe('clean');
  });
});
