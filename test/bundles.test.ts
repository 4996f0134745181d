import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeMappings, originalPositions, parseSourceMap, sourceName, type SourceMap } from '../src/sources/sourcemap.js';
import { BIN, cli, REPO } from './helpers/cli.js';
import { TOK_RULE } from './helpers/rules.js';
import { zip } from './helpers/archives.js';

const FIXTURE = path.join(REPO, 'fixtures/bundles/webapp');
const PUBLIC_ENV = fs.readFileSync(path.join(REPO, 'rules/secrets/public-env.toml'), 'utf8');
/** Test-local rules only: the tok_ rule and the public-env pack, no other built-in pack. */
const CONFIG = `[extend]\nuseDefault = false\n${TOK_RULE}\n${PUBLIC_ENV}`;

/** Temporary projects, removed after the tests. */
const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-bundle-'));
  made.push(dir);
  fs.writeFileSync(path.join(dir, '.spillguard.toml'), CONFIG);
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

const fixture = (rel: string) => fs.readFileSync(path.join(FIXTURE, rel), 'utf8');
/** 1-based [line, column] of `needle` in `text` (an original source, read independently of the map). */
function pos(text: string, needle: string): [number, number] {
  const i = text.indexOf(needle);
  expect(i, needle).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, i);
  return [before.split('\n').length, i - before.lastIndexOf('\n')];
}

interface JsonFinding {
  ruleId: string;
  path: string;
  member?: string;
  line: number;
  column: number;
  decoded?: string;
  original?: { path: string; line: number; column: number };
}
const row = (f: JsonFinding) => [f.ruleId, f.member ? `${f.path}!${f.member}` : f.path, f.line, f.column, f.decoded ?? null, f.original ? `${f.original.path}:${f.original.line}:${f.original.column}` : null];

