import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../src/engine/engine.js';
import { scanFiles } from '../src/scan/file.js';
import { walk } from '../src/sources/files.js';
import { BIN, cli } from './helpers/cli.js';
import { rulesFrom, TOK_RULE } from './helpers/rules.js';

/**
 * Filesystem safety (docs/SECURITY.md). test/walk.test.ts covers symbolic links inside and out of
 * the root, a FIFO in the tree and a missing argument; this file covers the rest: devices, link
 * loops, unreadable files, files that change between the walk and the read, names with line
 * breaks, and what `redact` refuses to write.
 */

const CONFIG = `[extend]\nuseDefault = false\n${TOK_RULE}`;
const dirs: string[] = [];
function tree(files: Record<string, string> = {}): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-fs-')));
  dirs.push(d);
  fs.writeFileSync(path.join(d, '.spillguard.toml'), CONFIG);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, rel)), { recursive: true });
    fs.writeFileSync(path.join(d, rel), content);
  }
  return d;
}
afterAll(() => {
  for (const d of dirs) {
    spawnSync('chmod', ['-R', 'u+rwx', d]);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

const isRoot = process.getuid?.() === 0;
const hasSetpriv = fs.existsSync('/usr/bin/setpriv');
/**
 * `nobody` must be able to reach the CLI itself: a checkout under a 0700 folder (mktemp -d) is
 * not, and the test then cannot say anything about unreadable files.
 */
const nobodyCanRun =
  isRoot &&
  hasSetpriv &&
  spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, BIN, '--version'], { encoding: 'utf8' }).status === 0;
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const engine = createEngine(rulesFrom(TOK_RULE));
const walkOpts = (cwd: string) => ({ cwd, include: [], exclude: [], gitignore: true, maxFileSize: 0 });

describe('devices, FIFOs and link loops', () => {
  it('devices and FIFOs named on the command line are skipped, never opened (no hang, no endless read)', () => {
    const d = tree({ 'a.txt': 'tok_fake0000fake0001\n' });
    execFileSync('mkfifo', [path.join(d, 'named-pipe')]);
    const t0 = performance.now();
    const r = cli(['scan', '/dev/zero', '/dev/null', '/dev/urandom', 'named-pipe', 'a.txt', '--format', 'json'], { cwd: d });
    expect(performance.now() - t0).toBeLessThan(20_000);
    const doc = json(r);
    expect(doc.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason])).toEqual([
      ['/dev/null', 'not a regular file'],
      ['/dev/urandom', 'not a regular file'],
      ['/dev/zero', 'not a regular file'],
      ['named-pipe', 'not a regular file'],
    ]);
    expect(doc.findings).toHaveLength(1);
    expect(r.code).toBe(1);
  });

  it.skipIf(!isRoot)('a device node in the tree and a link to /dev/zero are skipped', () => {
    const d = tree({ 'a.txt': 'tok_fake0000fake0001\n' });
    execFileSync('mknod', [path.join(d, 'zero-dev'), 'c', '1', '5']);
    fs.symlinkSync('/dev/zero', path.join(d, 'zero-link'));
    const t0 = performance.now();
    const doc = json(cli(['scan', '--format', 'json'], { cwd: d }));
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(doc.skipped).toEqual([
      { path: 'zero-dev', reason: 'not a regular file (FIFO, socket or device)' },
      { path: 'zero-link', reason: 'symbolic link leaving the scanned root (not followed)' },
    ]);
    expect(doc.findings).toHaveLength(1);
  });

  it('a FIFO named .gitignore is an error, not a blocked read', () => {
    const d = tree({ 'a.txt': 'tok_fake0000fake0001\n' });
    execFileSync('mkfifo', [path.join(d, '.gitignore')]);
    const t0 = performance.now();
    const r = cli(['scan', '--format', 'json'], { cwd: d });
    expect(performance.now() - t0).toBeLessThan(20_000);
    const doc = json(r);
    expect(doc.errors).toEqual([{ path: '.gitignore', message: 'not a regular file but a FIFO (not read)' }]);
    expect(doc.findings).toHaveLength(1);
    expect(r.code).toBe(2);
  });

  it('symbolic link loops (a -> b -> a, a folder linking to itself) end the walk, skipped', () => {
    const d = tree({ 'a.txt': 'tok_fake0000fake0001\n' });
    fs.symlinkSync('loop-b', path.join(d, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(d, 'loop-b'));
    fs.mkdirSync(path.join(d, 'sub'));
    fs.symlinkSync('..', path.join(d, 'sub', 'up'));
    fs.symlinkSync('.', path.join(d, 'sub', 'self'));
    const doc = json(cli(['scan', '--format', 'json'], { cwd: d }));
    expect(doc.skipped.map((s: { path: string }) => s.path)).toEqual(['loop-a', 'loop-b', 'sub/self', 'sub/up']);
    expect(doc.skipped[0].reason).toBe('broken symbolic link');
    expect(doc.findings).toHaveLength(1);
  });

  it('a symbolic link named on the command line is followed (the user chose it); found in a walk, it is not', () => {
    const d = tree();
    const outside = tree({ 'secret.txt': 'tok_fake0000outside0\n' });
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(d, 'named.txt'));
    const named = json(cli(['scan', 'named.txt', '--format', 'json'], { cwd: d }));
    expect(named.findings.map((f: { path: string }) => f.path)).toEqual(['named.txt']);
    const walked = json(cli(['scan', '.', '--format', 'json'], { cwd: d }));
    expect(walked.findings).toEqual([]);
    expect(walked.skipped).toEqual([{ path: 'named.txt', reason: 'symbolic link leaving the scanned root (not followed)' }]);
  });
});

