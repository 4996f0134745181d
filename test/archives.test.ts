import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DEFAULT_ARCHIVE_LIMITS, fmtBytes as fmt, readArchive, unsafeMemberName, type ArchiveEvent } from '../src/sources/archive.js';
import { BIN, cli } from './helpers/cli.js';
import { TOK_RULE } from './helpers/rules.js';
import { gzip, gzipRaw, tar, zerosDeflate, zip } from './helpers/archives.js';

/** Test-local rules only (the tok_ rule), so findings are exact. */
const CONFIG = `[extend]\nuseDefault = false\n${TOK_RULE}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Temporary projects, removed after the tests (archives built here weigh megabytes). */
const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string | Buffer>, parent?: string): string {
  const dir = parent ? path.join(parent, 'p') : fs.mkdtempSync(path.join(os.tmpdir(), 'sg-archive-'));
  made.push(parent ?? dir);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '.spillguard.toml'), CONFIG);
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

interface Json {
  findings: { ruleId: string; path: string; member?: string; line: number; column: number; decoded?: string; secret: string }[];
  skipped: { path: string; reason: string }[];
  errors: { path: string; message: string }[];
}
function scanJson(dir: string, args: string[] = []): { code: number; doc: Json; stderr: string } {
  const r = cli(['scan', '--format', 'json', ...args], { cwd: dir });
  if (!r.stdout) throw new Error(`no report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, doc: JSON.parse(r.stdout) as Json, stderr: r.stderr };
}
const row = (f: Json['findings'][number]) => [f.ruleId, f.member ? `${f.path}!${f.member}` : f.path, f.line, f.column, f.decoded ?? null];

/** 1-based [line, column] of `needle` in `text`. */
function pos(text: string, needle: string): [number, number] {
  const i = text.indexOf(needle);
  expect(i, needle).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, i);
  return [before.split('\n').length, i - before.lastIndexOf('\n')];
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

describe('a zip inside an npm-style tgz', () => {
  const indexJs = `"use strict";\nmodule.exports = {\n  token: "tok_fake0000fake0301",\n  basic: "${b64('ci:tok_fake0000fake0302')}",\n};\n`;
  const appEnv = 'NAME=shop\nAPI=tok_fake0000fake0303\n';
  const indexTs = '// dev key tok_fake0000fake0304\nexport const x = 1;\n';
  const map = JSON.stringify({ version: 3, sources: ['../src/index.ts'], sourcesContent: [indexTs], mappings: 'AAAA' });
  const inner = zip([
    { name: 'conf/app.env', data: appEnv },
    { name: 'img/logo.png', data: PNG },
    { name: 'conf/', data: '' },
  ]);
  const tgz = gzip(
    tar([
      { name: 'package/package.json', data: '{"name":"shop","version":"1.0.0"}\n' },
      { name: 'package/dist/index.js', data: indexJs },
      { name: 'package/dist/index.js.map', data: map },
      { name: 'package/vendor/lib.zip', data: inner },
      { name: 'package/dist/link.js', type: '2' },
    ]),
  );
  const dir = project({ 'shop-1.0.0.tgz': tgz });

  it('reports members as outer.tgz!member, nested as a!b!c, with exact lines, columns and decoded markers', () => {
    const { code, doc, stderr } = scanJson(dir);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(doc.findings.map(row)).toEqual([
      ['test-token', 'shop-1.0.0.tgz!package/dist/index.js', ...pos(indexJs, 'tok_fake0000fake0301'), null],
      ['test-token', 'shop-1.0.0.tgz!package/dist/index.js', ...pos(indexJs, b64('ci:tok_fake0000fake0302')), 'base64'],
      ['test-token', 'shop-1.0.0.tgz!package/dist/index.js.map!package/src/index.ts', ...pos(indexTs, 'tok_fake0000fake0304'), null],
      ['test-token', 'shop-1.0.0.tgz!package/vendor/lib.zip!conf/app.env', ...pos(appEnv, 'tok_fake0000fake0303'), null],
    ]);
    expect(doc.findings.map((f) => f.secret)).toEqual(['tok_*****', 'tok_*****', 'tok_*****', 'tok_*****']);
    expect(doc.skipped).toEqual([
      { path: 'shop-1.0.0.tgz', reason: '1 binary member not scanned (e.g. package/vendor/lib.zip!img/logo.png)' },
      { path: 'shop-1.0.0.tgz!package/dist/link.js', reason: 'symbolic link in archive; not followed' },
    ]);
    expect(doc.errors).toEqual([]);
  });

  it('text output names the member the way people copy it', () => {
    const r = cli(['scan'], { cwd: dir });
    expect(r.stdout.split('\n')[0]).toBe(`shop-1.0.0.tgz!package/dist/index.js:${pos(indexJs, 'tok_fake0000fake0301').join(':')}  high  test-token  tok_*****`);
  });

  it('--max-archive-depth stops at the named depth, --no-archives leaves archives closed', () => {
    const shallow = scanJson(dir, ['--max-archive-depth', '1']);
    expect(shallow.doc.findings.map((f) => f.member)).not.toContain('package/vendor/lib.zip!conf/app.env');
    expect(shallow.doc.skipped).toContainEqual({ path: 'shop-1.0.0.tgz!package/vendor/lib.zip', reason: 'archive nested deeper than --max-archive-depth 1; not opened' });
    const closed = scanJson(dir, ['--no-archives']);
    expect(closed.code).toBe(0);
    expect(closed.doc.skipped).toEqual([{ path: 'shop-1.0.0.tgz', reason: 'binary file' }]);
  });

  it('works the same in worker threads (the options travel with workerData)', () => {
    const d = project({
      'a.tgz': tgz,
      'b.zip': zip([{ name: 'deep/c.tgz', data: gzip(tar([{ name: 'x.txt', data: 'tok_fake0000fake0305\n' }])) }]),
      'filler1.txt': 'x'.repeat(3 << 20),
      'filler2.txt': 'y'.repeat(2 << 20),
    });
    const r = scanJson(d, ['--workers', '2', '--max-archive-depth', '2']);
    expect(r.doc.findings.map(row)).toEqual([
      ['test-token', 'a.tgz!package/dist/index.js', ...pos(indexJs, 'tok_fake0000fake0301'), null],
      ['test-token', 'a.tgz!package/dist/index.js', ...pos(indexJs, b64('ci:tok_fake0000fake0302')), 'base64'],
      ['test-token', 'a.tgz!package/dist/index.js.map!package/src/index.ts', ...pos(indexTs, 'tok_fake0000fake0304'), null],
      ['test-token', 'a.tgz!package/vendor/lib.zip!conf/app.env', ...pos(appEnv, 'tok_fake0000fake0303'), null],
      ['test-token', 'b.zip!deep/c.tgz!x.txt', 1, 1, null],
    ]);
    const three = scanJson(d, ['--workers', '2', '--max-archive-depth', '1']);
    expect(three.doc.skipped).toContainEqual({ path: 'b.zip!deep/c.tgz', reason: 'archive nested deeper than --max-archive-depth 1; not opened' });
  });
});

