#!/usr/bin/env node
/**
 * `npm run bench`: builds if dist/ is stale, generates the corpus (bench/corpus.mjs, only when its
 * manifest differs), runs bench/scan.mjs and then every other benchmark registered below, and prints
 * one summary table of the targets with PASS/FAIL. Targets are reported, not enforced: the exit code
 * is 0 unless the harness itself breaks (build with no dist/, corpus generation, a benchmark script
 * that crashes).
 *
 * Contract for a benchmark script: `node bench/<name>.mjs`, run from the repository root, with
 *   BENCH_RESULT_FILE  where to write its result as JSON:
 *                      { "name": "...", "targets": [{ "target": "...", "value": "...", "pass": true }],
 *                        "notes": ["..."], "figures": { ... } }
 *   BENCH_CORPUS       the generated corpus folder; BENCH_PLANTED the planted-secrets list;
 *   BENCH_RUNS         how many timed runs to take the median of.
 * It prints its own details; exit non-zero only when it cannot run at all.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureCorpus } from './corpus.mjs';
import { BENCH_DIR, CORPUS_DIR, PLANTED_FILE, ROOT, table } from './lib.mjs';

/** Benchmarks run after scan.mjs, in this order; a missing file is skipped with a note. */
const BENCHES = ['git.mjs', 'rules.mjs', 'pii.mjs', 'redact.mjs'];

const log = (...a) => console.log(...a);

function newest(dir, ext) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const f of fs.readdirSync(dir, { recursive: true })) {
    if (!String(f).endsWith(ext)) continue;
    t = Math.max(t, fs.statSync(path.join(dir, String(f))).mtimeMs);
  }
  return t;
}

/** dist/ is stale when a source under src/ (or the build config) is newer than its compiled file. */
function staleSources() {
  const src = path.join(ROOT, 'src');
  const stale = [];
  for (const f of fs.readdirSync(src, { recursive: true })) {
    const rel = String(f);
    if (!rel.endsWith('.ts') || rel.endsWith('.d.ts')) continue;
    const out = path.join(ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
    if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(path.join(src, rel)).mtimeMs) stale.push(rel);
  }
  const cfg = ['tsconfig.json', 'package.json'].map((f) => fs.statSync(path.join(ROOT, f)).mtimeMs);
  if (Math.max(...cfg) > newest(path.join(ROOT, 'dist'), '.js')) stale.push('tsconfig.json/package.json');
  return stale;
}

function build(notes) {
  const stale = staleSources();
  if (stale.length === 0) {
    log('build: dist/ is up to date');
    return;
  }
  log(`build: dist/ is stale (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ` and ${stale.length - 3} more` : ''}): npm run build`);
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status === 0) return;
  if (fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    notes.push('the build FAILED: figures are for the previous dist/');
    log('build: FAILED; going on with the existing dist/');
    return;
  }
  throw new Error('the build failed and there is no dist/ to benchmark');
}

function runBench(file, notes) {
  const abs = path.join(ROOT, 'bench', file);
  if (!fs.existsSync(abs)) {
    notes.push(`bench/${file} does not exist yet: skipped`);
    log(`\n== ${file}: not present, skipped`);
    return { name: file.replace(/\.mjs$/, ''), missing: true, targets: [] };
  }
  const resultFile = path.join(BENCH_DIR, `result-${file.replace(/\.mjs$/, '')}.json`);
  fs.rmSync(resultFile, { force: true });
  const r = spawnSync(process.execPath, [abs], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, BENCH_RESULT_FILE: resultFile, BENCH_CORPUS: CORPUS_DIR, BENCH_PLANTED: PLANTED_FILE, BENCH_RUNS: process.env.BENCH_RUNS ?? '5' },
  });
  let res;
  try {
    res = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch {
    res = { name: file.replace(/\.mjs$/, ''), targets: [] };
  }
  if (r.status !== 0) {
    res.crashed = true;
    notes.push(`bench/${file} exited with ${r.status ?? r.signal}`);
  }
  return res;
}

async function main() {
  const t0 = performance.now();
  const notes = [];
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  build(notes);
  const { manifest } = ensureCorpus({
    seed: process.env.BENCH_SEED ? Number(process.env.BENCH_SEED) : undefined,
    sizeMiB: process.env.BENCH_SIZE_MIB ? Number(process.env.BENCH_SIZE_MIB) : undefined,
  });
  if (manifest.plantFailures?.length) notes.push(`${manifest.plantFailures.length} plants could not be placed (see .bench/manifest.json)`);
  if (manifest.notPlantable?.length) notes.push(`not plantable: ${manifest.notPlantable.map((x) => x.ruleId).join(', ')}`);

  const results = [runBench('scan.mjs', notes), ...BENCHES.map((b) => runBench(b, notes))];

  log('\n== summary');
  const rows = [];
  for (const res of results) {
    if (res.missing) {
      rows.push([res.name, '(not present)', '-', 'SKIP']);
      continue;
    }
    if (res.crashed && !res.targets.length) rows.push([res.name, '(crashed)', '-', 'ERROR']);
    for (const t of res.targets ?? []) rows.push([res.name, t.target, t.value, t.pass ? 'PASS' : 'FAIL']);
    for (const n of res.notes ?? []) notes.push(`${res.name}: ${n}`);
  }
  log(table(['bench', 'target', 'measured', 'result'], rows));
  for (const n of notes) log(`  note: ${n}`);
  log(`  (corpus: ${manifest.files} files, ${(manifest.bytes / 1e6).toFixed(1)} MB, ${manifest.planted} planted, seed ${manifest.seed}; bench took ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return results.some((r) => r.crashed) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench/run.mjs: ${e.stack ?? e}`);
    process.exit(1);
  },
);
