import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(REPO, 'bin/spillguard.js');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (npm test builds first), without colour. */
export function cli(args: string[], opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO,
    input: opts.input,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Outputs hold the absolute scan root and timings; tests compare everything else exactly. */
export function normalise(s: string): string {
  return s
    .replace(/file:\/\/[^"]*?\/fixtures\//g, 'file:///REPO/fixtures/')
    .replace(/"durationMs": ?\d+/g, '"durationMs": 0')
    .replace(/"(start|end)_time": "[0-9T:-]{19}"/g, '"$1_time": "TIME"')
    .replaceAll(`"${VERSION}"`, '"X"');
}