describe('other archive kinds', () => {
  it('.jar, .whl, .tar, .gz, and a large streamed tar member', () => {
    const big = `${'filler line\n'.repeat(800_000)}last: tok_fake0000fake0310\n`; // 9.6 MB: streamed, not buffered
    const dir = project({
      'lib.jar': zip([{ name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' }, { name: 'app.properties', data: 'key=tok_fake0000fake0306\n', store: true }]),
      'pkg-1.0-py3-none-any.whl': zip([{ name: 'pkg/settings.py', data: 'TOKEN = "tok_fake0000fake0307"\n' }]),
      'backup.tar': tar([{ name: 'etc/app.conf', data: '\n\ntoken tok_fake0000fake0308\n' }, { name: 'var/big.log', data: big }]),
      'logs/app.log.gz': gzip('start\nAuthorization: Bearer tok_fake0000fake0309\n'),
      'fake.zip': 'not a zip, but a text file: tok_fake0000fake0311\n',
    });
    const { code, doc } = scanJson(dir, ['--max-file-size', '0']);
    expect(code).toBe(1);
    expect(doc.findings.map(row)).toEqual([
      ['test-token', 'backup.tar!etc/app.conf', 3, 7, null],
      ['test-token', 'backup.tar!var/big.log', 800_001, 7, null],
      ['test-token', 'fake.zip', 1, 29, null],
      ['test-token', 'lib.jar!app.properties', 1, 5, null],
      ['test-token', 'logs/app.log.gz!app.log', 2, 23, null],
      ['test-token', 'pkg-1.0-py3-none-any.whl!pkg/settings.py', 1, 10, null],
    ]);
    expect(doc.errors).toEqual([]);
  });

  it("a rule's paths and its allowlist's paths test the member's reported path, as on a plain file", () => {
    // Scoped to .conf files, vendor/ allowlisted: the archive's own name (.whl, .tgz) must not decide.
    const scoped = `[extend]\nuseDefault = false\n[[rules]]\nid = "conf-token"\nregex = '''\\b(tok_[a-z0-9]{16})\\b'''\nkeywords = ["tok_"]\npaths = ['''\\.conf$''']\n[rules.allowlist]\npaths = ['''!vendor/''']\n`;
    const files = [
      { name: 'etc/app.conf', data: 'token tok_fake0000fake0320\n' },
      { name: 'etc/app.txt', data: 'token tok_fake0000fake0321\n' },
      { name: 'vendor/lib.conf', data: 'token tok_fake0000fake0322\n' },
    ];
    const dir = project({ 'pkg-1.0-py3-none-any.whl': zip(files), 'dist.tgz': gzip(tar(files)) });
    fs.writeFileSync(path.join(dir, '.spillguard.toml'), scoped);
    expect(scanJson(dir).doc.findings.map(row)).toEqual([
      ['conf-token', 'dist.tgz!etc/app.conf', 1, 7, null],
      ['conf-token', 'pkg-1.0-py3-none-any.whl!etc/app.conf', 1, 7, null],
    ]);
  });

  it('built-in packs: config-password-unquoted leaves source files in a wheel alone, as on disk', () => {
    const dir = project({
      'pkg-1.0-py3-none-any.whl': zip([
        { name: 'pkg/diff.py', data: 'if x:\n    local_tree_pass = local_tree_pass2\n' },
        { name: 'pkg/setup.cfg', data: '[db]\npassword = Qz7rLw2mVx9k\n' },
      ]),
    });
    fs.writeFileSync(path.join(dir, '.spillguard.toml'), '');
    expect(scanJson(dir).doc.findings.map(row)).toEqual([['config-password-unquoted', 'pkg-1.0-py3-none-any.whl!pkg/setup.cfg', 2, 12, null]]);
  });

  it('a corrupt archive is an error naming it, and the scan goes on (exit 2)', () => {
    const dir = project({ 'broken.zip': Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 7)]), 'ok.txt': 'tok_fake0000fake0312\n' });
    const { code, doc } = scanJson(dir);
    expect(code).toBe(2);
    expect(doc.errors).toEqual([{ path: 'broken.zip', message: 'cannot read zip archive: no end of central directory record' }]);
    expect(doc.findings.map(row)).toEqual([['test-token', 'ok.txt', 1, 1, null]]);
  });
});