describe('unreadable files and folders', () => {
  // As root, permission bits do not stop reads: the scan runs as `nobody`.
  it.skipIf(!nobodyCanRun)('are reported with path and reason, the rest is scanned, exit 2', () => {
    const d = tree({ 'ok.txt': 'tok_fake0000fake0001\n', 'locked.txt': 'tok_fake0000fake0002\n', 'closed/in.txt': 'tok_fake0000fake0003\n' });
    fs.chmodSync(d, 0o755);
    fs.chmodSync(path.join(d, 'locked.txt'), 0o000);
    fs.chmodSync(path.join(d, 'closed'), 0o000);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, BIN, 'scan', '--format', 'json'], {
      cwd: d,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    const doc = JSON.parse(r.stdout);
    expect(doc.errors).toEqual([
      { path: 'closed', message: 'cannot read directory: permission denied' },
      { path: 'locked.txt', message: 'permission denied' },
    ]);
    expect(doc.findings.map((f: { path: string }) => f.path)).toEqual(['ok.txt']);
    expect(r.status).toBe(2);
  });
});

describe('files that change between the walk and the read', () => {
  async function walkThen(files: Record<string, string>, change: (d: string) => void) {
    const d = tree(files);
    const walked = await walk(['.'], walkOpts(d));
    change(d);
    return { d, result: await scanFiles(engine, walked.files) };
  }

  it('a file that vanished is an error for its path; the others are scanned', async () => {
    const { result } = await walkThen({ 'a.txt': 'tok_fake0000fake0001\n', 'gone.txt': 'tok_fake0000fake0002\n' }, (d) => fs.rmSync(path.join(d, 'gone.txt')));
    expect(result.errors).toEqual([{ path: 'gone.txt', message: 'no such file or directory' }]);
    expect(result.findings.map((f) => f.origin.path)).toEqual(['a.txt']);
  });

  it('a file replaced by a directory is an error, not a crash', async () => {
    const { result } = await walkThen({ 'a.txt': 'tok_fake0000fake0001\n', 'b.txt': 'x' }, (d) => {
      fs.rmSync(path.join(d, 'b.txt'));
      fs.mkdirSync(path.join(d, 'b.txt'));
    });
    expect(result.errors).toEqual([{ path: 'b.txt', message: 'not a regular file but a directory (not read)' }]);
    expect(result.findings).toHaveLength(1);
  });

  it('a file replaced by a FIFO is an error, not a read that blocks forever', async () => {
    const t0 = performance.now();
    const { result } = await walkThen({ 'a.txt': 'tok_fake0000fake0001\n', 'b.txt': 'x' }, (d) => {
      fs.rmSync(path.join(d, 'b.txt'));
      execFileSync('mkfifo', [path.join(d, 'b.txt')]);
    });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(result.errors).toEqual([{ path: 'b.txt', message: 'not a regular file but a FIFO (not read)' }]);
  });

  it('a file replaced by a symbolic link to outside the tree is not followed', async () => {
    const outside = tree({ 'secret.txt': 'tok_fake0000outside0\n' });
    const { result } = await walkThen({ 'b.txt': 'x' }, (d) => {
      fs.rmSync(path.join(d, 'b.txt'));
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(d, 'b.txt'));
    });
    expect(result.errors).toEqual([{ path: 'b.txt', message: 'not a regular file but a symbolic link (not read)' }]);
    expect(result.findings).toEqual([]);
  });

  it('a file that grew or shrank is scanned as it is when read, at the right offsets', async () => {
    const { result } = await walkThen({ 'grow.txt': 'x\n', 'shrink.txt': 'a'.repeat(5000) + ' tok_fake0000fake0009\n' }, (d) => {
      fs.appendFileSync(path.join(d, 'grow.txt'), 'y'.repeat(3_000_000) + ' tok_fake0000fake0001\n');
      fs.writeFileSync(path.join(d, 'shrink.txt'), '');
    });
    expect(result.errors).toEqual([]);
    expect(result.findings.map((f) => [f.origin.path, f.span.start])).toEqual([['grow.txt', 3_000_003]]);
  });
});

