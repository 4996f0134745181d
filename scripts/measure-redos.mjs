#!/usr/bin/env node
/**
 * The measurement behind docs/SECURITY.md "Untrusted patterns": what it costs to protect the scan
 * from a user's catastrophic regex, (a) with a linear-time engine (re2-wasm) or (b) by running user
 * rules in a worker under a time budget (what src/engine/safe-regex.ts does).
 *
 *   npm run build && node scripts/measure-redos.mjs            # (b), and (a) if re2-wasm is installed
 *   npm install --no-save re2-wasm && node scripts/measure-redos.mjs
 *
 * Prints medians; timings depend on the machine and its load, ratios much less.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadRules, scan, scanText, createEngine } = await import(path.join(ROOT, 'dist/index.js'));

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function time(fn, runs = 5) {
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}
/** Two variants interleaved (the machine's load drifts), median wall and CPU time (all threads) of each. */
async function pair(a, b, runs = 5) {
  const out = [{ wall: [], cpu: [] }, { wall: [], cpu: [] }];
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      out[k].wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      out[k].cpu.push((c.user + c.system) / 1000);
    }
  }
  return out.map((o) => ({ wall: median(o.wall), cpu: median(o.cpu) }));
}
const show = (x) => `${fmt(x.wall)} wall, ${fmt(x.cpu)} CPU`;
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(1)} ms`);

console.log(`node ${process.version}, ${os.cpus().length} cpus, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

// ---- (a) re2-wasm, when installed ----------------------------------------------------------------
const require = createRequire(import.meta.url);
let RE2;
try {
  const t0 = performance.now();
  ({ RE2 } = require('re2-wasm'));
  console.log(`\n(a) re2-wasm: module load ${fmt(performance.now() - t0)}`);
} catch {
  console.log('\n(a) re2-wasm not installed: skipped (npm install --no-save re2-wasm to measure it)');
}
const SRC = '\\b(cst_[A-Za-z0-9]{32})\\b';
const token = 'cst_' + 'a1B2'.repeat(8);
const window2k = 'x'.repeat(1000) + ` ${token} ` + 'y'.repeat(1000);
const dense = (`word ${token} `).repeat(1 << 14).slice(0, 1 << 20);
const none = 'z'.repeat(1 << 20);
const v8 = new RegExp(SRC, 'dg');
const all = (re, s) => {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(s)) n++;
  return n;
};
if (RE2) {
  const re2 = new RE2(SRC, 'gu');
  console.log(`  compile one regex: ${fmt(time(() => new RE2(SRC + Math.random(), 'gu'), 50))}`);
  console.log(`  2 KB keyword window: re2 ${fmt(time(() => all(re2, window2k), 200))} vs V8 ${fmt(time(() => all(v8, window2k), 200))}`);
  console.log(`  1 MB, no match:      re2 ${fmt(time(() => all(re2, none)))} vs V8 ${fmt(time(() => all(v8, none)))}`);
  const t0 = performance.now();
  let n = 0;
  re2.lastIndex = 0;
  while (re2.exec(dense) && performance.now() - t0 < 10_000) n++;
  const took = performance.now() - t0;
  console.log(`  1 MB, ${all(v8, dense)} matches: re2 found ${n} in ${fmt(took)}${took >= 10_000 ? ' (stopped at 10 s)' : ''} vs V8 all in ${fmt(time(() => all(v8, dense)))}`);
  const astral = `😀 ${token}`;
  re2.lastIndex = 0;
  console.log(`  offset after an astral character: re2 ${re2.exec(astral).index}, V8 ${new RegExp(SRC).exec(astral).index}`);
  console.log(`  match indices (the d flag) available: ${'indices' in (new RE2(SRC, 'u').exec(astral) ?? {})}`);
  console.log(`  (a+)+$ on 100 KB of 'a' + '!': ${fmt(time(() => new RE2('(a+)+$', 'u').test('a'.repeat(100_000) + '!'), 3))}`);
}

// ---- (b) the worker with a budget ----------------------------------------------------------------
console.log('\n(b) user rules in a worker under a time budget (src/engine/safe-regex.ts)');
const builtin = loadRules({ kinds: ['secret'], root: os.tmpdir() });
const asUser = (rs) => ({ ...rs, rules: rs.rules.map((r) => ({ ...r, untrusted: true })) });
const allow = builtin.allowlist;

// A corpus of code-like files with a keyword hit now and then.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-redos-'));
const line = (i) =>
  i % 97 === 0 ? `const apiKey = process.env.API_KEY || "tok_${String(i).padStart(16, '0')}";\n` : `  const value${i} = compute(input[${i}], options);\n`;
let body = '';
for (let i = 0; i < 200; i++) body += line(i);
const FILES = 400;
for (let f = 0; f < FILES; f++) fs.writeFileSync(path.join(dir, `f${f}.js`), body);
const mb = (FILES * body.length) / (1 << 20);

const few = { rules: builtin.rules.slice(0, 20), allowlist: allow };
for (const [name, rs] of [
  [`${few.rules.length} rules`, few],
  [`${builtin.rules.length} rules`, builtin],
]) {
  const user = asUser(rs);
  const [t, u] = await pair(() => scan({ paths: [dir], rules: rs, workers: 0, cwd: dir }), () => scan({ paths: [dir], rules: user, workers: 0, cwd: dir }));
  console.log(`  ${FILES} files, ${mb.toFixed(1)} MB, ${name}: trusted ${show(t)}; as user rules ${show(u)} (wall x${(u.wall / t.wall).toFixed(2)})`);
}
const big = body.repeat(Math.ceil((1 << 20) / body.length));
{
  const user = asUser(builtin);
  const [t, u] = await pair(() => scanText(big, { rules: builtin, path: 'big.js' }), () => scanText(big, { rules: user, path: 'big.js' }));
  console.log(`  one 1 MB text, ${builtin.rules.length} rules: trusted ${show(t)}; as user rules ${show(u)}`);
}
{
  const rule = { ...few.rules[0], id: 'unkeyed', keywords: [] };
  const trusted = { rules: [rule], allowlist: allow };
  const user = asUser(trusted);
  const [t, u] = await pair(() => scanText(big, { rules: trusted, path: 'big.js' }), () => scanText(big, { rules: user, path: 'big.js' }));
  console.log(`  one 1 MB text, one rule without keywords: trusted ${show(t)}; as a user rule ${show(u)}`);
}

const evil = {
  rules: [{ ...few.rules[0], id: 'evil', regex: '(a+)+$', flags: '', keywords: [], secretGroup: 0, entropy: undefined, validate: undefined, untrusted: true }],
  allowlist: allow,
};
const engine = createEngine(evil, { ruleBudgetMs: 500 });
const t0 = performance.now();
let stopped = '';
try {
  scanText('a'.repeat(100_000) + '!', { engine, path: 'evil.txt' });
} catch (e) {
  stopped = e.message;
}
console.log(`  (a+)+$ on 100 KB of 'a' + '!', budget 500 ms: stopped after ${fmt(performance.now() - t0)}: ${stopped}`);
fs.rmSync(dir, { recursive: true, force: true });
