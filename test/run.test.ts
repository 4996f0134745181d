import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, REPO } from './helpers/cli.js';

const CONFIG = path.join(REPO, 'fixtures/redact/spillguard.toml');
const node = (src: string) => ['--', process.execPath, '-e', src];

describe('spillguard run -- <command>', () => {
  it("masks stdout and stderr live, keeps them separate, and exits with the command's code", () => {
    const r = cli(['run', '--config', CONFIG, ...node("console.log('out tok_fake0000fake0001'); console.error('err tok_fake0000fake0002'); process.exit(7)")]);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('out [TEST_TOKEN]\n');
    expect(r.stderr).toBe('err [TEST_TOKEN]\n');
  });

  it('--report writes what was found, masked, with stream and line', () => {
    const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-run-')), 'report.json');
    const r = cli(['run', '--config', CONFIG, '--report', report, ...node("console.log('a\\nb tok_fake0000fake0001')")]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(fs.readFileSync(report, 'utf8'));
    expect(doc).toEqual({
      command: process.execPath,
      exitCode: 0,
      signal: null,
      counts: { TEST_TOKEN: 1 },
      findings: [
        { stream: 'stdout', rule: 'test-token', kind: 'secret', entity: 'TEST_TOKEN', operator: 'tag', line: 2, start: 4, end: 24, secret: 'tok_*****', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) },
      ],
    });
    expect(fs.readFileSync(report, 'utf8')).not.toContain('tok_fake0000fake0001');
  });

  it('a command that cannot be started exits 127, as in a shell', () => {
    const r = cli(['run', '--config', CONFIG, '--', 'spillguard-no-such-command']);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('spillguard: cannot run spillguard-no-such-command: command not found\n');
  });

  it('forwards SIGTERM and SIGINT to the command, and reports a death by signal as 128 + n', async () => {
    const start = (src: string) => {
      const child = spawn(process.execPath, [BIN, 'run', '--config', CONFIG, ...node(src)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('ready')) resolve();
        }),
      );
      const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      return { child, ready, done, out: () => out };
    };
    const handled = start("process.on('SIGTERM', () => { console.log('got SIGTERM tok_fake0000fake0003'); process.exit(42); }); console.log('ready'); setInterval(() => {}, 1000);");
    await handled.ready;
    handled.child.kill('SIGTERM');
    expect(await handled.done).toBe(42);
    expect(handled.out()).toBe('ready\ngot SIGTERM [TEST_TOKEN]\n');

    const unhandled = start("console.log('ready'); setInterval(() => {}, 1000);");
    await unhandled.ready;
    unhandled.child.kill('SIGINT');
    expect(await unhandled.done).toBe(130);
  });

  it('needs a command', () => {
    const r = cli(['run', '--config', CONFIG]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('spillguard: error: no command to run: spillguard run -- <command> [args…]\n');
  });

  it('--operator names a kind or a loaded rule', () => {
    const r = cli(['run', '--config', CONFIG, '--operator', 'nosuch=mask', '--', process.execPath, '-e', '0']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'spillguard: error: flag --operator: "nosuch=mask": "nosuch" is neither a kind (secret, pii, injection) nor a loaded rule (see spillguard rules list)\n',
    });
  });

  it('names --report when the report cannot be written', () => {
    const r = cli(['run', '--config', CONFIG, '--report', '/nonexistent-dir/r.json', '--', process.execPath, '-e', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^spillguard: error: \/nonexistent-dir\/r\.json: flag --report: cannot write: no such file or directory/);
  });
});