describe('names that are not UTF-8', () => {
  it('are reported as errors; the rest of their folder is scanned (one such name once hid the whole folder)', () => {
    const d = tree({ 'sub/a.txt': 'tok_fake0000fake0001\n', 'sub/ok\ufffdname.txt': 'tok_fake0000fake0002\n' });
    // Bytes no UTF-8 decoder accepts: \xff in a file name, \xfe in a folder name (with a secret inside).
    fs.writeFileSync(Buffer.from(path.join(d, 'sub/z\xff.txt'), 'latin1'), 'x\n');
    fs.mkdirSync(Buffer.from(path.join(d, 'bad\xfedir'), 'latin1'));
    fs.writeFileSync(Buffer.from(path.join(d, 'bad\xfedir/k.txt'), 'latin1'), 'tok_fake0000fake0003\n');
    const doc = JSON.parse(cli(['scan', '--format', 'json'], { cwd: d }).stdout);
    expect(doc.findings.map((f: { path: string; line: number }) => [f.path, f.line])).toEqual([
      ['sub/a.txt', 1],
      ['sub/ok\ufffdname.txt', 1],
    ]);
    expect(doc.errors).toEqual([
      { path: 'bad\ufffddir', message: 'folder name is not valid UTF-8, which Node cannot open by name: not scanned (rename it)' },
      { path: 'sub/z\ufffd.txt', message: 'file name is not valid UTF-8, which Node cannot open by name: not scanned (rename it)' },
    ]);
    expect(cli(['scan'], { cwd: d }).code).toBe(2);
    const r = cli(['redact', '.', '--out', path.join(d, '../', path.basename(d) + '-out'), '--assume-text', '--exclude', '.spillguard.toml', '-q'], { cwd: d });
    dirs.push(path.join(d, '../', path.basename(d) + '-out'));
    expect(r.code).toBe(2);
    expect(fs.readFileSync(path.join(d, '../', path.basename(d) + '-out', 'sub/a.txt'), 'utf8')).toBe('[TEST_TOKEN]\n');
  });
});

