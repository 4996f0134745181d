#!/usr/bin/env node
/**
 * Git modes benchmark (issue 4). Run after `npm run build`: `node bench/git.mjs` (bench/run.mjs
 * calls it). Generates, in a temporary folder and from a seeded PRNG:
 *
 *   1. a repository of 5,000 files with a 10-file change staged, and times `spillguard staged`
 *      next to `node -e 0` (the floor of any Node CLI) and `git diff --cached` (git's own work);
 *      target: staged <= 3x `node -e 0`;
 *   2. a history of >= 2,000 commits (built with `git fast-import`), and times `spillguard git`
 *      next to `git log -p --all > /dev/null`, with MB/s of blob content scanned;
 *      target: <= 1.5x git's own time.
 *
 * Commands are timed round-robin (one run of each in turn) so that a change in machine load
 * affects them all alike; the median is reported. Honours BENCH_RUNS (min 7 for the staged case),
 * BENCH_RESULT_FILE (bench/run.mjs's JSON contract) and BENCH_KEEP=1 (keep the repositories).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from './lib.mjs';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin/spillguard.js');
const SEED = Number(process.env.BENCH_SEED ?? 0x5eed);
const RUNS = Math.max(7, Number(process.env.BENCH_RUNS ?? 7));
const HISTORY_RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 5));
const FILES = 5000;
const STAGED_FILES = 10;
const COMMITS = 2000;

if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) {
  console.error('bench/git.mjs: dist/ is missing: run `npm run build` first');
  process.exit(2);
}

// ------------------------------------------------------------------ helpers

/** mulberry32: the same stream on every machine. */
function rng(seed) {
  const next = mulberry32(seed);
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (arr) => arr[int(arr.length)], str: (abc, n) => Array.from({ length: n }, () => abc[int(abc.length)]).join('') };
}

const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: os.devNull,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  NO_COLOR: '1',
};

