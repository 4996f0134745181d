#!/usr/bin/env node
/**
 * What rules without keywords cost (issue 3, point 7). The keyword prefilter skips a rule whose keywords
 * do not occur in a chunk; a rule with no keywords runs on every chunk, so each one is a visible line here.
 *
 *   node bench/rules.mjs        (after a build and bench/corpus.mjs; bench/run.mjs does both)
 *
 * Engine only, in this process: the corpus is read into memory first and every variant scans the same
 * files (one file = one chunk), so file I/O, decoding, filters and reporters are out of the figure.
 * CPU time, variants round-robin, median of BENCH_RUNS. Variants: no rules (the engine's own floor), all
 * secret rules, all but the keywordless ones, and each keywordless rule alone, as configured and (when it
 * is limited by `paths`) without that limit, to show what the limit saves.
 * Env: BENCH_CORPUS, BENCH_RUNS, BENCH_RESULT_FILE (bench/run.mjs's contract).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CORPUS_DIR, ROOT, median, table } from './lib.mjs';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const CORPUS = process.env.BENCH_CORPUS ?? CORPUS_DIR;
/** Target: all keywordless secret rules together add at most this share to the engine's CPU time. */
const TARGET_SHARE = 0.05;

const lib = await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href);
const { createEngine, loadRules } = lib;

function readCorpus() {
  const out = [];
  for (const rel of fs.readdirSync(CORPUS, { recursive: true })) {
    const abs = path.join(CORPUS, String(rel));
    if (!fs.statSync(abs).isFile()) continue;
    const buf = fs.readFileSync(abs);
    if (buf.subarray(0, 8000).includes(0)) continue; // binary: the scan skips it too
    out.push({ text: buf.toString('utf8'), origin: { path: String(rel).split(path.sep).join('/') }, offset: 0, line: 1, column: 1 });
  }
  return out;
}

function cpuOf(rules, allowlist, chunks) {
  const engine = createEngine({ rules, allowlist });
  const t0 = process.cpuUsage();
  let found = 0;
  for (const c of chunks) found += engine.scanChunk(c).length;
  const t = process.cpuUsage(t0);
  return { ms: (t.user + t.system) / 1000, found };
}

function main() {
  const result = { name: 'rules', targets: [], notes: [], figures: {} };
  try {
    if (!fs.existsSync(CORPUS)) throw new Error(`no corpus at ${CORPUS}: run bench/run.mjs (or bench/corpus.mjs) first`);
    // Built-in packs only: loadRules from a folder without .spillguard.toml.
    const { rules: all, allowlist } = loadRules({ root: os.tmpdir(), noDefaults: false, kinds: ['secret'] });
    const keywordless = all.filter((r) => r.keywords.length === 0);
    const chunks = readCorpus();
    const bytes = chunks.reduce((s, c) => s + Buffer.byteLength(c.text), 0);
    const variants = [
      ['no rules (engine floor)', []],
      [`all ${all.length} secret rules`, all],
      [`all but the ${keywordless.length} keywordless`, all.filter((r) => r.keywords.length > 0)],
      ...keywordless.flatMap((r) => [
        [`${r.id} alone`, [r]],
        ...(r.paths ? [[`${r.id} alone, without its paths limit`, [{ ...r, paths: undefined }]]] : []),
      ]),
    ];
    const ms = variants.map(() => []);
    const found = variants.map(() => 0);
    for (let i = 0; i < RUNS; i++)
      variants.forEach(([, rules], v) => {
        const r = cpuOf(rules, allowlist, chunks);
        ms[v].push(r.ms);
        found[v] = r.found;
      });
    const med = ms.map((m) => median(m));
    const floor = med[0];
    const rows = variants.map(([name], v) => [
      name,
      med[v].toFixed(0),
      (bytes / 1e6 / (med[v] / 1000)).toFixed(0),
      v === 0 ? '-' : (med[v] - floor).toFixed(0),
      String(found[v]),
    ]);
    console.log(`rules: ${chunks.length} files, ${(bytes / 1e6).toFixed(1)} MB in memory, ${RUNS} runs round-robin, CPU ms median`);
    console.log(table(['variant', 'cpu ms', 'MB/s', 'ms over floor', 'raw findings'], rows));
    // A rule's cost is its time alone over the floor: the difference between "all" and "all but" is the
    // same quantity in principle, but two large numbers differ by more than that from run to run.
    const alone = variants.map(([name], v) => [name, v]).filter(([name]) => name.endsWith(' alone'));
    const keywordlessMs = alone.reduce((s, [, v]) => s + Math.max(0, med[v] - floor), 0);
    const share = keywordlessMs / med[1];
    console.log(`  keywordless secret rules: ${keywordless.map((r) => `${r.id}${r.paths ? ' (limited by paths)' : ''}`).join(', ') || 'none'}`);
    console.log(`  alone they cost ${keywordlessMs.toFixed(0)} ms over the floor: ${(share * 100).toFixed(1)}% of the engine's CPU time with all rules (target <= ${TARGET_SHARE * 100}%)`);
    console.log(`  (all vs all-but-keywordless: ${(med[1] - med[2]).toFixed(0)} ms, the same quantity measured as the difference of two large, noisy figures; load average ${os.loadavg()[0].toFixed(1)})`);
    result.targets.push({
      target: `keywordless secret rules <= ${TARGET_SHARE * 100}% engine CPU`,
      value: `${(share * 100).toFixed(1)}% (${keywordless.length} rule${keywordless.length === 1 ? '' : 's'}: ${keywordless.map((r) => r.id).join(', ') || '-'})`,
      pass: share <= TARGET_SHARE,
    });
    result.figures = {
      bytes,
      files: chunks.length,
      runs: RUNS,
      keywordless: keywordless.map((r) => ({ id: r.id, paths: r.paths ?? null })),
      variants: variants.map(([name], v) => ({ name, cpuMs: med[v], runsMs: ms[v], rawFindings: found[v] })),
      keywordlessMs,
      share,
      loadavg: os.loadavg(),
    };
  } finally {
    if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
  }
}

main();
