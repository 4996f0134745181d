import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO } from './helpers/cli.js';
import { cleanup, gitEnv, Repo } from './helpers/gitrepo.js';

/**
 * No leaks (docs/SECURITY.md): every command and output format, run over a tree full of fake
 * secrets, prints no raw secret — not in stdout, stderr, reports, manifests, baselines, error
 * messages or debug output — unless --show-secrets; and no command opens a network connection.
 *
 * COMMANDS is the table: a command added to the CLI gets a row here. Rows whose command the build
 * does not have yet are skipped (see `available`), so the table can run ahead of the CLI.
 */

// Built from pieces: this file must not hold a secret the repository's own scan would find.
const join = (...p: string[]) => p.join('');
const SECRETS = {
  aws: join('AK', 'IA', 'FAKELEAKTEST2345'),
  password: join('Leak-Fake', '-Pass-9876'),
  token: join('tok_', 'fake0000leak0001'),
  keyBody: join('MIIEpAIBAAKCAQEA', 'FakeLeakBody', '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH'),
  email: join('jane.leakfake', '@', 'corpmail-zq7.net'),
};
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${SECRETS.keyBody}\n${SECRETS.keyBody}\n-----END RSA PRIVATE KEY-----\n`;

/**
 * What must not appear: each secret whole, and any 6 characters of it past the 4-character prefix a
 * mask may keep (`AKIA*****`): V8's JSON.parse errors, for one, quote ten characters of the input.
 */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const [name, s] of Object.entries(SECRETS)) {
    if (text.includes(s)) {
      found.push(`${name}: whole`);
      continue;
    }
    for (let i = 4; i + 6 <= s.length; i++) {
      if (text.includes(s.slice(i, i + 6))) {
        found.push(`${name}: "${s.slice(i, i + 6)}"`);
        break;
      }
    }
  }
  return found;
}

let root: string;
let work: string;
let netLog: string;
const PRELOAD = path.join(REPO, 'test/helpers/no-network.cjs');

function write(rel: string, content: string): void {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
}

beforeAll(() => {
  const repo = Repo.init();
  root = repo.dir;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-leak-out-'));
  netLog = path.join(work, 'net.log');
  write('.spillguard.toml', `[[rules]]\nid = "test-token"\ndescription = "Test token"\nregex = '''\\b(tok_[a-z0-9]{16})\\b'''\nkeywords = ["tok_"]\n`);
  write('config/settings.env', `AWS_ACCESS_KEY_ID=${SECRETS.aws}\npassword = "${SECRETS.password}"\n`);
  write('src/app.js', `const token = "${SECRETS.token}"; // contact ${SECRETS.email}\n`);
  write('keys/id_rsa', PEM);
  write('data/records.jsonl', `{"id":1,"note":"key ${SECRETS.aws}","who":"${SECRETS.email}"}\n{"id":2, broken ${SECRETS.password}\n`);
  write('docs/notes.md', `# Notes\n\nThe token is ${SECRETS.token}, mail ${SECRETS.email}.\n`);
  write('notes/secret-first.txt', `${SECRETS.token} is the deploy token\n`);
  write('ignored-inline.txt', `${SECRETS.password} spillguard:allow\n`);
  repo.commitAll('add secrets');
  // A second commit that removes one: history still holds it.
  fs.rmSync(path.join(root, 'docs/notes.md'));
  repo.commitAll('remove notes');
  // Staged but not committed.
  write('staged.txt', `export AWS_KEY=${SECRETS.aws}\n`);
  repo.git('add', 'staged.txt');
});