describe('hostile archives', () => {
  it('members named ../ or absolute are reported and never extracted or scanned', () => {
    const secret = 'tok_fake0000fake0320\n';
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-evil-'));
    const dir = project({
      'evil.zip': zip([
        { name: '../../outside.txt', data: secret },
        { name: '/etc/cron.d/job', data: secret },
        { name: 'a/../../b.txt', data: secret },
        { name: 'C:\\Windows\\x.txt', data: secret },
        { name: 'ok/fine.txt', data: 'nothing here\n' },
      ]),
      'evil.tar': tar([{ name: '../up.txt', data: secret }]),
    }, parent);
    const { code, doc } = scanJson(dir);
    expect(code).toBe(0);
    expect(doc.findings).toEqual([]);
    const why = 'unsafe member name (absolute or ../ path); not scanned, never extracted';
    expect(doc.skipped).toEqual([
      { path: 'evil.tar!../up.txt', reason: why },
      { path: 'evil.zip!../../outside.txt', reason: why },
      { path: 'evil.zip!/etc/cron.d/job', reason: why },
      { path: 'evil.zip!C:/Windows/x.txt', reason: why },
      { path: 'evil.zip!a/../../b.txt', reason: why },
    ]);
    // Nothing was written anywhere: the project and the folder around it hold what they held.
    expect(fs.readdirSync(parent)).toEqual(['p']);
    expect(fs.readdirSync(dir).sort()).toEqual(['.spillguard.toml', 'evil.tar', 'evil.zip']);
    expect(['../x', '/x', 'C:\\x', 'a\\..\\..\\x', 'x\0y'].every(unsafeMemberName)).toBe(true);
    expect(['a/b', '..x/y', 'x..', './a'].some(unsafeMemberName)).toBe(false);
  });

  it('a tar member of an unknown type is scanned, as tar extracts it as a regular file', () => {
    const data = tar([
      { name: 'made-up.txt', data: 'k = tok_fake0000fake0511\n', type: 'A' },
      { name: 'sparse.txt', data: 'k = tok_fake0000fake0512\n', type: 'S' },
      { name: 'fifo', type: '6' },
      { name: 'dir/', type: '5' },
    ]);
    const { code, doc } = scanJson(project({ 'odd.tar': data }));
    expect(code).toBe(1);
    expect(doc.findings.map(row)).toEqual([
      ['test-token', 'odd.tar!made-up.txt', 1, 5, null],
      ['test-token', 'odd.tar!sparse.txt', 1, 5, null],
    ]);
    expect(doc.skipped).toEqual([]);
  });

  it('a zip bomb (1 GiB of zeros from 1 MiB) is refused from its header, never expanded', () => {
    const raw = zerosDeflate(1024);
    expect(raw.length).toBeLessThan(1.1 * (1 << 20));
    // The crafted stream is real: 4 segments inflate to exactly 4 MiB of zeros.
    const small = zlib.inflateRawSync(zerosDeflate(4));
    expect([small.length, small.every((b) => b === 0)]).toEqual([4 << 20, true]);

    const dir = project({ 'bomb.zip': zip([{ name: 'readme.txt', data: 'tok_fake0000fake0321\n' }, { name: 'zeros.bin', raw, size: 1 << 30 }]) });
    const t0 = Date.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, BIN, 'scan', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    const ms = Date.now() - t0;
    const doc = JSON.parse(r.stdout) as Json;
    const ratio = Math.round((1 << 30) / raw.length);
    expect(doc.skipped).toEqual([
      {
        path: 'bomb.zip',
        reason: `zip bomb suspected: member "zeros.bin" declares 1 GiB from ${fmt(raw.length)} (compression ratio ${ratio}:1 over the limit of 200:1); not expanded`,
      },
    ]);
    // Refused whole: not even the harmless member is inflated.
    expect(doc.findings).toEqual([]);
    expect(r.status).toBe(0);
    const rss = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1]);
    expect(rss / 1024).toBeLessThan(200);
    expect(ms).toBeLessThan(15_000);
  });

  it('a zip member that lies about its size stops at the declared size', () => {
    const dir = project({ 'liar.zip': zip([{ name: 'small.txt', raw: zerosDeflate(64), size: 1000 }]) });
    const { code, doc } = scanJson(dir);
    expect(code).toBe(2);
    expect(doc.errors).toEqual([{ path: 'liar.zip!small.txt', message: 'inflates beyond its declared size of 1000 bytes (corrupt or a zip bomb); not expanded further' }]);
  });

  it('a gzip bomb stops at the ratio cap, whatever its trailer declares', () => {
    const raw = zerosDeflate(256);
    const dir = project({ 'honest.gz': gzipRaw(raw, 256 << 20), 'liar.tgz': gzipRaw(raw, 100) });
    const { code, doc } = scanJson(dir);
    expect(code).toBe(0);
    const reason = `gzip bomb suspected: output passed ${fmt(Math.max(1 << 20, (raw.length + 18) * 200))} (the compression ratio limit of 200:1); stopped, not expanded further`;
    // honest.gz holds zeros: its head says binary, so no more of it is inflated than the sniff's 8000 bytes.
    expect(doc.skipped).toEqual([
      { path: 'honest.gz', reason: '1 binary member not scanned (e.g. honest)' },
      { path: 'liar.tgz', reason },
    ]);
  });

  it('a truncated .tgz is an error, its members up to the cut scanned, not a "bomb" skipped by its last 4 bytes', () => {
    // Incompressible filler after the token, so the cut falls inside the second member's data.
    const filler = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919 + (i >> 8) * 31) & 0xff)).toString('base64');
    const whole = zlib.gzipSync(tar([
      { name: 'package/a.txt', data: 'k = tok_fake0000fake0501\n' },
      { name: 'package/big.txt', data: filler },
    ]));
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    // The bytes that stand where the trailer would are compressed data: they "declare" gigabytes.
    expect(cut.readUInt32LE(cut.length - 4)).toBeGreaterThan(cut.length * 200);
    const { code, doc } = scanJson(project({ 'cut.tgz': cut }));
    expect(code).toBe(2);
    expect(doc.findings.map(row)).toEqual([['test-token', 'cut.tgz!package/a.txt', 1, 5, null]]);
    expect(doc.skipped).toEqual([]);
    expect(doc.errors).toEqual([{ path: 'cut.tgz', message: 'cannot read tar.gz archive: unexpected end of file' }]);
  });

  it('--max-archive-bytes refuses archives that declare more, with the limit in the message', () => {
    const text = `${'line of text that is not very compressible 0123456789\n'.repeat(60_000)}`; // 3.1 MiB
    const d2 = project({ 'big.zip': zip([{ name: 'a.txt', data: text, store: true }]) });
    expect(scanJson(d2, ['--max-archive-bytes', '2MB']).doc.skipped).toEqual([
      { path: 'big.zip', reason: `declared uncompressed size ${fmt(text.length)} exceeds --max-archive-bytes 2 MiB; not expanded` },
    ]);
    expect(scanJson(d2, ['--max-archive-bytes', '4MB']).doc.skipped).toEqual([]);
  });

  it('too many members: refused with the limit (library option)', async () => {
    const data = zip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' })));
    const events: ArchiveEvent[] = [];
    for await (const ev of readArchive({ data }, 'zip', 'many.zip', { ...DEFAULT_ARCHIVE_LIMITS, maxMembers: 3 })) events.push(ev);
    expect(events).toEqual([{ type: 'skipped', member: '', reason: '5 members exceed the limit of 3 per archive; not opened' }]);
  });
});
