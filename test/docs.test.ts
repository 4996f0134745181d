import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, REPO } from './helpers/cli.js';

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

/** The first fenced block after `marker` in the README, without its fences. */
function blockAfter(marker: string): string {
  const at = README.indexOf(marker);
  expect(at, `README.md has no "${marker}"`).toBeGreaterThanOrEqual(0);
  const m = /```\w*\n([\s\S]*?)```/.exec(README.slice(at));
  return m![1];
}

describe('README', () => {
  it('shows what spillguard prints for the project it describes', () => {
    // It showed rule ids no built-in pack has (test-password, test-token) and counts no command gave.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-readme-'));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'config/settings.yml'), 'database:\n  host: db.internal\n  password: "hunter2-but-longer"\n');
    fs.writeFileSync(path.join(dir, 'src/app.js'), 'const s3 = new S3Client({\n  accessKeyId: "AKIAFAKE2345EXAMPLE7",\n});\n');
    fs.writeFileSync(path.join(dir, 'README.md'), 'ok\n');
    const r = cli(['scan', '.'], { cwd: dir });
    fs.rmSync(dir, { recursive: true });
    expect(r).toEqual({ code: 1, stdout: blockAfter('Output for people looks like this'), stderr: '' });
  });
});

describe('docs and --help agree', () => {
  const DOCS = [README, ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => fs.readFileSync(path.join(REPO, 'docs', f), 'utf8'))].join('\n');
  it.each(['scan', 'staged', 'git', 'hook', 'ci', 'baseline', 'redact', 'run', 'rules'])('every flag of `spillguard %s --help` is documented', (name) => {
    const help = cli([name, '--help']).stdout;
    const flags = [...help.matchAll(/^ {2}(?:-\w, )? *--([a-z-]+)/gm)].map((m) => m[1]).filter((f) => f !== 'help' && f !== 'version');
    expect(flags.length).toBeGreaterThan(0);
    // A boolean that is on by default is documented by its --no- form.
    expect(flags.filter((f) => !new RegExp(`--(no-)?${f}\\b`).test(DOCS))).toEqual([]);
  });
});
