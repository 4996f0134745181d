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