describe('names with line breaks', () => {
  const names = ['a\nb.txt', 'dir\nx/inner.txt', 'x.txt\ny.txt:9:9  high  fake  ****', 'cr\rname.txt', 'sep\u2028name.txt'];

  it('are walked and scanned like any other (fast-glob alone leaves them out)', () => {
    const d = tree(Object.fromEntries(names.map((n, i) => [n, `tok_fake0000fake000${i}\n`])));
    const doc = json(cli(['scan', '--format', 'json'], { cwd: d }));
    expect(doc.findings.map((f: { path: string }) => f.path).sort()).toEqual([...names].sort());
  });

  it('cannot forge lines of the text report: such paths are quoted', () => {
    const d = tree({ [names[2]]: 'tok_fake0000fake0001\n' });
    const r = cli(['scan'], { cwd: d });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('"x.txt\\ny.txt:9:9  high  fake  ****":1:1  high  test-token  tok_*****');
    expect(lines[1]).toMatch(/^1 finding \(1 high\) in 2 files/);
    expect(lines).toHaveLength(3);
  });

  it('cannot inject workflow commands into GitHub annotations', () => {
    const d = tree({ 'evil\n::warning::injected.txt': 'tok_fake0000fake0001\n' });
    const r = cli(['ci', '--format', 'json'], { cwd: d, env: { GITHUB_ACTIONS: 'true', GITLAB_CI: '', GITHUB_EVENT_NAME: 'push' } });
    // A JSON report on stdout: the annotations go to stderr (the runner reads commands there too).
    expect(JSON.parse(r.stdout).findings).toHaveLength(1);
    expect(r.stderr).toMatch(/^::error file=evil%0A%3A%3Awarning%3A%3Ainjected\.txt,/m);
    expect(r.stderr).not.toMatch(/^::warning::injected/m);
    expect(r.stdout).not.toMatch(/^::warning::injected/m);
  });
});

describe('redact never writes over its inputs', () => {
  const redact = (args: string[], cwd: string) => cli(['redact', ...args], { cwd });

  it('refuses an --out inside the input tree, unless that folder is excluded from the walk', () => {
    const d = tree({ 'in/a.txt': 'token tok_fake0000fake0001\n' });
    const before = fs.readFileSync(path.join(d, 'in/a.txt'));
    const r = redact(['in', '--out', 'in/out', '--config', '.spillguard.toml'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/flag --out: the output folder is inside the input "in".*--exclude 'out\/\*\*'/);
    expect(fs.existsSync(path.join(d, 'in/out'))).toBe(false);
    const ok = redact(['in', '--out', 'in/out', '--exclude', 'out/**', '--config', '.spillguard.toml', '--quiet'], d);
    expect(ok.code, ok.stderr).toBe(0);
    expect(fs.readFileSync(path.join(d, 'in/out/a.txt'), 'utf8')).not.toContain('tok_fake0000fake0001');
    expect(fs.readFileSync(path.join(d, 'in/a.txt'))).toEqual(before);
  });

  it('refuses an --out that is the input folder or holds the input file', () => {
    const d = tree({ 'in/a.txt': 'token tok_fake0000fake0001\n' });
    const before = fs.readFileSync(path.join(d, 'in/a.txt'));
    for (const args of [['in', '--out', 'in'], ['in/a.txt', '--out', 'in'], ['in', '--out', '.']]) {
      const r = redact([...args, '--config', '.spillguard.toml'], d);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/flag --out: the input ".*" is inside the output folder/);
    }
    expect(fs.readFileSync(path.join(d, 'in/a.txt'))).toEqual(before);
    expect(fs.readdirSync(path.join(d, 'in'))).toEqual(['a.txt']);
  });
});
