import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from './helpers/cli.js';

const CONFIG = `[extend]\nuseDefault = false\n[[rules]]\nid = "test-token"\nregex = '''\\b(tok_[a-z0-9]{16})\\b'''\nkeywords = ["tok_"]\n`;

function tree(): { root: string; outside: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-walk-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, '.spillguard.toml'), CONFIG);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'tok_fake0000outside0\n');
  fs.writeFileSync(path.join(root, 'sub', 'inside.txt'), 'tok_fake0000inside00\n');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-out.txt'));
  fs.symlinkSync(outside, path.join(root, 'link-dir'));
  fs.symlinkSync(path.join(root, 'sub', 'inside.txt'), path.join(root, 'link-in.txt'));
  fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'broken'));
  execFileSync('mkfifo', [path.join(root, 'pipe')]);
  return { root, outside };
}

describe('walking the tree', () => {
  it('never follows symlinks, lists them and FIFOs as skipped, scans each real file once', () => {
    const { root } = tree();
    const r = cli(['scan', '--format', 'json'], { cwd: root });
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: { path: string; line: number }) => [f.path, f.line])).toEqual([['sub/inside.txt', 1]]);
    expect(doc.skipped).toEqual([
      { path: 'broken', reason: 'broken symbolic link' },
      { path: 'link-dir', reason: 'symbolic link leaving the scanned root (not followed)' },
      { path: 'link-in.txt', reason: 'symbolic link (not followed; its target inside the root is scanned directly)' },
      { path: 'link-out.txt', reason: 'symbolic link leaving the scanned root (not followed)' },
      { path: 'pipe', reason: 'not a regular file (FIFO, socket or device)' },
    ]);
    expect(r.code).toBe(1);
  });

  it('reports a path it cannot read, scans the rest, and exits 2', () => {
    const { root } = tree();
    const r = cli(['scan', 'sub', 'does-not-exist', '--format', 'json'], { cwd: root });
    const doc = JSON.parse(r.stdout);
    expect(doc.errors).toEqual([{ path: 'does-not-exist', message: 'no such file or directory' }]);
    expect(doc.findings).toHaveLength(1);
    expect(r.code).toBe(2);
    const text = cli(['scan', 'sub', 'does-not-exist'], { cwd: root });
    expect(text.stdout).toContain('error: does-not-exist: no such file or directory');
    expect(text.code).toBe(2);
  });

  it('an unknown flag gets usage help and exit 2', () => {
    const r = cli(['scan', '--bogus-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^spillguard: Unknown argument: --bogus-flag\n/);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/spillguard --help/);
  });

  it('--help prints usage and exits 0 without scanning', () => {
    const r = cli(['scan', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^spillguard scan \[paths\.\.\]\n/);
    expect(r.stdout).toContain('--max-file-size');
    expect(r.stdout).not.toMatch(/findings? in \d+ files?/);
  });

  it('a bad size gets a message naming the flag', () => {
    const r = cli(['scan', '--max-file-size', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('spillguard: error: flag --max-file-size: "lots" is not a size (examples: 500000, 10KB, 50MB, 0 for no limit)\n');
  });
});
