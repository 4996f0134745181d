import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, REPO } from './helpers/cli.js';

// The built CLI (npm test builds first) on fixtures/scan/pii/input/customer.txt, whose last line hides a phone
// number in full-width digits and no-break spaces and an e-mail address behind a zero-width space.
// A copy outside this repository: scanned in place, its sub-folder has no config of its own, and
// spillguard warns that the repository's is not applied.
const INPUT = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-pii-')), 'input');
fs.cpSync(path.join(REPO, 'fixtures/scan/pii/input'), INPUT, { recursive: true });

interface JsonFinding {
  ruleId: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  confidence: string;
  secret: string;
  test?: boolean;
  extra?: Record<string, string>;
}
const run = (...args: string[]) => cli(['scan', '--format', 'json', ...args], { cwd: INPUT });
const rows = (stdout: string) =>
  (JSON.parse(stdout).findings as JsonFinding[]).map((f) => [f.ruleId, f.line, f.column, f.endLine, f.endColumn, f.confidence, f.secret, f.test ?? false, f.extra ?? null]);

describe('spillguard scan --kind pii', () => {
  it('reports exactly these findings, masked, at original positions', () => {
    const r = run('--kind', 'pii');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(rows(r.stdout)).toEqual([
      ['pii-person-name-label', 2, 7, 2, 20, 'high', '*****', false, null],
      ['pii-email', 3, 8, 3, 33, 'low', '*****', true, null],
      ['pii-phone', 4, 8, 4, 24, 'low', '*****', true, { e164: '*****', region: 'GB' }],
      ['pii-credit-card', 5, 7, 5, 26, 'high', '*****', false, { network: 'visa' }],
      ['pii-credit-card', 6, 11, 6, 30, 'low', '*****', true, { network: 'visa' }],
      ['pii-us-ssn', 7, 5, 7, 16, 'high', '*****', false, null],
      ['pii-iban', 7, 23, 7, 50, 'high', '*****', false, { country: 'DE' }],
      ['pii-phone', 8, 8, 8, 21, 'medium', '*****', false, { e164: '*****', region: 'DE' }],
      ['pii-email', 8, 28, 8, 49, 'high', '*****', false, null],
    ]);
    for (const raw of ['4764 4203 5298 5095', '691-78-0460', '+4915123456789', 'Amelia Hughes']) expect(r.stdout).not.toContain(raw);
  });

  it('with --show-secrets, shows the normalised values and the E.164 form', () => {
    const found = JSON.parse(run('--kind', 'pii', '--show-secrets').stdout).findings as JsonFinding[];
    const last = found.slice(-2);
    expect(last.map((f) => [f.secret, f.extra?.e164 ?? null])).toEqual([
      ['0151 23456789', '+4915123456789'],
      ['john@mailbox-demo.de', null],
    ]);
  });

  it('--min-confidence medium drops test values and weak matches', () => {
    const r = run('--kind', 'pii', '--min-confidence', 'medium');
    expect(rows(r.stdout).map((x) => `${x[0]}:${x[1]}`)).toEqual([
      'pii-person-name-label:2',
      'pii-credit-card:5',
      'pii-us-ssn:7',
      'pii-iban:7',
      'pii-phone:8',
      'pii-email:8',
    ]);
  });

  it('a secrets-only scan (the default) does not look for personal data', () => {
    const r = run();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
    const all = run('--kind', 'all');
    expect(rows(all.stdout)).toEqual(rows(run('--kind', 'pii').stdout));
  });
});

describe('fingerprints of personal data in reports and baselines', () => {
  // An SSN is one of 10^9 values: an unkeyed hash of it gives it back to anyone who tries them all.
  const unkeyed = (rule: string, value: string) => createHash('sha256').update(`spillguard:v1\0${rule}\0${value}`).digest('hex').slice(0, 32);
  const dir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-pii-fp-'));
    fs.writeFileSync(path.join(d, 'a.txt'), 'SSN: 536-22-8726\n');
    return d;
  };
  const noKey = { SPILLGUARD_KEY: '' };

  it('are left out without SPILLGUARD_KEY (JSON null, no SARIF partialFingerprints, no baseline entry)', () => {
    const d = dir();
    const json = JSON.parse(cli(['scan', '--kind', 'pii', '-f', 'json'], { cwd: d, env: noKey }).stdout);
    expect(json.findings.map((f: { ruleId: string; fingerprint: unknown }) => [f.ruleId, f.fingerprint])).toEqual([['pii-us-ssn', null]]);
    const sarif = cli(['scan', '--kind', 'pii', '-f', 'sarif'], { cwd: d, env: noKey }).stdout;
    expect(JSON.parse(sarif).runs[0].results[0].partialFingerprints).toBeUndefined();
    expect(sarif).not.toContain(unkeyed('pii-us-ssn', '536-22-8726'));
    const b = cli(['baseline', 'create', '--kind', 'pii'], { cwd: d, env: noKey });
    expect(b.stderr).toBe(
      'spillguard: warning: 1 personal-data finding left out: their fingerprints need SPILLGUARD_KEY (an unkeyed one would give the value back)\nspillguard: wrote 0 entries to .spillguard-baseline.json\n',
    );
  });

  it('are keyed with SPILLGUARD_KEY: stable for one key, unlinkable across keys, and a keyed baseline suppresses', () => {
    const d = dir();
    const fp = (key: string) => JSON.parse(cli(['scan', '--kind', 'pii', '-f', 'json'], { cwd: d, env: { SPILLGUARD_KEY: key } }).stdout).findings[0].fingerprint;
    const a = fp('key-aaaaaaaaaaaaaaaa');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(unkeyed('pii-us-ssn', '536-22-8726'));
    expect(fp('key-aaaaaaaaaaaaaaaa')).toBe(a);
    expect(fp('key-bbbbbbbbbbbbbbbb')).not.toBe(a);
    const env = { SPILLGUARD_KEY: 'key-aaaaaaaaaaaaaaaa' };
    expect(cli(['baseline', 'create', '--kind', 'pii'], { cwd: d, env }).stderr).toBe('spillguard: wrote 1 entry to .spillguard-baseline.json\n');
    const r = cli(['scan', '--kind', 'pii', '--baseline', '.spillguard-baseline.json'], { cwd: d, env });
    expect([r.code, r.stdout.trim().split('\n').pop()]).toEqual([0, 'no findings in 2 files (172 B), 1 suppressed, 0 skipped, 0 errors']); // a.txt and the baseline file
  });

  it('refuse a SPILLGUARD_KEY shorter than 16 bytes, as redact does: such fingerprints could be guessed', () => {
    const r = cli(['scan', '--kind', 'pii', '-f', 'json'], { cwd: dir(), env: { SPILLGUARD_KEY: 'short' } });
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'spillguard: error: SPILLGUARD_KEY must be at least 16 bytes long\n']);
  });
});
