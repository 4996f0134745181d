import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILTIN_RULES_DIR, loadPacks, loadRules } from '../src/config/rules.js';
import { createEngine } from '../src/engine/engine.js';
import { RuleBudgetError } from '../src/engine/safe-regex.js';
import type { RuleSpec } from '../src/engine/types.js';
import { scanText } from '../src/scan/index.js';
import { BIN, cli } from './helpers/cli.js';
import { rulesFrom } from './helpers/rules.js';

/**
 * Untrusted patterns (docs/SECURITY.md): a user's catastrophic regex cannot hang a scan, and no
 * built-in rule is super-linear on long runs of what it matches.
 */

const tmpDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-redos-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

const EVIL = `
[[rules]]
id = "evil"
description = "Catastrophic backtracking"
regex = '''(a+)+$'''

[[rules]]
id = "test-token"
description = "Test token"
regex = '''\\b(tok_[a-z0-9]{16})\\b'''
keywords = ["tok_"]
`;
/** V8 needs minutes for (a+)+$ on 30 characters; this is 100 KB. */
const HOSTILE = 'a'.repeat(100_000) + '!';

describe('user rules run under a time budget', () => {
  it('rules from a configuration are untrusted, built-in rules are not', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'cfg.toml'), EVIL);
    const rules = loadRules({ root: dir, config: 'cfg.toml' });
    expect(rules.rules.find((r) => r.id === 'evil')?.untrusted).toBe(true);
    expect(rules.rules.find((r) => r.id === 'aws-access-key-id')?.untrusted).toBeUndefined();
    expect(loadPacks(BUILTIN_RULES_DIR).rules.every((r) => !r.untrusted)).toBe(true);
    expect(loadPacks(path.join(dir, 'cfg.toml'), false).rules.every((r) => r.untrusted)).toBe(true);
  });

  it('a user rule (a+)+$ on 100 KB of "a" + "!" is stopped within its budget; the other rules still run', () => {
    const { rules, allowlist } = rulesFrom(EVIL);
    const engine = createEngine({ rules: rules.map((r) => ({ ...r, untrusted: true })), allowlist }, { ruleBudgetMs: 300 });
    const t0 = performance.now();
    let err: unknown;
    try {
      scanText(`${HOSTILE}\ntoken tok_fake0000fake0001\n`, { engine, path: 'hostile.txt' });
    } catch (e) {
      err = e;
    }
    const took = performance.now() - t0;
    expect(err).toBeInstanceOf(RuleBudgetError);
    const e = err as RuleBudgetError;
    expect(e.stops).toEqual([{ ruleId: 'evil', path: 'hostile.txt', budgetMs: 300 }]);
    expect(e.render()).toMatch(/^hostile\.txt: rule "evil" ran longer than 300 ms/);
    expect(e.findings.map((f) => f.ruleId)).toEqual(['test-token']);
    // Budget + worker start-up + a second worker for the other rule; generous for a loaded CI machine.
    expect(took).toBeLessThan(15_000);

    // The stopped rule stays off: the next chunk is scanned at full speed, without an error.
    const t1 = performance.now();
    const next = scanText(`${HOSTILE}\ntok_fake0000fake0002\n`, { engine, path: 'next.txt' });
    expect(performance.now() - t1).toBeLessThan(5_000);
    expect(next.findings.map((f) => f.ruleId)).toEqual(['test-token']);
  });

  it('path scoping of a user rule (a user regex too) runs in the worker, under the same budget', () => {
    const { rules, allowlist } = rulesFrom(`
[[rules]]
id = "scoped"
regex = '''\\b(tok_[a-z0-9]{16})\\b'''
keywords = ["tok_"]
path = '''(a+)+$'''
`);
    const user = { rules: rules.map((r) => ({ ...r, untrusted: true })), allowlist };
    const engine = createEngine(user, { ruleBudgetMs: 300 });
    const t0 = performance.now();
    expect(() => scanText('tok_fake0000fake0001\n', { engine, path: 'a'.repeat(40) + '!' })).toThrow(/rule "scoped" ran longer than 300 ms/);
    expect(performance.now() - t0).toBeLessThan(15_000);
    // A path the regex accepts quickly still scopes the rule as before.
    const fresh = createEngine(user, { ruleBudgetMs: 300 });
    expect(scanText('tok_fake0000fake0001\n', { engine: fresh, path: 'aaa' }).findings).toHaveLength(1);
    expect(scanText('tok_fake0000fake0001\n', { engine: fresh, path: 'bbb' }).findings).toHaveLength(0);
  });

  it('a user allowlist pattern (a user regex too) runs under the budget: a config error, not a hang', () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'cfg.toml'),
      `[extend]\nuseDefault = false\n[[rules]]\nid = "run"\nregex = '''\\b(a{30}!)'''\n[allowlist]\nregexes = ['''(a+)+$''', '''^tok_''']\npaths = ['''^vendor/''']\n`,
    );
    const rules = loadRules({ root: dir, config: 'cfg.toml' });
    expect(rules.allowlist.untrusted).toEqual(['^vendor/', '(a+)+$', '^tok_']);
    const t0 = performance.now();
    expect(() => scanText(`x ${'a'.repeat(30)}!`, { rules, path: 'a.txt' })).toThrow(/allowlist pattern \/\(a\+\)\+\$\/ ran longer than 2000 ms/);
    expect(performance.now() - t0).toBeLessThan(20_000);
    // Well-behaved user patterns still allow what they match, in the worker.
    const ok = loadRules({ root: dir, config: 'cfg.toml' });
    ok.allowlist.regexes = ok.allowlist.regexes.filter((r) => r !== '(a+)+$');
    ok.allowlist.untrusted = ok.allowlist.untrusted!.filter((r) => r !== '(a+)+$');
    expect(scanText(`x ${'a'.repeat(30)}!`, { rules: ok, path: 'a.txt' }).findings).toHaveLength(1);
    const vendor = scanText(`x ${'a'.repeat(30)}!`, { rules: ok, path: 'vendor/a.txt' });
    expect(vendor.findings).toHaveLength(0);
    expect(vendor.suppressed.map((d) => d.reason)).toEqual(['allowlist path /^vendor//']);
  });

  it('user rules give the same findings, offsets and confidence as on the calling thread', () => {
    const { rules, allowlist } = rulesFrom(`
[[rules]]
id = "test-token"
regex = '''\\b(tok_[a-z0-9]{16})\\b'''
keywords = ["tok_"]
entropy = 2.0
[[rules]]
id = "unkeyed-word"
regex = '''(?i)\\bsecret=([a-z0-9]{8,})'''
`);
    const text = 'é😀 tok_fake0000fake0001\nline\r\nSECRET=abcd1234efgh x tok_aaaaaaaaaaaaaaaa\n'.repeat(50);
    const plain = scanText(text, { rules: { rules, allowlist }, path: 'x.txt' });
    const guarded = scanText(text, { rules: { rules: rules.map((r) => ({ ...r, untrusted: true })), allowlist }, path: 'x.txt' });
    expect(guarded.findings.length).toBeGreaterThan(0);
    expect(guarded.findings).toEqual(plain.findings);
  });

  it('the CLI reports the stopped rule with the file, keeps the other findings, exits 2, and finishes in bounded time', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '.spillguard.toml'), `[extend]\nuseDefault = false\n${EVIL}`);
    fs.writeFileSync(path.join(dir, 'hostile.txt'), HOSTILE);
    fs.writeFileSync(path.join(dir, 'ok.txt'), 'token = tok_fake0000fake0001\n');
    const t0 = performance.now();
    const r = cli(['scan', '.', '--format', 'json'], { cwd: dir });
    const took = performance.now() - t0;
    const doc = JSON.parse(r.stdout);
    expect(doc.errors).toEqual([
      {
        path: 'hostile.txt',
        message: expect.stringMatching(/^rule "evil" ran longer than 2000 ms on one chunk and was stopped .*disabled for the rest of the run$/),
      },
    ]);
    expect(doc.findings.map((f: { ruleId: string; path: string }) => [f.ruleId, f.path])).toEqual([['test-token', 'ok.txt']]);
    expect(r.code).toBe(2);
    expect(took).toBeLessThan(30_000);
  });

  it('Node run with V8 options (--max-old-space-size, --stack-trace-limit) still starts the regex worker', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '.spillguard.toml'), `[extend]\nuseDefault = false\n${EVIL}`);
    fs.writeFileSync(path.join(dir, 'ok.txt'), 'token = tok_fake0000fake0001\n');
    const r = spawnSync(process.execPath, ['--max-old-space-size=1024', '--stack-trace-limit=20', BIN, 'scan', '.'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok.txt:1:9  high  test-token  tok_*****\n1 finding (1 high) in 2 files (256 B), 0 suppressed, 0 skipped, 0 errors\n');
    expect(r.status).toBe(1);
  });

  it('standard input: the stopped rule is an error naming the rule and the stream, the rest is reported, exit 2, no hang', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'cfg.toml'), `[extend]\nuseDefault = false\n${EVIL}`);
    const t0 = performance.now();
    const r = cli(['scan', '-', '--config', 'cfg.toml', '--stdin-name', 'build.log', '--format', 'json'], { cwd: dir, input: `${HOSTILE}\ntok_fake0000fake0001\n` });
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.errors).toEqual([{ path: 'build.log', message: expect.stringMatching(/^rule "evil" ran longer than 2000 ms/) }]);
    // The stream's other findings are still reported.
    expect(doc.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['test-token']);
  });
});

