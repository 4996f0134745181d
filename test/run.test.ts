import { spawn, spawnSync } from 'node:child_process';
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

  it('keeps no record per masked value without --report: a log full of secrets runs in bounded memory', () => {
    // 400,000 masked values: kept as records, they outgrew a 40 MB heap and the run died (exit 134).
    const r = cli(['run', '--config', CONFIG, ...node("process.stdout.write('log tok_fake0000fake0001 ok\\n'.repeat(400000))")], {
      env: { NODE_OPTIONS: '--max-old-space-size=40' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout === 'log [TEST_TOKEN] ok\n'.repeat(400000)).toBe(true);
    expect(r.stderr).toBe('');
  }, 60_000);

  it('a command that cannot be started exits 127, as in a shell', () => {
    const r = cli(['run', '--config', CONFIG, '--', 'spillguard-no-such-command']);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('spillguard: cannot run spillguard-no-such-command: command not found\n');
    // One that is not executable: 126, and the reason in words, not Node's "spawn … EACCES".
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-run-')), 'not-executable');
    fs.writeFileSync(file, 'echo hi\n', { mode: 0o644 });
    const r2 = cli(['run', '--config', CONFIG, '--', file]);
    expect(r2.code).toBe(126);
    expect(r2.stderr).toBe(`spillguard: cannot run ${file}: permission denied\n`);
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

  // A terminal's Ctrl-C reaches its whole foreground process group: the command got SIGINT from the
  // terminal and again from spillguard, and took the second for "stop now". Needs /proc and script(1).
  const pty = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;
  it.runIf(pty)('at a terminal, Ctrl-C reaches the command once', async () => {
    const src = 'let n = 0; process.on("SIGINT", () => console.log("INT " + ++n)); console.log("ready"); setTimeout(() => { console.log("total " + n); process.exit(3); }, 3000);';
    const cmd = [process.execPath, BIN, 'run', '--config', CONFIG, '--', process.execPath, '-e', src].map((a) => `'${a}'`).join(' ');
    // exec: no shell stays in the terminal's foreground group to take the Ctrl-C itself and die
    // before reporting; script -e returns the command's exit code.
    const child = spawn('script', ['-qec', `exec ${cmd}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!sent && out.includes('ready')) {
        sent = true;
        child.stdin.write('\x03');
      }
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    child.stdin.destroy();
    expect(out.replace(/\r/g, '').replace('^C', '')).toBe('ready\nINT 1\ntotal 1\n');
    expect(code).toBe(3);
  }, 20_000);

  it('a reader that goes away (`| head`) stops the command as in a pipeline, without an EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [BIN, 'run', '--config', CONFIG, '--', 'sh', '-c', 'while :; do echo "x tok_fake0000fake0001"; done'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let first = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        first ||= String(d).split('\n')[0];
        child.stdout.destroy();
        resolve();
      }),
    );
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(first).toBe('x [TEST_TOKEN]');
    expect(code).toBe(141); // the shell, killed by SIGPIPE: 128 + 13
    expect(stderr).not.toMatch(/EPIPE|internal error|node:|\n {4}at /);
  }, 20_000);

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
