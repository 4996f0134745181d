#!/usr/bin/env node
/**
 * PII benchmark (issue 6). Run after `npm run build`: `node bench/pii.mjs` (bench/run.mjs may call it).
 *
 * 1. Generates, from a seeded PRNG, a ~20 MB corpus of prose (20 files of 1 MB; customer e-mails and
 *    support notes) with personal data at roughly one value per 600 bytes: e-mail
 *    addresses, phone numbers, card numbers, IBANs, SSNs, dates of birth, names, IP addresses. All fake.
 * 2. Times the built CLI, `spillguard scan --kind secret|pii|all`, end to end (start-up, walk, workers,
 *    JSON report), round-robin so machine load hits each alike, and prints median MB/s.
 * 3. Times the engine alone (one thread, no I/O) on the same text for each kind: `scanText` (engine plus
 *    the per-chunk scan pipeline) and `engine.scanChunk` by itself, in CPU time of the thread.
 * 4. Shows that a secrets-only scan does not get slower because PII rules exist: the same
 *    `--kind secret` scan with a shadow copy of the package whose rules/ has no pii/ folder, on the
 *    corpus and on one small file (the pre-commit case, where start-up is everything).
 *
 * Honours BENCH_RUNS (median of; default 5), BENCH_SEED, BENCH_RESULT_FILE (bench/run.mjs's JSON
 * contract), BENCH_KEEP=1 (keep the shadow package; the corpus stays in the temp folder, reused while
 * its seed and size match) and BENCH_ENGINE_ONLY=1 (step 3 only: a minute instead of several).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from './lib.mjs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin/spillguard.js');
const SEED = Number(process.env.BENCH_SEED ?? 0x9115);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const FILES = 20;
const FILE_BYTES = 1 << 20;
const KEEP = process.env.BENCH_KEEP === '1';
const ENGINE_ONLY = process.env.BENCH_ENGINE_ONLY === '1';

if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) {
  console.error('bench/pii.mjs: dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const log = (...a) => console.log(...a);

// ------------------------------------------------------------------ corpus

function rng(seed) {
  const next = mulberry32(seed);
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (arr) => arr[Math.floor(next() * arr.length)];
  const digits = (n) => Array.from({ length: n }, () => int(0, 9)).join('');
  return { next, int, pick, digits };
}

const WORDS = (
  'the a of to and in is it that for on was with as by at this from be have or not are but had they which you one all ' +
  'were we when your can said there use an each she do how their if will up other about out many then them these so ' +
  'some her would make like him into time has look two more write go see number no way could people my than first ' +
  'water been call who oil its now find long down day did get come made may part customer account order invoice ' +
  'delivery payment refund support ticket request update please thanks regards meeting report team project release'
).split(' ');
const FIRST = ['Maria', 'James', 'Amelia', 'Lukas', 'Camille', 'Lucía', 'Giulia', 'Priya', 'João', 'Liam', 'Olivia', 'Mateo'];
const LAST = ['Garcia', 'Smith', 'Hughes', 'Müller', 'Dubois', 'Fernández', 'Rossi', 'Sharma', 'Silva', 'Tremblay', 'Nguyen', 'Okafor'];

function luhnComplete(body) {
  let sum = 0;
  for (let i = body.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = +body[i];
    if (dbl && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return body + ((10 - (sum % 10)) % 10);
}
function ibanDE(r) {
  const bban = r.digits(18);
  let rem = 0;
  for (const ch of bban + '131400') rem = (rem * 10 + +ch) % 97;
  return `DE${String(98 - rem).padStart(2, '0')}${bban}`.match(/.{1,4}/g).join(' ');
}

function paragraph(r) {
  const sentence = () => {
    const n = r.int(8, 18);
    const w = Array.from({ length: n }, () => r.pick(WORDS));
    w[0] = w[0][0].toUpperCase() + w[0].slice(1);
    return w.join(' ') + '.';
  };
  const f = r.pick(FIRST);
  const l = r.pick(LAST);
  const pii = [
    () => `Please write to ${f.toLowerCase()}.${l.toLowerCase().replace(/[^a-z]/g, '')}${r.int(1, 99)}@example.org for details.`,
    () => `You can call ${f} on +44 20 7946 0${r.digits(3)} or (415) 555-0${r.int(100, 199)}.`,
    () => `Mobile: 0${r.int(151, 179)} ${r.digits(8)}.`,
    () => `The card on file is ${luhnComplete('4' + r.digits(14)).match(/.{4}/g).join(' ')}.`,
    () => `Refund to IBAN ${ibanDE(r)} was approved.`,
    () => `SSN ${r.int(100, 665)}-${String(r.int(1, 99)).padStart(2, '0')}-${String(r.int(1, 9999)).padStart(4, '0')} is on the form.`,
    () => `Date of birth: ${r.int(1950, 2004)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}.`,
    () => `Dear ${f} ${l},`,
    () => `Login from ${r.int(11, 99)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)} at ${r.int(10, 23)}:${r.int(10, 59)}.`,
    () => `Order ${r.digits(10)} shipped on 2024-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}, version ${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 99)}.`,
  ];
  const parts = [];
  const n = r.int(3, 6);
  // About one sentence in eight carries a value: ~1 value per 600 bytes, dense for prose, as in CRM notes.
  for (let i = 0; i < n; i++) parts.push(r.next() < 0.12 ? r.pick(pii)() : sentence());
  return parts.join(' ');
}

function ensureCorpus(dir) {
  const stamp = path.join(dir, '.stamp');
  const want = `seed=${SEED} files=${FILES} bytes=${FILE_BYTES} v2`;
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const r = rng(SEED);
  for (let i = 0; i < FILES; i++) {
    const out = [];
    let bytes = 0;
    while (bytes < FILE_BYTES) {
      const p = paragraph(r) + '\n\n';
      out.push(p);
      bytes += Buffer.byteLength(p);
    }
    fs.writeFileSync(path.join(dir, `notes-${String(i).padStart(2, '0')}.txt`), out.join(''));
  }
  fs.writeFileSync(stamp, want);
}

// ------------------------------------------------------------------ shadow package without PII rules

/** A copy of the built package whose rules/ holds only the secret packs, with its own rule cache. */
function shadowPackage(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'rules'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const e of fs.readdirSync(path.join(ROOT, 'rules'))) {
    if (e === 'pii') continue;
    fs.cpSync(path.join(ROOT, 'rules', e), path.join(dir, 'rules', e), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.rmSync(path.join(dir, 'dist/rules.json'), { force: true });
  // Same start-up path as the real package: a fresh rule cache, if this build writes one.
  const cacheScript = path.join(ROOT, 'scripts/cache-rules.mjs');
  if (fs.existsSync(cacheScript)) {
    fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
    fs.copyFileSync(cacheScript, path.join(dir, 'scripts/cache-rules.mjs'));
    spawnSync(process.execPath, [path.join(dir, 'scripts/cache-rules.mjs')], { cwd: dir, stdio: 'ignore' });
  }
  return path.join(dir, 'bin/spillguard.js');
}

// ------------------------------------------------------------------ timing

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** GNU time gives the child's CPU seconds (user + system, workers included), which a busy machine barely moves. */
const TIME_BIN = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function runCli(bin, args, cwd) {
  const t0 = process.hrtime.bigint();
  const cmd = TIME_BIN ? [TIME_BIN, ['-f', 'cpu %U %S', process.execPath, bin, ...args]] : [process.execPath, [bin, ...args]];
  const r = spawnSync(cmd[0], cmd[1], { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpuLine = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  const cpuMs = cpuLine ? (Number(cpuLine[1]) + Number(cpuLine[2])) * 1000 : undefined;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${path.basename(bin)} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  let findings;
  try {
    findings = JSON.parse(r.stdout).summary.findings;
  } catch {
    findings = undefined;
  }
  return { ms, cpuMs, findings };
}

/** Round-robin: one run of each case per round, so a burst of load slows every case alike. */
function timeRoundRobin(cases, runs) {
  const times = cases.map(() => []);
  const cpu = cases.map(() => []);
  const findings = cases.map(() => undefined);
  for (let round = 0; round < runs; round++) {
    cases.forEach((c, i) => {
      const r = c.run();
      times[i].push(r.ms);
      if (r.cpuMs !== undefined) cpu[i].push(r.cpuMs);
      findings[i] = r.findings;
    });
  }
  return cases.map((c, i) => ({
    name: c.name,
    ms: median(times[i]),
    min: Math.min(...times[i]),
    cpuMs: cpu[i].length ? median(cpu[i]) : undefined,
    findings: findings[i],
  }));
}

// ------------------------------------------------------------------ main

const tmp = path.join(os.tmpdir(), `spillguard-pii-bench-${SEED}`);
const corpus = path.join(tmp, 'corpus');
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
log(`bench/pii.mjs: corpus ${corpus} (seed ${SEED}), ${RUNS} runs each, ${os.availableParallelism?.() ?? os.cpus().length} cores, load average ${load()}`);
ensureCorpus(corpus);
const files = fs.readdirSync(corpus).filter((f) => f.endsWith('.txt'));
const bytes = files.reduce((s, f) => s + fs.statSync(path.join(corpus, f)).size, 0);
const mb = bytes / 1e6;
log(`corpus: ${files.length} files, ${mb.toFixed(1)} MB`);

const shadowBin = ENGINE_ONLY ? '' : shadowPackage(path.join(tmp, 'shadow'));
const small = path.join(tmp, 'small');
fs.mkdirSync(small, { recursive: true });
fs.writeFileSync(path.join(small, 'one.txt'), fs.readFileSync(path.join(corpus, files[0]), 'utf8').slice(0, 4096));

const scanArgs = (kind) => ['scan', '.', '--kind', kind, '--format', 'json', '--max-file-size', '0'];
const cli = ENGINE_ONLY ? [] : timeRoundRobin(
  [
    { name: 'secret', run: () => runCli(CLI, scanArgs('secret'), corpus) },
    { name: 'pii', run: () => runCli(CLI, scanArgs('pii'), corpus) },
    { name: 'all', run: () => runCli(CLI, scanArgs('all'), corpus) },
    { name: 'secret, package without rules/pii', run: () => runCli(shadowBin, scanArgs('secret'), corpus) },
  ],
  RUNS,
);
const startup = ENGINE_ONLY ? [] : timeRoundRobin(
  [
    { name: 'secret, 4 KB file', run: () => runCli(CLI, scanArgs('secret'), small) },
    { name: 'secret, 4 KB file, package without rules/pii', run: () => runCli(shadowBin, scanArgs('secret'), small) },
    { name: 'pii, 4 KB file', run: () => runCli(CLI, scanArgs('pii'), small) },
  ],
  Math.max(RUNS, 7),
);

// Engine alone: one thread, text already in memory, every kind on the same 4 MB. Two figures: scanText
// (the engine plus what the scan pipeline does per chunk: decoding encoded runs, snippets, filters) and
// the engine by itself (engine.scanChunk over the same 1 MiB chunks). CPU time of this thread, which a
// busy machine moves less than wall time. The same text each run: repeated phone numbers hit the
// validator's cache after the first run (see docs/pii.md, "Speed").
const api = await import(pathToFileURL(path.join(ROOT, 'dist/index.js')).href);
const { chunkText } = await import(pathToFileURL(path.join(ROOT, 'dist/sources/chunker.js')).href);
const text = files.slice(0, 4).map((f) => fs.readFileSync(path.join(corpus, f), 'utf8')).join('');
const textMb = Buffer.byteLength(text) / 1e6;
const chunks = [...chunkText(text, { path: 'bench.txt' })];
const cpuOf = (fn) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const engineRows = [];
for (const kind of ['secret', 'pii', 'all']) {
  const rules = api.loadRules({ root: corpus, kinds: kind === 'all' ? ['secret', 'pii'] : [kind] });
  const engine = api.createEngine(rules);
  api.scanText(text.slice(0, 200_000), { engine, rules }); // warm-up (JIT, lazy phone metadata)
  const ms = [];
  const cpu = [];
  const engineCpu = [];
  let n = 0;
  for (let i = 0; i < Math.max(3, RUNS); i++) {
    const t0 = performance.now();
    cpu.push(cpuOf(() => (n = api.scanText(text, { engine, rules }).findings.length)));
    ms.push(performance.now() - t0);
    engineCpu.push(cpuOf(() => chunks.forEach((c) => engine.scanChunk(c))));
  }
  engineRows.push({ kind, rules: rules.rules.length, ms: median(ms), cpuMs: median(cpu), engineCpuMs: median(engineCpu), findings: n });
}

// ------------------------------------------------------------------ report

const mbs = (ms, size = mb) => size / (ms / 1000);
const cpuS = (r) => (r.cpuMs === undefined ? '?' : (r.cpuMs / 1000).toFixed(2));
if (!ENGINE_ONLY) {
  log('\nEnd to end (`spillguard scan --kind K --format json`, default workers):');
  log('| scan | MB/s (median) | MB/s (best) | wall s (median) | CPU s (median) | findings |');
  log('|---|---:|---:|---:|---:|---:|');
  for (const r of cli) log(`| --kind ${r.name} | ${mbs(r.ms).toFixed(1)} | ${mbs(r.min).toFixed(1)} | ${(r.ms / 1000).toFixed(2)} | ${cpuS(r)} | ${r.findings ?? '?'} |`);
  log('\nStart-up (one 4 KB file):');
  log('| scan | wall ms (median) | wall ms (best) | CPU ms (median) |');
  log('|---|---:|---:|---:|');
  for (const r of startup) log(`| --kind ${r.name} | ${r.ms.toFixed(0)} | ${r.min.toFixed(0)} | ${r.cpuMs?.toFixed(0) ?? '?'} |`);
}
log(`\nEngine only (${textMb.toFixed(1)} MB in memory, one thread), median:`);
log('| kind | rules | scanText MB/s (wall) | scanText MB/s (CPU) | engine.scanChunk MB/s (CPU) | findings |');
log('|---|---:|---:|---:|---:|---:|');
for (const r of engineRows)
  log(`| ${r.kind} | ${r.rules} | ${mbs(r.ms, textMb).toFixed(1)} | ${mbs(r.cpuMs, textMb).toFixed(1)} | ${mbs(r.engineCpuMs, textMb).toFixed(1)} | ${r.findings} |`);

if (ENGINE_ONLY) {
  log(`load average at the end: ${load()}`);
  process.exit(0);
}
const secret = cli.find((r) => r.name === 'secret');
const shadow = cli.find((r) => r.name.startsWith('secret, package'));
// CPU time for the comparison when GNU time is there (on a busy machine wall time is mostly what the
// neighbours cost), else best-of-runs wall time.
const cost = (r) => r.cpuMs ?? r.min;
const ratio = cost(secret) / cost(shadow);
const startRatio = cost(startup[0]) / cost(startup[1]);
const basis = secret.cpuMs !== undefined ? 'CPU time, median' : 'wall time, best of runs';
log(`\n--kind secret with PII packs present / without (${basis}): ${ratio.toFixed(3)}x on the corpus, ${startRatio.toFixed(3)}x on one small file`);
log(`load average at the end: ${load()}`);

const result = {
  name: 'pii',
  targets: [
    { target: 'secret-only scan not slower with PII rules present (corpus, <= 1.05x)', value: `${ratio.toFixed(3)}x`, pass: ratio <= 1.05 },
    { target: 'secret-only start-up not slower with PII rules present (<= 1.05x)', value: `${startRatio.toFixed(3)}x`, pass: startRatio <= 1.05 },
  ],
  notes: [`corpus ${mb.toFixed(1)} MB of prose with PII, seed ${SEED}, median of ${RUNS}; load average ${load()}`],
  figures: {
    cliMBs: Object.fromEntries(cli.map((r) => [r.name, +mbs(r.ms).toFixed(2)])),
    startupMs: Object.fromEntries(startup.map((r) => [r.name, Math.round(r.ms)])),
    engineMBs: Object.fromEntries(engineRows.map((r) => [r.kind, +mbs(r.ms, textMb).toFixed(2)])),
    engineCpuMBs: Object.fromEntries(engineRows.map((r) => [r.kind, +mbs(r.cpuMs, textMb).toFixed(2)])),
    scanChunkCpuMBs: Object.fromEntries(engineRows.map((r) => [r.kind, +mbs(r.engineCpuMs, textMb).toFixed(2)])),
  },
};
if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
if (!KEEP) fs.rmSync(path.join(tmp, 'shadow'), { recursive: true, force: true });
