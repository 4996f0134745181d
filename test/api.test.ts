import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './helpers/cli.js';
import { cleanup, Repo } from './helpers/gitrepo.js';
import * as sg from '../src/index.js';

describe('library API', () => {
  it("import { scan, loadRules } from 'spillguard' works from the built package, typed", () => {
    const code = `
      import { scan, scanText, loadRules } from 'spillguard';
      const rules = loadRules({ config: 'fixtures/scan/basic/input/.spillguard.toml' });
      const r = await scan({ paths: ['fixtures/scan/basic/input/src'], rules });
      const t = scanText('x tok_fake0000fake0042', { rules });
      console.log(JSON.stringify([rules.rules.length, r.findings.map((f) => [f.ruleId, f.origin.path, f.span.line, f.span.column]), t.findings.length]));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([
      2,
      [
        ['test-token', 'fixtures/scan/basic/input/src/app.js', 2, 11],
        ['test-token', 'fixtures/scan/basic/input/src/app.js', 5, 20],
      ],
      1,
    ]);
  });

  it('a wrong option is a TypeError or RangeError naming it, not a failure deep inside', () => {
    const code = `
      import { scan, scanText, scanStream, redactText } from 'spillguard';
      const rules = { rules: [], allowlist: { paths: [], regexes: [], stopwords: [] } };
      const out = [];
      const tryIt = async (f) => { try { await f(); out.push('no error'); } catch (e) { out.push(e.name + ': ' + e.message); } };
      await tryIt(() => redactText('x', { rules, operators: { secret: 'bogus' } }));
      await tryIt(() => scanText(123, { rules }));
      await tryIt(() => scan({ rules, minConfidence: 'bogus', paths: [] }));
      await tryIt(() => scan({ rules, workers: -1, paths: [] }));
      await tryIt(() => scan({ rules, kinds: ['secrets'], paths: [] }));
      await tryIt(() => scan({ rules, paths: 'src' }));
      await tryIt(() => scanText('x', { rules, kinds: 'secret' }));
      await tryIt(() => scanStream(['x'], 'stdin', { rules, kinds: ['pii', 'PII'] }));
      console.log(JSON.stringify(out));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([
      'TypeError: redact: operators.secret must be one of mask, tag, pseudonym, hash, drop-record, keep (got "bogus")',
      'TypeError: scanText: text must be a string (got number)',
      'TypeError: scan: minConfidence must be one of high, medium, low (got "bogus")',
      'RangeError: scan: workers must be a whole number from 0 to 64 (got -1)',
      'TypeError: scan: kinds must be a list of secret, pii, injection (got ["secrets"])',
      'TypeError: scan: paths must be a list of files and folders (got "src")',
      'TypeError: scan: kinds must be a list of secret, pii, injection (got "secret")',
      'TypeError: scan: kinds must be a list of secret, pii, injection (got ["pii","PII"])',
    ]);
  });

  it('a document redactText cannot read throws a DocumentError the caller can import and tell apart', () => {
    const code = `
      import { redactText, DocumentError } from 'spillguard';
      const rules = { rules: [], allowlist: { paths: [], regexes: [], stopwords: [] } };
      try { redactText('{"text":"a"}\\n{"text": "b\\n', { rules, format: 'jsonl' }); } catch (e) { console.log(JSON.stringify([e instanceof DocumentError, e.name, e.message])); }
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([true, 'DocumentError', 'line 2: invalid JSON: Unterminated string in JSON at position 11']);
  });

  it('ships type declarations for the entry point', () => {
    const r = spawnSync('grep', ['-c', 'export declare function scan(', `${REPO}/dist/scan/index.d.ts`], { encoding: 'utf8' });
    expect(Number(r.stdout.trim())).toBe(1);
  });
});

describe('library API: options that are not an object', () => {
  const rules = { rules: [], allowlist: { paths: [], regexes: [], stopwords: [], allowTarget: 'secret' as const } };
  const bad = (f: (o: never) => unknown) => async (o: unknown) => {
    try {
      await f(o as never);
      return 'no error';
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };

  it("scan('src') and scan(['src']) are refused, not run as a scan of the working directory; null is named, not read inside", async () => {
    const scan = bad(sg.scan);
    expect(await scan('src')).toBe(`TypeError: scan: options must be an object, e.g. { paths: ['src'] } (got "src")`);
    expect(await scan(['src'])).toBe(`TypeError: scan: options must be an object, e.g. { paths: ['src'] } (got ["src"])`);
    expect(await scan(null)).toBe(`TypeError: scan: options must be an object, e.g. { paths: ['src'] } (got null)`);
    expect(await bad((o) => sg.scanText('x', o))(null)).toBe(`TypeError: scanText: options must be an object, e.g. { rules, path: 'app.env' } (got null)`);
    expect(await bad((o) => sg.scanStream(['x'], 'stdin', o))(5)).toBe('TypeError: scanStream: options must be an object, e.g. { rules } (got 5)');
    expect(await bad(sg.loadRules)('.')).toBe(`TypeError: loadRules: options must be an object, e.g. { root: '.', kinds: ['secret'] } (got ".")`);
    expect(await bad(sg.scanStaged)(null)).toBe(`TypeError: scanStaged: options must be an object, e.g. { cwd: 'repo' } (got null)`);
    expect(await bad(sg.scanHistory)('main')).toBe(`TypeError: scanHistory: options must be an object, e.g. { cwd: 'repo', revs: ['main'] } (got "main")`);
    expect(await bad(sg.installHooks)(null)).toBe(`TypeError: installHooks: options must be an object, e.g. { cwd: 'repo', prePush: true } (got null)`);
    expect(await bad(sg.uninstallHooks)(() => 0)).toBe(`TypeError: uninstallHooks: options must be an object, e.g. { cwd: 'repo' } (got a function)`);
  });

  it('the redaction entry points name options that are null or a string', async () => {
    expect(await bad((o) => sg.redactText('x', o))(null)).toBe(`TypeError: redactText: options must be an object, e.g. { redactor, format: 'html' } (got null)`);
    expect(await bad((o) => sg.redactText('x', o))('html')).toBe(`TypeError: redactText: options must be an object, e.g. { redactor, format: 'html' } (got "html")`);
    expect(await bad(sg.redactStream)(null)).toBe(`TypeError: redactStream: options must be an object, e.g. { redactor, format: 'jsonl', fields: ['text'] } (got null)`);
    expect(await bad(sg.createRedactor)('k'.repeat(16))).toBe(`TypeError: createRedactor: options must be an object, e.g. { rules, key } (got "${'k'.repeat(16)}")`);
    expect(await bad(sg.redactCorpus)(null)).toBe('TypeError: redactCorpus: options must be an object, e.g. { paths, cwd, outDir, redactor } (got null)');
    expect(await bad(sg.redactCorpus)(undefined)).toBe('TypeError: redactCorpus: cwd must be a path (got undefined)');
    // Omitted options still mean the defaults.
    expect(sg.scanText('x', undefined).findings).toEqual([]);
    expect(sg.redactText('mail ann@example.com', { rules: { ...rules, rules: sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: ['pii'] }).rules } }).text).toBe('mail [EMAIL]');
  });
});

describe('library API: numeric scan options', () => {
  const rules = sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: ['pii'] });
  const text = Array.from({ length: 2000 }, (_, i) => `line ${i} mail user${i}@example.com filler filler\n`).join('');
  const msg = (f: () => unknown) => {
    try {
      f();
      return 'no error';
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };

  it('a chunkSize below the overlap (the default 64 KiB) is refused: every chunk after the first skipped text, and findings were lost', () => {
    expect(msg(() => sg.scanText(text, { rules, chunkSize: 1000 }))).toBe('RangeError: scan: chunkSize (1000) must be at least overlap (65536, the default: pass a smaller overlap)');
    expect(msg(() => sg.scanText(text, { rules, chunkSize: 100, overlap: 500 }))).toBe('RangeError: scan: chunkSize (100) must be at least overlap (500)');
    expect(sg.scanText(text, { rules, chunkSize: 1000, overlap: 200 }).findings.length).toBe(2000);
  });

  it('a chunk size, overlap, size limit or decoding depth that is not a whole number is named; a string overlap made the scan loop forever', async () => {
    expect(msg(() => sg.scanText(text, { rules, overlap: 'a' as unknown as number }))).toBe('TypeError: scan: overlap must be a whole number of at least 0 (got "a")');
    expect(msg(() => sg.scanText(text, { rules, chunkSize: 0 }))).toBe('RangeError: scan: chunkSize must be a whole number of at least 1 (got 0)');
    expect(msg(() => sg.scanText(text, { rules, chunkSize: 1.5, overlap: 1 }))).toBe('RangeError: scan: chunkSize must be a whole number of at least 1 (got 1.5)');
    expect(msg(() => sg.scanText(text, { rules, decodeDepth: -1 }))).toBe('RangeError: scan: decodeDepth must be a whole number of at least 0 (got -1)');
    await expect(sg.scan({ rules, paths: ['/nonexistent-spillguard-qa'], maxFileSize: NaN })).rejects.toThrow(new RangeError('scan: maxFileSize must be a whole number of at least 0 (got NaN)'));
    await expect(sg.scanStream(['x'], 'stdin', { rules, maxFileSize: '10' as unknown as number })).rejects.toThrow(new TypeError('scan: maxFileSize must be a whole number of at least 0 (got "10")'));
  });
});

describe('library API: list, path and lookup options', () => {
  const rules = sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: ['pii'] });
  const where = '/nonexistent-spillguard-qa';

  it('include or exclude given as one glob, a cwd that is not a path and a baseline that is not a lookup are named, not failures inside the walk', async () => {
    await expect(sg.scan({ rules, paths: [where], include: '*.js' as unknown as string[] })).rejects.toThrow(new TypeError('scan: include must be a list of globs (got "*.js")'));
    await expect(sg.scan({ rules, paths: [where], exclude: '*.min.js' as unknown as string[] })).rejects.toThrow(new TypeError('scan: exclude must be a list of globs (got "*.min.js")'));
    await expect(sg.scan({ rules, paths: [where], cwd: 5 as unknown as string })).rejects.toThrow(new TypeError('scan: cwd must be a path (got 5)'));
    expect(() => sg.scanText('x', { rules, baseline: [] as unknown as sg.BaselineLookup })).toThrow(new TypeError('scan: baseline must be a lookup with a match(finding) method (got an array)'));
    await expect(sg.scanStaged({ cwd: where, rules, baseline: {} as sg.BaselineLookup })).rejects.toThrow(
      new TypeError('scanStaged: baseline must be a lookup with a match(finding) method (got an object with no keys)'),
    );
    const r = await sg.scan({ rules, paths: [where], include: ['*.js'], exclude: ['*.min.js'], cwd: '/', baseline: { match: () => undefined } });
    expect(r.errors).toEqual([{ path: 'nonexistent-spillguard-qa', message: 'no such file or directory' }]);
  });

  it('scanStream without its name (options in its place) is named, not a finding whose path is an object', async () => {
    await expect(sg.scanStream(['mail ann@example.com'], { rules } as unknown as string)).rejects.toThrow(
      new TypeError('scanStream: name must be a string, the name findings are reported under (got an object with rules)'),
    );
    await expect(sg.scanStream(null as unknown as string[], 'stdin', { rules })).rejects.toThrow(
      new TypeError('scanStream: input must be a stream or an iterable of Buffers or strings (got null)'),
    );
    const r = await sg.scanStream(['mail ann@example.com'], 'stdin', { rules });
    expect(r.findings.map((f) => [f.ruleId, f.origin.path, f.span.column])).toEqual([['pii-email', 'stdin', 6]]);
  });
});

describe('library API: loadRules', () => {
  it("a misspelt kind (['secrets']) is named, not a rule set with no rules; a lone string ('pii') is named too", () => {
    expect(() => sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: ['secrets'] as unknown as sg.Kind[] })).toThrow(
      new TypeError('loadRules: kinds must be a list of secret, pii, injection (got ["secrets"])'),
    );
    expect(() => sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: 'pii' as unknown as sg.Kind[] })).toThrow(
      new TypeError('loadRules: kinds must be a list of secret, pii, injection (got "pii")'),
    );
    expect(new Set(sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: ['pii'] }).rules.map((r) => r.kind))).toEqual(new Set(['pii']));
  });
});

describe('library API: git scans', () => {
  afterAll(cleanup);
  const rules = sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: ['pii'] });

  it("a misspelt minConfidence ('Medium') or kind is named: it dropped every finding, so a pre-commit check built on it passed", async () => {
    const repo = Repo.init();
    repo.write('a.txt', 'first\n');
    repo.commitAll('first');
    repo.git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    repo.write('b.txt', 'mail ann@example.com\n');
    repo.commitAll('second');
    repo.write('c.txt', 'mail bob@example.com\n');
    repo.git('add', 'c.txt');
    const cwd = repo.dir;
    await expect(sg.scanStaged({ cwd, rules, minConfidence: 'Medium' as sg.Confidence })).rejects.toThrow(new TypeError('scanStaged: minConfidence must be one of high, medium, low (got "Medium")'));
    await expect(sg.scanStaged({ cwd, rules, kinds: ['PII'] as unknown as sg.Kind[] })).rejects.toThrow(new TypeError('scanStaged: kinds must be a list of secret, pii, injection (got ["PII"])'));
    await expect(sg.scanHistory({ cwd, rules, since: 'origin/main', minConfidence: 'bogus' as sg.Confidence })).rejects.toThrow(
      new TypeError('scanHistory: minConfidence must be one of high, medium, low (got "bogus")'),
    );
    await expect(sg.scanHistory({ cwd, rules: rules.rules as unknown as sg.RuleSet })).rejects.toThrow(
      new TypeError('scanHistory: rules must be a rule set { rules, allowlist } as loadRules() returns (got an array)'),
    );
    const staged = await sg.scanStaged({ cwd, rules, kinds: ['pii'], minConfidence: 'low' });
    expect(staged.findings.map((f) => [f.ruleId, f.origin.path, f.span.line, f.span.column])).toEqual([['pii-email', 'c.txt', 1, 6]]);
    const history = await sg.scanHistory({ cwd, rules: () => rules, since: 'origin/main', minConfidence: 'low' });
    expect(history.findings.map((f) => [f.ruleId, f.origin.path, f.span.line, f.span.column])).toEqual([['pii-email', 'b.txt', 1, 6]]);
  });
});

describe('library API: yes/no options and mask', () => {
  const rules = sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: ['pii'] });
  const where = '/nonexistent-spillguard-qa';
  const no = 'false' as unknown as boolean;

  it("a yes/no option given as a string ('false', 'no') is named, not read for its truthiness (gitignore: 'false' still honoured .gitignore)", async () => {
    await expect(sg.scan({ rules, paths: [where], gitignore: no })).rejects.toThrow(new TypeError('scan: gitignore must be true or false (got "false")'));
    await expect(sg.scan({ rules, paths: [where], reportUnused: 1 as unknown as boolean })).rejects.toThrow(new TypeError('scan: reportUnused must be true or false (got 1)'));
    expect(() => sg.createRedactor({ rules, injection: no })).toThrow(new TypeError('createRedactor: injection must be true or false (got "false")'));
    const redactor = sg.createRedactor({ rules });
    expect(() => sg.redactText('a,b\n', { redactor, format: 'csv', header: 'no' as unknown as boolean })).toThrow(new TypeError('redactText: header must be true or false (got "no")'));
    await expect(sg.redactCorpus({ paths: [where], cwd: where, outDir: '/nonexistent-spillguard-qa-out', redactor: { rules }, resume: no })).rejects.toThrow(
      new TypeError('redactCorpus: resume must be true or false (got "false")'),
    );
    await expect(sg.installHooks({ cwd: where, force: no })).rejects.toThrow(new TypeError('installHooks: force must be true or false (got "false")'));
  });

  it('mask() of something that is not a string is named, not "secret.slice is not a function"', () => {
    expect(() => sg.mask(5 as unknown as string)).toThrow(new TypeError('mask: secret must be a string (got number)'));
    expect(sg.mask('sk_live_0000000000000000000000')).toBe('sk_l*****');
  });
});

describe('library API: loadBaseline', () => {
  it('reads a baseline file as the lookup scans take (the CLI\'s --baseline); an unreadable one is a SpillguardError naming it', () => {
    const rules = sg.loadRules({ root: '/nonexistent-spillguard-qa', kinds: ['secret'] });
    // Generated here: a random live-looking key that the stripe rule reports.
    const key = 'sk_live_' + Array.from(randomBytes(24), (b) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[b % 62]).join('');
    const text = `stripe_key = "${key}"\n`;
    const found = sg.scanText(text, { rules, path: 'app.env' });
    expect(found.findings.map((f) => [f.ruleId, f.span.line, f.span.column])).toEqual([['stripe-live-secret-key', 1, 15]]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-baseline-'));
    const file = path.join(dir, '.spillguard-baseline.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, entries: [{ fingerprint: found.findings[0].fingerprint, ruleId: 'stripe-live-secret-key', path: 'app.env' }] }));
    const again = sg.scanText(text, { rules, path: 'app.env', baseline: sg.loadBaseline(file, { name: '.spillguard-baseline.json' }) });
    expect(again.findings).toEqual([]);
    expect(again.suppressed.map((d) => d.reason)).toEqual(['baseline .spillguard-baseline.json: stripe-live-secret-key in app.env']);
    expect(() => sg.loadBaseline(path.join(dir, 'missing.json'))).toThrow(sg.SpillguardError);
    expect(() => sg.loadBaseline(path.join(dir, 'missing.json'))).toThrow(/cannot read baseline: /);
  });
});
