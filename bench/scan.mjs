#!/usr/bin/env node
/**
 * `spillguard scan` over the generated corpus, side by side with secretlint and rg.
 *
 *   node bench/scan.mjs          (after bench/corpus.mjs and a build; bench/run.mjs does both)
 *
 * Env: BENCH_RUNS (default 5) spillguard runs, median reported; BENCH_REF_RUNS (default 1) runs
 * of each reference tool; BENCH_SKIP_REFS=1 skips them; BENCH_SKIP_LIB=1 skips the in-process figure;
 * BENCH_RESULT_FILE: where to write the JSON result that bench/run.mjs puts in its summary.
 *
 * The CLI runs from .bench/ (`node ../bin/spillguard.js scan corpus …`), not from the repository
 * root, so that the repository's own .spillguard.toml (allowlists for its fixtures) does not apply:
 * this measures the built-in packs alone.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureCorpus } from './corpus.mjs';
import {
  BENCH_DIR, CORPUS_DIR, RG_BIN, ROOT, TIME_BIN, fmtMs, median, readRulePacks, runMeasured, table,
} from './lib.mjs';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const REF_RUNS = Math.max(1, Number(process.env.BENCH_REF_RUNS ?? 1));
const TIMEOUT_MS = 600_000;
const TARGET_MBPS = 100;
const TARGET_RSS_MB = 300;

const log = (...a) => console.log(...a);
const loadNow = () => os.loadavg()[0].toFixed(1);
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const rssMB = (kb) => (kb === undefined ? undefined : (kb * 1024) / 1e6);
const fmtRss = (kb) => (kb === undefined ? 'n/a' : `${rssMB(kb).toFixed(0)} MB`);

function tmpDir(tag) {
  return fs.mkdtempSync(path.join(BENCH_DIR, `tmp-${tag}-`));
}

/** Planted-vs-found: a planted secret is found when a finding has its path, line and column. */
function compare(planted, findings) {
  const key = (p, l, c) => `${p}\0${l}\0${c}`;
  const plantedKeys = new Map(planted.map((p) => [key(p.path, p.line, p.column), p]));
  const plantedLines = new Set(planted.map((p) => `${p.path}\0${p.line}`));
  const foundKeys = new Set();
  const extras = [];
  let ruleMismatch = 0;
  for (const f of findings) {
    const k = key(f.path, f.line, f.column);
    const p = plantedKeys.get(k);
    if (p) {
      if (!foundKeys.has(k) && f.ruleId !== p.ruleId && !findings.some((g) => g !== f && g.ruleId === p.ruleId && key(g.path, g.line, g.column) === k)) ruleMismatch++;
      foundKeys.add(k);
      continue;
    }
    extras.push({ ...f, onPlantedLine: plantedLines.has(`${f.path}\0${f.line}`) });
  }
  const missed = planted.filter((p) => !foundKeys.has(key(p.path, p.line, p.column)));
  return { found: planted.length - missed.length, missed, extras, ruleMismatch };
}