describe('a minified bundle with its source map (fixtures/bundles/webapp, built by esbuild)', () => {
  const bundle = fixture('build/app.js');
  const config = fixture('src/config.ts');
  const dir = project({ 'dist/app.js': bundle, 'dist/app.js.map': fixture('build/app.js.map') });
  const json = () => {
    const r = cli(['scan', 'dist', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    return JSON.parse(r.stdout) as { findings: JsonFinding[] };
  };

  it('reports bundle findings with their original position, and sourcesContent at the original file and line', () => {
    const b64 = 'Y2k6dG9rX2Zha2UwMDAwZmFrZTAxMDM=';
    const at = (n: string) => `src/config.ts:${pos(config, n).join(':')}`;
    expect(json().findings.map(row)).toEqual([
      ['test-token', 'dist/app.js', ...pos(bundle, 'tok_fake0000fake0102'), null, at('tok_fake0000fake0102')],
      ['test-token', 'dist/app.js', ...pos(bundle, b64), 'base64', at(b64)],
      ['public-env-secret', 'dist/app.js', ...pos(bundle, 'sk_test_'), null, at('sk_test_')],
      ['test-token', 'dist/app.js.map!src/config.ts', ...pos(config, 'tok_fake0000fake0101'), null, null],
      ['test-token', 'dist/app.js.map!src/config.ts', ...pos(config, 'tok_fake0000fake0102'), null, null],
      ['test-token', 'dist/app.js.map!src/config.ts', ...pos(config, b64), 'base64', null],
      ['public-env-secret', 'dist/app.js.map!src/config.ts', ...pos(config, 'sk_test_'), null, null],
    ]);
  });

  it('text output shows a masked snippet for findings on the long bundle line, SARIF never does', () => {
    const text = cli(['scan', 'dist'], { cwd: dir }).stdout;
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.startsWith(`dist/app.js:${pos(bundle, 'tok_fake0000fake0102').join(':')}  high  test-token  tok_*****`));
    expect(lines[i]).toContain('(from src/config.ts:2:34)');
    // The line starts 25 characters before the secret (no ellipsis there); the window ends inside the
    // neighbouring base64 run, which is masked whole as the decoded secret it holds.
    expect(lines[i + 1]).toBe('    "use strict";(()=>{var t="tok_*****",o=atob("tok_*****…');
    expect(lines[i + 1].length).toBeLessThanOrEqual(84);
    for (const raw of ['tok_fake0000fake010', 'Y2k6dG9r', 'sk_test_FAKE5w8']) expect(text).not.toContain(raw);
    // Findings in sourcesContent are on short lines: no snippet.
    expect(lines.find((l) => l.startsWith('dist/app.js.map!src/config.ts:1:'))).toBeDefined();

    const sarif = cli(['scan', 'dist', '--format', 'sarif'], { cwd: dir }).stdout;
    expect(sarif).not.toContain('snippet');
    expect(sarif).not.toContain('…');
    for (const raw of ['tok_fake0000fake010', 'Y2k6dG9r', 'sk_test_FAKE5w8']) expect(sarif).not.toContain(raw);
    const results = JSON.parse(sarif).runs[0].results;
    expect(results[0].properties.original).toBe('src/config.ts:2:34');
  });

  it("a source map's source name with a line break cannot forge a report line: quoted as paths are", () => {
    const map = JSON.parse(fixture('build/app.js.map'));
    map.sources[0] = 'src/a\n::error::forged.ts';
    const d = project({ 'dist/app.js': bundle, 'dist/app.js.map': JSON.stringify(map) });
    const lines = cli(['scan', 'dist'], { cwd: d }).stdout.split('\n');
    expect(lines.filter((l) => l.includes('forged'))).toEqual([
      `dist/app.js:${pos(bundle, 'tok_fake0000fake0102').join(':')}  high  test-token  tok_*****  (from "dist/src/a\\n::error::forged.ts":2:34)`,
      `dist/app.js:${pos(bundle, 'Y2k6dG9r').join(':')}  high  test-token  tok_*****  (decoded: base64, from "dist/src/a\\n::error::forged.ts":3:36)`,
      `dist/app.js:${pos(bundle, 'sk_test_').join(':')}  high  public-env-secret  sk_t*****  (from "dist/src/a\\n::error::forged.ts":6:31)`,
      '"dist/app.js.map!dist/src/a\\n::error::forged.ts":1:46  high  test-token  tok_*****',
      '"dist/app.js.map!dist/src/a\\n::error::forged.ts":2:34  high  test-token  tok_*****',
      '"dist/app.js.map!dist/src/a\\n::error::forged.ts":3:36  high  test-token  tok_*****  (decoded: base64)',
      '"dist/app.js.map!dist/src/a\\n::error::forged.ts":6:31  high  public-env-secret  sk_t*****',
    ]);
  });

  it('follows a sourceMappingURL comment to a map elsewhere in the folder, never out of it', () => {
    const moved = bundle.replace('//# sourceMappingURL=app.js.map', '//# sourceMappingURL=maps/app.js.map');
    const d = project({ 'dist/app.js': moved, 'dist/maps/app.js.map': fixture('build/app.js.map') });
    const found = JSON.parse(cli(['scan', 'dist/app.js', '--format', 'json'], { cwd: d }).stdout).findings as JsonFinding[];
    // The map's sources are relative to its own folder: dist/maps/ + ../src/config.ts.
    expect(found[0].original).toEqual({ path: 'dist/src/config.ts', line: 2, column: 34 });

    const escaping = bundle.replace('//# sourceMappingURL=app.js.map', '//# sourceMappingURL=../outside/app.js.map');
    const e = project({ 'dist/app.js': escaping, 'outside/app.js.map': fixture('build/app.js.map') });
    const none = JSON.parse(cli(['scan', 'dist/app.js', '--format', 'json'], { cwd: e }).stdout).findings as JsonFinding[];
    expect(none.map((f) => f.original ?? null)).toEqual([null, null, null]);
  });
});

describe('a bundle with its source map inlined (webpack inline-source-map, Vite sourcemap: inline)', () => {
  // 96 KiB of generated code first: the map's base64 runs far past the 48 KiB an encoded run is decoded to.
  const big = Array.from({ length: 3000 }, (_, i) => `export function f${i}(a) { return a * ${i}; }\n`).join('');
  const config = '// dev only\nexport const key = "tok_fake0000fake0601";\n';
  const map = { version: 3, sources: ['webpack://app/./src/big.ts', 'webpack://app/./src/config.ts'], sourcesContent: [big, config], mappings: 'AAAA' };
  const b64 = Buffer.from(JSON.stringify(map)).toString('base64');
  const small = { version: 3, sources: ['../src/s.ts'], sourcesContent: [config], mappings: 'AAAA' };
  const appJs = `console.log(1);\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${b64}\n`;
  const dir = project({
    'dist/app.js': appJs,
    'dist/pkg.zip': zip([{ name: 'package/app.js', data: appJs }]),
    // A short map on the code's own line: found once, in its source, not again as a base64 run.
    'dist/small.js': `console.log(2);//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(small)).toString('base64')}`,
    'dist/app.css': `a{}\n/*# sourceMappingURL=data:application/json,${encodeURIComponent(JSON.stringify(small))} */\n`,
  });

  it('scans the sources of the inlined map at their original lines and columns, on disk and in archives', () => {
    const r = cli(['scan', 'dist', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.map(row)).toEqual([
      ['test-token', 'dist/app.css!src/s.ts', 2, 21, null, null],
      ['test-token', 'dist/app.js!src/config.ts', 2, 21, null, null],
      ['test-token', 'dist/pkg.zip!package/app.js!src/config.ts', 2, 21, null, null],
      ['test-token', 'dist/small.js!src/s.ts', 2, 21, null, null],
    ]);
  });
});

describe('source maps', () => {
  it('decodes VLQ mappings (checked against a hand-encoded map)', () => {
    // "AAAA" = 0,0,0,0; "KAAI" = +5,0,0,+4; "EACD" = +2,0,+1,-1. Columns restart on each line; source,
    // original line and column run on from the previous segment.
    const segs = decodeMappings('AAAA,KAAI;;EACD', new Set([0, 1, 2]));
    expect([...segs.entries()]).toEqual([
      [0, [[0, 0, 0, 0], [5, 0, 0, 4]]],
      [1, []],
      [2, [[2, 0, 1, 3]]],
    ]);
    // Multi-character VLQ: "2H" = 123, "3H" = -123.
    expect(decodeMappings('2HAAA,3HAAA', new Set([0])).get(0)).toEqual([[123, 0, 0, 0], [0, 0, 0, 0]]);
  });

  it('names sources as paths in the scanned tree', () => {
    const map = (sources: string[], sourceRoot?: string): SourceMap => ({ version: 3, sources, sourceRoot, mappings: '' });
    expect(sourceName(map(['webpack://shop/./src/config.ts']), 0, 'dist')).toBe('src/config.ts');
    expect(sourceName(map(['../src/config.ts']), 0, 'dist')).toBe('src/config.ts');
    expect(sourceName(map(['config.ts'], 'src/'), 0, '')).toBe('src/config.ts');
    expect(sourceName(map(['../../../etc/x.ts']), 0, 'dist')).toBe('../../../etc/x.ts');
    expect(sourceName(map(['file:///home/u/app/x.ts']), 0, 'dist')).toBe('file:///home/u/app/x.ts');
    expect(sourceName(map(['']), 0)).toBe('<source 0>');
  });

  it('maps bundle positions of the fixture to their original line and column', () => {
    const map = parseSourceMap(fixture('build/app.js.map'))!;
    const bundle = fixture('build/app.js');
    const main = fixture('src/main.ts');
    const [p] = originalPositions(map, [{ line: 1, column: pos(bundle, 'fetch(')[1] }], 'dist');
    expect(p).toEqual({ path: 'src/main.ts', line: pos(main, 'fetch(')[0], column: pos(main, 'fetch(')[1] });
  });

  it('reads an index map (sections) through its sections\' sources, at their own lines and columns', () => {
    const a = 'export const a = 1;\n// tok_fake0000fake0701\n';
    const b = 'const x = 2;\nconst k = "tok_fake0000fake0702";\n';
    const index = {
      version: 3,
      sections: [
        { offset: { line: 0, column: 0 }, map: { version: 3, sources: ['webpack://app/./src/a.ts'], sourcesContent: [a], mappings: 'AAAA' } },
        { offset: { line: 1, column: 0 }, map: { version: 3, sourceRoot: '../src', sources: ['b.ts'], sourcesContent: [b], mappings: 'AAAA' } },
      ],
    };
    const dir = project({ 'dist/app.js.map': JSON.stringify(index) });
    const r = cli(['scan', 'dist', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.map(row)).toEqual([
      ['test-token', 'dist/app.js.map!src/a.ts', 2, 4, null, null],
      ['test-token', 'dist/app.js.map!src/b.ts', 2, 12, null, null],
    ]);
  });

  it('is not fooled by .map files that are not source maps', () => {
    expect(parseSourceMap('{"version":2,"sources":[],"mappings":""}')).toBeUndefined();
    expect(parseSourceMap('not json')).toBeUndefined();
    expect(parseSourceMap(')]}\'\n{"version":3,"sources":[],"mappings":""}')).toEqual({ version: 3, sources: [], mappings: '' });
    const dir = project({ 'keys.map': 'token tok_fake0000fake0120\n' });
    const r = JSON.parse(cli(['scan', 'keys.map', '--format', 'json'], { cwd: dir }).stdout);
    expect(r.findings.map(row)).toEqual([['test-token', 'keys.map', 1, 7, null, null]]);
  });
});

describe('a 100 MB single-line file', () => {
  it('is scanned through the CLI in bounded memory, secrets found at exact columns', async () => {
    const dir = project({});
    const file = path.join(dir, 'huge.min.js');
    const block = 'var a=function(b){return b+1};'.repeat(34_953).slice(0, 1 << 20); // 1 MiB, no newline
    const size = 100;
    const secrets = [
      { mb: 0, at: 1000, value: ' tok_fake0000fake0201 ' },
      { mb: 50, at: 1 << 19, value: ' tok_fake0000fake0202 ' },
      { mb: 99, at: (1 << 20) - 30, value: ' tok_fake0000fake0203 ' },
    ];
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < size; i++) {
      let b = block;
      for (const s of secrets) if (s.mb === i) b = b.slice(0, s.at) + s.value + b.slice(s.at + s.value.length);
      fs.writeSync(fd, b);
    }
    fs.closeSync(fd);
    expect(fs.statSync(file).size).toBe(size << 20);

    const t0 = Date.now();
    const time = fs.existsSync('/usr/bin/time');
    const args = [BIN, 'scan', 'huge.min.js', '--max-file-size', '0', '--format', 'json'];
    // Peak RSS of the child: GNU time if present, else the child reports its own as it exits.
    const probe = path.join(dir, 'rss-probe.cjs');
    fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write('maxrss=' + process.resourceUsage().maxRSS + '\\n'));\n");
    // Asynchronous: a long spawnSync would stall the test worker's event loop (and vitest's RPC with it).
    const r = await run(time ? '/usr/bin/time' : process.execPath, time ? ['-f', 'maxrss=%M', process.execPath, ...args] : ['--require', probe, ...args], dir);
    const elapsed = Date.now() - t0;
    fs.rmSync(file);
    expect(r.status, r.stderr).toBe(1);
    const found = JSON.parse(r.stdout).findings as JsonFinding[];
    // The secret follows the inserted space: 0-based offset + 1, and 1 more for the space.
    expect(found.map((f) => [f.line, f.column])).toEqual(secrets.map((s) => [1, s.mb * (1 << 20) + s.at + 2]));
    const rssKb = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
    expect(rssKb / 1024).toBeLessThan(300);
    expect(elapsed).toBeLessThan(30_000);
  }, 60_000);
});

function run(cmd: string, args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