function git(cwd, args, input) {
  const r = spawnSync('git', args, { cwd, env, input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const WORDS = 'the of and to in is for on that with as by this be are from at or an it not value config user data item list name path index result error request response handler service client server cache query token'.split(' ');
const HEX = '0123456789abcdef';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Source-like text: identifiers, strings, comments, and config lines that wake the keyword prefilter. */
function sourceText(r, lines) {
  const out = [];
  for (let i = 0; i < lines; i++) {
    const k = r.int(20);
    if (k === 0) out.push(`const ${r.pick(WORDS)}Key = process.env.${r.pick(WORDS).toUpperCase()}_KEY;`);
    else if (k === 1) out.push(`  const passwordInput = document.getElementById("password-${r.int(100)}");`);
    else if (k === 2) out.push(`// ${Array.from({ length: 8 }, () => r.pick(WORDS)).join(' ')}`);
    else if (k === 3) out.push(`  "sha": "${r.str(HEX, 40)}",`);
    else out.push(`  ${r.pick(WORDS)}_${r.pick(WORDS)} = ${r.pick(WORDS)}(${r.pick(WORDS)}, ${r.int(1000)});`);
  }
  return out.join('\n') + '\n';
}

/** A fake credential in a format the built-in packs look for (never a real one). */
function fakeSecret(r) {
  return r.pick([
    () => `AWS_ACCESS_KEY_ID=AKIA${r.str('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
    () => `token = "ghp_${r.str(ALNUM, 36)}"`,
    () => `SLACK_WEBHOOK=https://hooks.slack.com/services/T${r.str('ABCDEFGHIJ0123456789', 8)}/B${r.str('ABCDEFGHIJ0123456789', 8)}/${r.str(ALNUM, 24)}`,
  ])();
}

/** `git fast-import` input for a data block. */
const data = (s) => `data ${Buffer.byteLength(s)}\n${s}\n`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * CPU time (user + system, ms) of this process's waited-for children and their descendants, from
 * /proc (Linux): unlike wall time it hardly moves with machine load, so it is printed alongside.
 */
function childrenCpuMs() {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, in USER_HZ (100)
  } catch {
    return NaN;
  }
}

/** Times each command `runs` times, round-robin; returns median wall and CPU ms per command. */
function timeAll(cmds, runs) {
  const times = cmds.map(() => []);
  const cpus = cmds.map(() => []);
  for (let i = 0; i < runs; i++) {
    cmds.forEach((c, j) => {
      const c0 = childrenCpuMs();
      const t = performance.now();
      const r = spawnSync(c.argv[0], c.argv.slice(1), { cwd: c.cwd, env, stdio: ['ignore', c.stdout ?? 'ignore', 'ignore'] });
      times[j].push(performance.now() - t);
      cpus[j].push(childrenCpuMs() - c0);
      if (!(c.ok ?? [0]).includes(r.status)) throw new Error(`${c.name} exited with ${r.status}`);
    });
  }
  return times.map((t, j) => ({ wall: median(t), cpu: median(cpus[j]) }));
}

function table(head, rows) {
  const all = [head, ...rows].map((r) => r.map(String));
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd();
  return [line(all[0]), w.map((n) => '-'.repeat(n)).join('  '), ...all.slice(1).map(line)].join('\n');
}

const fmt = (ms) => ms.toFixed(0);

// ------------------------------------------------------------------ 1. staged

function buildStagedRepo(dir) {
  const r = rng(SEED);
  git(dir, ['init', '-q', '-b', 'main']);
  const dirs = Array.from({ length: 100 }, (_, i) => `src/${r.pick(WORDS)}${i}`);
  const paths = [];
  let stream = 'commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\n' + data('initial import');
  for (let i = 0; i < FILES; i++) {
    const p = `${dirs[i % dirs.length]}/${r.pick(WORDS)}_${i}.${r.pick(['ts', 'js', 'json', 'py', 'go', 'md'])}`;
    paths.push(p);
    stream += `M 100644 inline ${p}\n` + data(sourceText(r, 10 + r.int(80)));
  }
  git(dir, ['fast-import', '--quiet'], stream);
  git(dir, ['reset', '-q', '--hard', 'main']);
  // The change a developer stages: 10 files, a few lines each, one with a (fake) secret in it.
  for (let i = 0; i < STAGED_FILES; i++) {
    const p = path.join(dir, paths[(i * 487) % FILES]);
    const lines = fs.readFileSync(p, 'utf8').split('\n');
    lines.splice(r.int(lines.length), 0, ...sourceText(r, 3).trimEnd().split('\n'), ...(i === 3 ? [fakeSecret(r)] : []));
    fs.writeFileSync(p, lines.join('\n'));
  }
  git(dir, ['add', '-A']);
  return paths;
}

// ------------------------------------------------------------------ 2. history

function buildHistoryRepo(dir) {
  const r = rng(SEED + 1);
  git(dir, ['init', '-q', '--bare']);
  const paths = Array.from({ length: 400 }, (_, i) => `${r.pick(['src', 'lib', 'config', 'test'])}/${r.pick(WORDS)}_${i}.${r.pick(['ts', 'py', 'yaml', 'json'])}`);
  const parts = [];
  let mark = 0;
  let mainTip = 0;
  let blobBytes = 0;
  const commit = (ref, parent, t, files) => {
    const m = ++mark;
    let s = `commit ${ref}\nmark :${m}\nauthor Bench <bench@example.com> ${t} +0000\ncommitter Bench <bench@example.com> ${t} +0000\n`;
    s += data(`change ${m}`);
    if (parent) s += `from :${parent}\n`;
    for (const [p, text] of files) {
      if (text === null) s += `D ${p}\n`;
      else {
        s += `M 100644 inline ${p}\n` + data(text);
        blobBytes += Buffer.byteLength(text);
      }
    }
    parts.push(s);
    return m;
  };
  const change = () => {
    const files = [];
    const n = 1 + r.int(4);
    for (let k = 0; k < n; k++) {
      const p = r.pick(paths);
      if (r.int(50) === 0) files.push([p, null]);
      else {
        let text = sourceText(r, 20 + r.int(100));
        if (r.int(40) === 0) text += fakeSecret(r) + '\n';
        files.push([p, text]);
      }
    }
    return files;
  };
  let t = 1700000000;
  const first = commit('refs/heads/main', 0, t, paths.slice(0, 200).map((p) => [p, sourceText(r, 30)]));
  mainTip = first;
  let branchPoint = 0;
  for (let i = 1; i < COMMITS; i++) {
    mainTip = commit('refs/heads/main', mainTip, (t += 60), change());
    if (i === COMMITS / 2) branchPoint = mainTip;
  }
  // A feature branch off the middle of history: --all covers it too.
  let tip = branchPoint;
  for (let i = 0; i < 200; i++) tip = commit('refs/heads/feature', tip, (t += 60), change());
  git(dir, ['fast-import', '--quiet'], parts.join(''));
  return { commits: mark, blobBytes };
}

// ------------------------------------------------------------------ main

function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spillguard-bench-git-'));
  const result = { name: 'git', targets: [], notes: [], figures: {} };
  try {
    const stagedDir = path.join(tmp, 'staged');
    fs.mkdirSync(stagedDir);
    let t0 = performance.now();
    buildStagedRepo(stagedDir);
    console.log(`staged: generated ${FILES} files, ${STAGED_FILES} staged, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const node = process.execPath;
    const [nodeT, diffT, stagedT] = timeAll(
      [
        { name: 'node -e 0', argv: [node, '-e', '0'], cwd: stagedDir },
        { name: 'git diff --cached', argv: ['git', 'diff', '--cached'], cwd: stagedDir },
        // exit 1: the staged change holds a (fake) secret, as a blocked commit would.
        { name: 'spillguard staged', argv: [node, CLI, 'staged'], cwd: stagedDir, ok: [0, 1] },
      ],
      RUNS,
    );
    const [nodeMs, diffMs, stagedMs] = [nodeT.wall, diffT.wall, stagedT.wall];
    const stagedRatio = stagedMs / nodeMs;

    const histDir = path.join(tmp, 'history.git');
    fs.mkdirSync(histDir);
    t0 = performance.now();
    const { commits, blobBytes } = buildHistoryRepo(histDir);
    console.log(`history: generated ${commits} commits (${(blobBytes / 1e6).toFixed(1)} MB of blob content) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const json = spawnSync(node, [CLI, 'git', '-f', 'json'], { cwd: histDir, env, maxBuffer: 1 << 28 });
    const report = JSON.parse(json.stdout.toString('utf8'));
    const scannedBytes = report.summary.bytes;
    const devNull = fs.openSync(os.devNull, 'w');
    const [logT, gitT] = timeAll(
      [
        { name: 'git log -p --all', argv: ['git', 'log', '-p', '--all'], cwd: histDir, stdout: devNull },
        { name: 'spillguard git', argv: [node, CLI, 'git'], cwd: histDir, ok: [0, 1] },
      ],
      HISTORY_RUNS,
    );
    fs.closeSync(devNull);
    const [logMs, gitMs] = [logT.wall, gitT.wall];
    const histRatio = gitMs / logMs;
    const mbps = scannedBytes / 1e6 / (gitMs / 1000);

    console.log('');
    console.log(
      table(
        ['case', 'median ms', 'ratio', 'cpu ms', 'cpu ratio', 'note'],
        [
          ['node -e 0', fmt(nodeMs), '1.00', fmt(nodeT.cpu), '1.00', `floor of a Node CLI (${RUNS} runs, round-robin)`],
          ['git diff --cached', fmt(diffMs), (diffMs / nodeMs).toFixed(2), fmt(diffT.cpu), (diffT.cpu / nodeT.cpu).toFixed(2), `${FILES}-file repo, ${STAGED_FILES} files staged`],
          ['spillguard staged', fmt(stagedMs), stagedRatio.toFixed(2), fmt(stagedT.cpu), (stagedT.cpu / nodeT.cpu).toFixed(2), `target <= 3.00x node -e 0: ${stagedRatio <= 3 ? 'PASS' : 'FAIL'}`],
          ['git log -p --all', fmt(logMs), '1.00', fmt(logT.cpu), '1.00', `${commits} commits (${HISTORY_RUNS} runs)`],
          ['spillguard git', fmt(gitMs), histRatio.toFixed(2), fmt(gitT.cpu), (gitT.cpu / logT.cpu).toFixed(2), `${mbps.toFixed(1)} MB/s of ${(scannedBytes / 1e6).toFixed(1)} MB unique blobs; target <= 1.50x: ${histRatio <= 1.5 ? 'PASS' : 'FAIL'}`],
        ],
      ),
    );
    console.log(`  (history scan: ${report.summary.files} blobs, ${report.findings.length} findings; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores)`);

    result.targets.push(
      { target: 'staged <= 3x node -e 0', value: `${stagedRatio.toFixed(2)}x (${fmt(stagedMs)} vs ${fmt(nodeMs)} ms)`, pass: stagedRatio <= 3 },
      { target: 'git history <= 1.5x git log -p', value: `${histRatio.toFixed(2)}x (${fmt(gitMs)} vs ${fmt(logMs)} ms, ${mbps.toFixed(1)} MB/s)`, pass: histRatio <= 1.5 },
    );
    result.figures = { nodeMs, diffMs, stagedMs, stagedRatio, logMs, gitMs, histRatio, mbps, cpuMs: { node: nodeT.cpu, diff: diffT.cpu, staged: stagedT.cpu, log: logT.cpu, git: gitT.cpu }, scannedBytes, commits, runs: RUNS, historyRuns: HISTORY_RUNS, loadavg: os.loadavg() };
  } finally {
    if (process.env.BENCH_KEEP) console.log(`kept: ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
    if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
  }
}

main();