function groupCount(items, by) {
  const m = new Map();
  for (const x of items) m.set(by(x), (m.get(by(x)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}

// ---------------------------------------------------------------------------------------------

async function spillguardCli(manifest, planted) {
  const bin = path.join(ROOT, 'bin', 'spillguard.js');
  const dir = tmpDir('sg');
  const out = path.join(dir, 'out.json');
  const errFile = path.join(dir, 'stderr.txt');
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    // --no-gitignore, as rg gets --no-ignore: the corpus lies under this repository's .bench/, and the
    // repository's .gitignore (dist/) applies from above, as in git, to the corpus's bundles.
    const r = await runMeasured(process.execPath, [bin, 'scan', 'corpus', '--format', 'json', '--max-file-size', '0', '--no-gitignore'], {
      cwd: BENCH_DIR, stdoutFile: out, stderrFile: errFile, timeoutMs: TIMEOUT_MS, isNode: true,
    });
    runs.push(r);
    log(`  spillguard CLI run ${i + 1}/${RUNS}: ${fmtMs(r.ms)} wall, ${r.cpuMs === undefined ? '?' : fmtMs(r.cpuMs)} CPU, exit ${r.code}${r.timedOut ? ' (timed out)' : ''}, peak RSS ${fmtRss(r.rssKb)}, load ${loadNow()}`);
    if (r.timedOut || (r.code !== 0 && r.code !== 1 && r.code !== 2)) break;
  }
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(out, 'utf8'));
  } catch (e) {
    const stderr = fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8').slice(0, 2000) : '';
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`spillguard produced no JSON report (exit ${runs.at(-1)?.code}): ${e.message}\n${stderr}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const findings = doc.findings.map((f) => ({ ...f, path: f.path.replace(/^corpus\//, '') }));
  const ms = median(runs.map((r) => r.ms));
  const cpuMs = runs.every((r) => r.cpuMs !== undefined) ? median(runs.map((r) => r.cpuMs)) : undefined;
  const rss = Math.max(...runs.map((r) => r.rssKb ?? 0)) || undefined;
  return { runs, ms, cpuMs, rssKb: rss, findings, summary: doc.summary, errors: doc.errors ?? [], skipped: doc.skipped ?? [], ...compare(planted, findings) };
}

async function spillguardLib(manifest) {
  const lib = await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href);
  const rules = lib.loadRules({ root: BENCH_DIR, kinds: ['secret'] });
  const times = [];
  let count;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await lib.scan({ paths: ['corpus'], cwd: BENCH_DIR, maxFileSize: 0, rules, gitignore: false });
    times.push(performance.now() - t0);
    count = res.findings.length;
  }
  return { ms: median(times), times, findings: count, rules: rules.rules.length, maxRssKb: process.resourceUsage().maxRSS };
}

// ---------------------------------------------------------------------------------------------

function secretlintBin() {
  const p = path.join(ROOT, 'node_modules', '.bin', 'secretlint');
  return fs.existsSync(p) ? p : undefined;
}

async function secretlint(planted) {
  const bin = secretlintBin();
  if (!bin) return { note: 'secretlint is not installed (devDependency): skipped' };
  const dir = tmpDir('secretlint');
  const rc = path.join(dir, '.secretlintrc.json');
  fs.writeFileSync(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  const out = path.join(dir, 'out.txt');
  const runs = [];
  for (let i = 0; i < REF_RUNS; i++) {
    const r = await runMeasured(bin, ['**/*', '--secretlintrc', rc, '--format', 'unix', '--no-color', '--no-terminalLink'], {
      cwd: CORPUS_DIR, stdoutFile: out, stderrFile: path.join(dir, 'err.txt'), timeoutMs: TIMEOUT_MS, isNode: true,
    });
    runs.push(r);
    log(`  secretlint run ${i + 1}/${REF_RUNS}: ${r.timedOut ? '> 600 s (stopped)' : fmtMs(r.ms)}, exit ${r.code}, peak RSS ${fmtRss(r.rssKb)}`);
    if (r.timedOut) break;
  }
  const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  fs.rmSync(dir, { recursive: true, force: true });
  const results = [];
  for (const line of text.split('\n')) {
    const m = /^(.*?):(\d+):(\d+): /.exec(line);
    if (m) results.push({ path: path.relative(CORPUS_DIR, m[1]).split(path.sep).join('/'), line: Number(m[2]) });
  }
  const lines = new Set(results.map((x) => `${x.path}\0${x.line}`));
  const plantedLinesHit = planted.filter((p) => lines.has(`${p.path}\0${p.line}`)).length;
  const timedOut = runs.some((r) => r.timedOut);
  return { runs, ms: timedOut ? undefined : median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs ?? NaN)), timedOut, rssKb: Math.max(...runs.map((r) => r.rssKb ?? 0)) || undefined, results: results.length, plantedLinesHit };
}

/** The pack's secret regexes as rg patterns; which compile in rg's default engine and which need PCRE2. */
function rgPatterns() {
  const packs = readRulePacks();
  const rules = packs.rules.filter((r) => r.kind === 'secret' && !r.error);
  const empty = path.join(BENCH_DIR, 'tmp-rg-empty');
  fs.writeFileSync(empty, '');
  const compiles = (pat, pcre2) => {
    const r = spawnSync(RG_BIN, ['--no-config', '-q', ...(pcre2 ? ['--pcre2'] : []), '-e', pat, empty], { encoding: 'utf8' });
    return r.status === 0 || r.status === 1;
  };
  const out = { total: rules.length, def: [], pcre2: [], multiline: 0, backrefs: 0, batches: [] };
  for (const r of rules) {
    const inline = r.flags ? `(?${r.flags})` : '';
    if (/\n/.test(r.source)) {
      out.multiline++;
      continue;
    }
    // rg joins all patterns into one regex, which renumbers groups: a backreference would point elsewhere.
    if (/\\[1-9]|\\k</.test(r.source)) {
      out.backrefs++;
      continue;
    }
    const dflt = inline + r.source.replace(/\(\?<(?![=!])/g, '(?P<').replace(/\\\//g, '/');
    if (compiles(dflt, false)) out.def.push(dflt);
    const p2 = inline + r.source;
    if (compiles(p2, true)) out.pcre2.push(p2);
  }
  // PCRE2 refuses one regex made of all patterns ("regular expression is too large"): batches that compile.
  const batchFile = path.join(BENCH_DIR, 'tmp-rg-batch.txt');
  let cur = [];
  const fits = (pats) => {
    fs.writeFileSync(batchFile, pats.join('\n') + '\n');
    const r = spawnSync(RG_BIN, ['--no-config', '-q', '--pcre2', '-f', batchFile, empty], { encoding: 'utf8' });
    return r.status === 0 || r.status === 1;
  };
  for (const p of out.pcre2) {
    if (fits([...cur, p])) cur.push(p);
    else {
      if (cur.length) out.batches.push(cur);
      cur = [p];
    }
  }
  if (cur.length) out.batches.push(cur);
  fs.rmSync(batchFile, { force: true });
  fs.rmSync(empty, { force: true });
  return out;
}

async function ripgrep() {
  if (!fs.existsSync(RG_BIN)) return { note: `rg not found at ${RG_BIN}: skipped` };
  const pats = rgPatterns();
  const dir = tmpDir('rg');
  /** One timed pass = rg once per batch of patterns, one after the other (a single batch unless PCRE2 needs more). */
  const run = async (label, batches, pcre2) => {
    const files = batches.map((b, i) => {
      const file = path.join(dir, `${label}-${i}.txt`);
      fs.writeFileSync(file, b.join('\n') + '\n');
      return file;
    });
    const patterns = batches.reduce((n, b) => n + b.length, 0);
    const passes = [];
    let counted = 0;
    let failed = false;
    for (let i = 0; i < REF_RUNS; i++) {
      const pass = { ms: 0, cpuMs: 0, rssKb: 0, timedOut: false };
      counted = 0;
      for (const file of files) {
        const out = `${file}.out`;
        const r = await runMeasured(RG_BIN, ['--no-config', '-c', '--hidden', '--no-ignore', '--no-messages', ...(pcre2 ? ['--pcre2'] : []), '-f', file, 'corpus'], {
          cwd: BENCH_DIR, stdoutFile: out, stderrFile: `${file}.err`, timeoutMs: Math.max(1000, TIMEOUT_MS - pass.ms),
        });
        pass.ms += r.ms;
        pass.cpuMs += r.cpuMs ?? NaN;
        pass.rssKb = Math.max(pass.rssKb, r.rssKb ?? 0);
        if (r.code === 2) failed = true;
        counted += fs.readFileSync(out, 'utf8').split('\n').reduce((s, l) => s + (Number(l.slice(l.lastIndexOf(':') + 1)) || 0), 0);
        if (r.timedOut) {
          pass.timedOut = true;
          break;
        }
      }
      passes.push(pass);
      log(`  rg ${label} (${patterns} patterns${files.length > 1 ? ` in ${files.length} batches` : ''}) run ${i + 1}/${REF_RUNS}: ${pass.timedOut ? '> 600 s (stopped)' : fmtMs(pass.ms)}${failed ? ', rg reported errors' : ''}, peak RSS ${fmtRss(pass.rssKb)}`);
      if (pass.timedOut) break;
    }
    const timedOut = passes.some((r) => r.timedOut);
    return { label, patterns, batches: files.length, ms: timedOut ? undefined : median(passes.map((r) => r.ms)), cpuMs: median(passes.map((r) => r.cpuMs)), timedOut, rssKb: Math.max(...passes.map((r) => r.rssKb)) || undefined, matchingLines: counted, failed };
  };
  const res = { total: pats.total, multilineDropped: pats.multiline, backrefsDropped: pats.backrefs, variants: [] };
  if (pats.def.length === pats.total) {
    res.variants.push(await run('default', [pats.def], false));
  } else {
    res.variants.push(await run('pcre2', pats.batches, true));
    if (pats.def.length) res.variants.push(await run('default', [pats.def], false));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return res;
}

// ---------------------------------------------------------------------------------------------

export async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  // Cheap when the corpus is up to date (bench/run.mjs has just made sure of it).
  const { manifest, planted } = ensureCorpus({
    seed: process.env.BENCH_SEED ? Number(process.env.BENCH_SEED) : undefined,
    sizeMiB: process.env.BENCH_SIZE_MIB ? Number(process.env.BENCH_SIZE_MIB) : undefined,
  });
  const bytes = manifest.bytes;
  const loadStart = loadNow();
  log(`\n== scan: ${manifest.files} files, ${(bytes / 1e6).toFixed(1)} MB, ${planted.length} planted secrets (${manifest.rulesPlanted} rules); ${RUNS} runs`);
  log(`   peak RSS via ${fs.existsSync(TIME_BIN) ? 'GNU time %M' : 'process.resourceUsage() preload'}; MB = 10^6 bytes`);

  const cli = await spillguardCli(manifest, planted);
  const lib = process.env.BENCH_SKIP_LIB ? undefined : await spillguardLib(manifest);
  if (lib) log(`  library in-process: median ${fmtMs(lib.ms)} over ${RUNS} runs (${lib.findings} findings)`);
  let sl;
  let rg;
  if (!process.env.BENCH_SKIP_REFS) {
    sl = await secretlint(planted);
    rg = await ripgrep();
  }

  const cliMBps = mbps(bytes, cli.ms);
  log('');
  const cpu = (x) => (x === undefined || Number.isNaN(x) ? '-' : fmtMs(x));
  const rows = [
    ['spillguard CLI (scan --format json)', fmtMs(cli.ms), cpu(cli.cpuMs), `${cliMBps.toFixed(1)} MB/s`, fmtRss(cli.rssKb), `${cli.findings.length} findings`, ''],
  ];
  if (lib) rows.push(['spillguard library scan() in-process', fmtMs(lib.ms), '-', `${mbps(bytes, lib.ms).toFixed(1)} MB/s`, '-', `${lib.findings} findings`, '']);
  const ratio = (ms) => (ms ? `${(cli.ms / ms).toFixed(2)}` : 'n/a');
  if (sl?.note) rows.push(['secretlint', '-', '-', '-', '-', sl.note, '']);
  else if (sl) rows.push(['secretlint (preset-recommend)', sl.timedOut ? '> 600 s' : fmtMs(sl.ms), cpu(sl.cpuMs), sl.ms ? `${mbps(bytes, sl.ms).toFixed(1)} MB/s` : '-', fmtRss(sl.rssKb), `${sl.results} results`, `spillguard/secretlint time = ${sl.timedOut ? '< ' + (cli.ms / TIMEOUT_MS).toFixed(3) : ratio(sl.ms)}`]);
  if (rg?.note) rows.push(['rg', '-', '-', '-', '-', rg.note, '']);
  else if (rg) {
    for (const v of rg.variants) {
      rows.push([`rg -c ${v.label === 'pcre2' ? '--pcre2 ' : ''}-f (${v.patterns}/${rg.total} patterns${v.batches > 1 ? `, ${v.batches} passes` : ''})`, v.timedOut ? '> 600 s' : fmtMs(v.ms), cpu(v.cpuMs), v.ms ? `${mbps(bytes, v.ms).toFixed(1)} MB/s` : '-', fmtRss(v.rssKb), `${v.matchingLines} matching lines${v.failed ? ' (rg exit 2)' : ''}`, `spillguard/rg time = ${v.timedOut ? '< ' + (cli.ms / TIMEOUT_MS).toFixed(3) : ratio(v.ms)}`]);
    }
  }
  log(table(['tool', 'median wall', 'CPU (all threads)', 'throughput', 'peak RSS', 'output', 'ratio (wall)'], rows));
  if (cli.cpuMs) log(`  spillguard CLI: ${mbps(bytes, cli.cpuMs).toFixed(1)} MB per CPU-second; ${os.availableParallelism()} cores, load average ${loadStart} at start, ${loadNow()} now${Number(loadNow()) > os.availableParallelism() ? ' (busy machine: wall-clock figures are inflated)' : ''}`);
  if (rg && !rg.note) {
    const v0 = rg.variants[0];
    const dropped = rg.total - v0.patterns;
    log(`  rg: ${rg.total} secret-rule regexes; ${dropped} dropped for the ${v0.label} run (${rg.multilineDropped} hold a literal newline, ${rg.backrefsDropped} a backreference, ${dropped - rg.multilineDropped - rg.backrefsDropped} rejected by rg${rg.variants[1] ? `; ${rg.total - rg.variants[1].patterns} do not compile in rg's default engine` : ''})` +
      (v0.batches > 1 ? `; PCRE2 rejects them as one regex ("too large"), so the ${v0.label} figure is ${v0.batches} rg passes in a row` : ''));
  }
  if (sl && !sl.note) log(`  secretlint flagged ${sl.plantedLinesHit}/${planted.length} planted lines (line-level; its preset covers fewer providers)`);

  log(`\n  planted secrets found by spillguard: ${cli.found}/${planted.length}` + (cli.ruleMismatch ? ` (${cli.ruleMismatch} found at the right place by a different rule)` : ''));
  if (cli.missed.length) {
    log(`  false negatives (${cli.missed.length}) by rule id:`);
    const byRule = new Map();
    for (const m of cli.missed) byRule.set(m.ruleId, [...(byRule.get(m.ruleId) ?? []), m]);
    for (const [id, ms] of [...byRule.entries()].sort((a, b) => b[1].length - a[1].length)) {
      log(`    ${id} ×${ms.length}: ${ms.slice(0, 3).map((m) => `${m.where} ${m.path}:${m.line}:${m.column}`).join('; ')}${ms.length > 3 ? ' …' : ''}`);
    }
  }
  const elsewhere = cli.extras.filter((x) => !x.onPlantedLine);
  log(`  extra findings: ${cli.extras.length} (${cli.extras.length - elsewhere.length} on planted lines at another column, ${elsewhere.length} elsewhere = false positives on look-alikes)`);
  for (const [id, n] of groupCount(elsewhere, (x) => x.ruleId).slice(0, 12)) {
    const ex = elsewhere.find((x) => x.ruleId === id);
    log(`    ${id} ×${n}, e.g. ${ex.path}:${ex.line}:${ex.column} ${ex.secret}`);
  }
  if (cli.errors.length) log(`  spillguard reported ${cli.errors.length} read errors, e.g. ${cli.errors[0].path}: ${cli.errors[0].message}`);
  if (cli.summary && cli.summary.files !== manifest.files) log(`  note: spillguard scanned ${cli.summary.files} of ${manifest.files} files (${cli.skipped.length} skipped)`);

  const rssMb = rssMB(cli.rssKb);
  const result = {
    name: 'scan',
    figures: {
      corpusBytes: bytes, files: manifest.files, planted: planted.length, runs: RUNS,
      cores: os.availableParallelism(), loadAverage: { start: Number(loadStart), end: Number(loadNow()) },
      cli: { medianMs: cli.ms, runsMs: cli.runs.map((r) => r.ms), cpuMs: cli.cpuMs, mbPerCpuSecond: cli.cpuMs ? mbps(bytes, cli.cpuMs) : undefined, mbps: cliMBps, peakRssMB: rssMb, findings: cli.findings.length, found: cli.found, missed: cli.missed.map((m) => ({ ruleId: m.ruleId, where: m.where, path: m.path, line: m.line, column: m.column })), extras: cli.extras.length, extrasElsewhere: elsewhere.length },
      lib: lib && { medianMs: lib.ms, mbps: mbps(bytes, lib.ms), findings: lib.findings },
      secretlint: sl && (sl.note ? { note: sl.note } : { medianMs: sl.ms, timedOut: sl.timedOut, peakRssMB: rssMB(sl.rssKb), results: sl.results, ratio: sl.ms ? cli.ms / sl.ms : undefined }),
      rg: rg && (rg.note ? { note: rg.note } : { total: rg.total, variants: rg.variants.map((v) => ({ ...v, ratio: v.ms ? cli.ms / v.ms : undefined })) }),
    },
    targets: [
      { target: `throughput >= ${TARGET_MBPS} MB/s (full pack, CLI wall clock)`, value: `${cliMBps.toFixed(1)} MB/s (median ${fmtMs(cli.ms)})`, pass: cliMBps >= TARGET_MBPS },
      { target: 'every planted secret found', value: `${cli.found}/${planted.length}`, pass: cli.found === planted.length },
      { target: `peak RSS < ${TARGET_RSS_MB} MB`, value: rssMb === undefined ? 'not measured' : `${rssMb.toFixed(0)} MB`, pass: rssMb !== undefined && rssMb < TARGET_RSS_MB },
    ],
    notes: [
      `CLI CPU time ${cli.cpuMs ? fmtMs(cli.cpuMs) + ` (${mbps(bytes, cli.cpuMs).toFixed(1)} MB per CPU-second)` : 'not measured'}; load average ${loadStart} -> ${loadNow()} on ${os.availableParallelism()} cores`,
      `${cli.extras.length} extra findings (${elsewhere.length} on look-alikes)`,
      sl && !sl.note ? `spillguard/secretlint time: ${sl.timedOut ? 'secretlint > 600 s' : (cli.ms / sl.ms).toFixed(2)}` : undefined,
      ...(rg && !rg.note ? rg.variants.map((v) => `spillguard/rg ${v.label} time: ${v.timedOut ? 'rg > 600 s' : (cli.ms / v.ms).toFixed(2)}`) : []),
    ].filter(Boolean),
  };
  if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((e) => {
    console.error(`bench/scan.mjs: ${e.stack ?? e}`);
    process.exit(1);
  });
}