// ---- built-in rules -----------------------------------------------------------------------------

const builtin = loadPacks(BUILTIN_RULES_DIR, true).rules;

/** Characters a bracket class, escape or dot in the pattern accepts: a few of each, for long runs. */
const POOL = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), '\t', '\n', 'é', 'Ω', '٣', '\u00a0', '😀'];
function runChars(rule: RuleSpec): string[] {
  const src = rule.regex;
  const atoms = src.match(/\[(?:\\.|[^\]\\])*\]|\\[dDwWsS]|\.|\\p\{[^}]+\}/g) ?? [];
  const out = new Set<string>();
  for (const atom of atoms) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${atom})$`, rule.flags.replace(/[gmy]/g, ''));
    } catch {
      continue;
    }
    const ok = POOL.filter((c) => re.test(c));
    if (ok.length === 0) continue;
    for (const c of [ok[0], ok[ok.length >> 1], ok[ok.length - 1]]) out.add(c);
    if (out.size >= 8) break;
  }
  return [...out].slice(0, 8);
}

/**
 * Adversarial inputs for one rule: long runs of its classes, after its keyword and interleaved with
 * it, and the keyword over and over. (Not its examples repeated: thousands of real findings cost
 * validators and context scoring per finding, which is throughput, not backtracking.)
 */
function adversarial(rule: RuleSpec): string[] {
  const kw = rule.keywords[0] ?? '';
  const inputs: string[] = [];
  const fill = (unit: string, size: number) => unit.repeat(Math.max(1, Math.ceil(size / Math.max(1, unit.length)))).slice(0, size);
  for (const c of runChars(rule)) {
    // One keyword, then 100 KB of one class: rules without keywords (and multi-line rules) see it all.
    inputs.push(kw + ' = ' + fill(c, 100_000));
    // The keyword every 200 characters: keyword windows merge into one long window.
    inputs.push(fill(`${kw}${fill(c, 200)}`, 32_000));
  }
  // The keyword over and over, on one line.
  if (kw) inputs.push(fill(`${kw}=`, 32_000), fill(kw, 32_000));
  return inputs;
}

describe('built-in rules on adversarial input', () => {
  it('each rule stays under 2 s per MB on long runs of its own character classes and keyword', async () => {
    // In the worker with a budget, so that a catastrophic rule fails this test instead of hanging it.
    const slow: string[] = [];
    const t00 = performance.now();
    let total = 0;
    for (const rule of builtin) {
      const engine = createEngine({ rules: [{ ...rule, untrusted: true }], allowlist: { paths: [], regexes: [], stopwords: [], allowTarget: 'secret' } }, { ruleBudgetMs: 5_000 });
      const inputs = adversarial(rule);
      const bytes = inputs.reduce((n, s) => n + s.length, 0);
      total += bytes;
      let took = 0;
      try {
        for (const text of inputs) {
          const t0 = performance.now();
          scanText(text, { engine, path: 'adversarial.txt' });
          took += performance.now() - t0;
          // The test runner talks to this process between inputs: never block it for long.
          await new Promise((r) => setImmediate(r));
        }
      } catch (e) {
        slow.push(`${rule.id}: ${(e as Error).message}`);
        continue;
      }
      const secPerMB = took / 1000 / (bytes / 1e6);
      if (secPerMB > 2) slow.push(`${rule.id}: ${secPerMB.toFixed(2)} s/MB`);
    }
    const took = (performance.now() - t00) / 1000;
    console.log(`adversarial inputs: ${builtin.length} rules, ${(total / 1e6).toFixed(0)} MB in ${took.toFixed(1)} s`);
    expect(slow).toEqual([]);
  }, 120_000);
});