afterAll(() => {
  cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Row {
  name: string;
  args: string[];
  input?: string;
  env?: Record<string, string>;
  /** Files the command writes, relative to `work` (or absolute), checked like its output. */
  files?: string[];
  /** Exit codes that mean it ran (a finding is 1; an error path is 2). */
  codes: number[];
}

const o = (f: string) => path.join(os.tmpdir(), 'sg-leak-files', f);
const FORMATS = ['text', 'json', 'jsonl', 'sarif', 'junit', 'gitlab'];

const COMMANDS: Row[] = [
  ...FORMATS.map((f) => ({ name: `scan --format ${f}`, args: ['scan', '.', '--format', f], codes: [1] })),
  ...FORMATS.map((f) => ({ name: `scan --format ${f} --explain --kind all`, args: ['scan', '.', '--format', f, '--explain', '--kind', 'all'], codes: [1] })),
  { name: 'scan --output file (json)', args: ['scan', '.', '--format', 'json', '--output', o('report.json')], files: [o('report.json')], codes: [1] },
  { name: 'scan --output file (sarif)', args: ['scan', '.', '--format', 'sarif', '--output', o('report.sarif')], files: [o('report.sarif')], codes: [1] },
  { name: 'scan stdin text', args: ['scan', '-', '--stdin-name', 'build.log'], input: `log: ${SECRETS.aws} ${SECRETS.token}\npassword = "${SECRETS.password}"\n`, codes: [1] },
  { name: 'scan stdin json', args: ['scan', '--stdin', '--format', 'json', '--kind', 'all'], input: fs.existsSync ? `${PEM}${SECRETS.email}\n` : '', codes: [1] },
  { name: 'scan error: unreadable path, debug on', args: ['scan', 'config', 'no-such-dir'], env: { SPILLGUARD_DEBUG: '1' }, codes: [2] },
  { name: 'scan error: a secrets file as --baseline', args: ['scan', '.', '--baseline', 'config/settings.env'], env: { SPILLGUARD_DEBUG: '1' }, codes: [2] },
  { name: 'scan error: a file starting with a secret as --baseline', args: ['scan', '.', '--baseline', 'notes/secret-first.txt'], codes: [2] },
  { name: 'scan error: a secrets file as --config', args: ['scan', '.', '--config', 'config/settings.env'], env: { SPILLGUARD_DEBUG: '1' }, codes: [2] },
  { name: 'scan error: a JSONL file as --config', args: ['scan', '.', '--config', 'data/records.jsonl'], env: { SPILLGUARD_DEBUG: '1' }, codes: [2] },
  { name: 'baseline create', args: ['baseline', 'create', '.', '--output', o('baseline.json')], files: [o('baseline.json')], codes: [0] },
  { name: 'rules list', args: ['rules', 'list'], codes: [0] },
  { name: 'rules list --format json', args: ['rules', 'list', '--format', 'json'], codes: [0] },
  { name: 'staged', args: ['staged', '--format', 'json'], codes: [1] },
  { name: 'staged sarif', args: ['staged', '--format', 'sarif'], codes: [1] },
  { name: 'git (history) text', args: ['git'], codes: [1] },
  { name: 'git (history) json', args: ['git', '--format', 'json'], codes: [1] },
  { name: 'git (history) sarif', args: ['git', '--format', 'sarif', '--output', o('git.sarif')], files: [o('git.sarif')], codes: [1] },
  { name: 'ci on GitHub Actions', args: ['ci'], env: { GITHUB_ACTIONS: 'true', GITLAB_CI: '', CI: 'true' }, files: ['spillguard.sarif'], codes: [1] },
  { name: 'ci on GitLab CI', args: ['ci'], env: { GITHUB_ACTIONS: '', GITLAB_CI: 'true', CI: 'true' }, files: ['gl-secret-detection-report.json'], codes: [1] },
  {
    name: 'redact a tree with a manifest',
    // ignored-inline.txt is left out: its author allowed the value on that line (spillguard:allow), so redaction keeps it.
    args: ['redact', '.', '--out', o('redacted'), '--manifest', o('manifest.jsonl'), '--exclude', '.git/**', '--exclude', 'ignored-inline.txt'],
    env: { SPILLGUARD_DEBUG: '1' },
    files: [o('manifest.jsonl'), o('redacted')],
    codes: [0, 1, 2],
  },
  {
    name: 'redact stdin jsonl with a malformed line',
    args: ['redact', '--stdin', '--format', 'jsonl'],
    input: `{"text":"${SECRETS.aws}"}\n{"text": password = "${SECRETS.password}" ${SECRETS.aws}\n`,
    env: { SPILLGUARD_DEBUG: '1' },
    codes: [0, 1, 2],
  },
  { name: 'redact stdin text', args: ['redact', '--stdin', '--format', 'text'], input: `${SECRETS.token} ${SECRETS.aws}\n`, codes: [0, 1] },
  {
    name: 'run -- a command that prints secrets',
    args: ['run', '--report', o('run.json'), '--', process.execPath, '-e', `console.log(${JSON.stringify(`${SECRETS.aws} ${SECRETS.token}`)}); console.error(${JSON.stringify(PEM)})`],
    files: [o('run.json')],
    codes: [0, 1],
  },
];

/** Commands the built CLI knows: a row for a command still being built is skipped, not failed. */
const known = new Set(
  ['scan', 'rules', 'staged', 'git', 'hook', 'baseline', 'ci', 'redact', 'run'].filter((c) =>
    fs.existsSync(path.join(REPO, 'dist/cli/commands', `${c}.js`)),
  ),
);
const available = (r: Row) => known.has(r.args[0]);

function run(r: Row) {
  return spawnSync(process.execPath, [BIN, ...r.args], {
    cwd: root,
    input: r.input ?? '',
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    env: { ...gitEnv(), NO_COLOR: '1', FORCE_COLOR: '', NODE_OPTIONS: `--require ${PRELOAD}`, SG_NET_LOG: netLog, ...r.env },
  });
}

function filesOf(r: Row): string[] {
  const out: string[] = [];
  for (const f of r.files ?? []) {
    const abs = path.isAbsolute(f) ? f : path.join(root, f);
    if (!fs.existsSync(abs)) continue;
    if (fs.statSync(abs).isDirectory()) {
      for (const e of fs.readdirSync(abs, { recursive: true }) as string[]) {
        const p = path.join(abs, e);
        if (fs.statSync(p).isFile()) out.push(p);
      }
    } else out.push(abs);
  }
  return out;
}

describe('no raw secret in any output, no network', () => {
  beforeAll(() => {
    fs.rmSync(path.join(os.tmpdir(), 'sg-leak-files'), { recursive: true, force: true });
    fs.mkdirSync(path.join(os.tmpdir(), 'sg-leak-files'), { recursive: true });
  });

  for (const r of COMMANDS) {
    it.skipIf(!available(r))(`${r.name}`, () => {
      fs.rmSync(netLog, { force: true });
      const res = run(r);
      expect(r.codes, `exit ${res.status}; stderr: ${res.stderr.slice(0, 800)}`).toContain(res.status);
      expect(leaks(res.stdout), 'stdout').toEqual([]);
      expect(leaks(res.stderr), 'stderr').toEqual([]);
      for (const f of filesOf(r)) {
        // Redacted documents are the redactor's output: the point is that they hold no secret either.
        expect(leaks(fs.readFileSync(f, 'utf8')), path.relative(os.tmpdir(), f)).toEqual([]);
      }
      expect(r.files?.length ? filesOf(r).length : 1, 'the command wrote its files').toBeGreaterThan(0);
      expect(fs.existsSync(netLog) ? fs.readFileSync(netLog, 'utf8') : '', 'network access').toBe('');
    });
  }

  it('--show-secrets is the one way raw values come out (the leak check sees them then)', () => {
    const res = run({ name: 'show', args: ['scan', '.', '--format', 'json', '--show-secrets'], codes: [1] });
    expect(leaks(res.stdout)).toEqual(expect.arrayContaining(['aws: whole', 'token: whole', 'password: whole']));
  });

  it('the network preload records and blocks a connection attempt (so an empty log means something)', () => {
    fs.rmSync(netLog, { force: true });
    const res = spawnSync(process.execPath, ['-e', "require('node:net').connect(9, '127.0.0.1'); fetch('http://127.0.0.1:9/').catch(() => {})"], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: `--require ${PRELOAD}`, SG_NET_LOG: netLog },
    });
    expect(res.status).not.toBe(0);
    expect(fs.readFileSync(netLog, 'utf8')).toMatch(/net\.connect/);
    fs.rmSync(netLog, { force: true });
    const dns = spawnSync(process.execPath, ['-e', "require('node:dns').lookup('example.com', () => {})"], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: `--require ${PRELOAD}`, SG_NET_LOG: netLog },
    });
    expect(dns.status).not.toBe(0);
    expect(fs.readFileSync(netLog, 'utf8')).toMatch(/dns\.lookup example\.com/);
  });
});
