#!/usr/bin/env node
/**
 * `npm run test:stress`: bounded memory, proven on the real CLI (docs/SECURITY.md).
 *
 * 1. A 1 GiB file with no newline at all, scanned with `--max-file-size 0`;
 * 2. 1 GiB streamed on standard input (`scan -`), also without a newline;
 * each with fake AWS key ids planted at the start, in the middle and at the very end. Asserts that
 * all three are found, at their exact offsets, and that the peak RSS of the spillguard process stays
 * under 300 MB. The peak is measured by `/usr/bin/time -f %M` when present, else by a preload that
 * reports `process.resourceUsage().maxRSS` at exit.
 *
 * Environment: STRESS_MIB (default 1024) sizes both inputs; STRESS_MAX_RSS_MB (default 300) the bound.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/spillguard.js');
const MIB = 1 << 20;
const SIZE_MIB = Number(process.env.STRESS_MIB ?? 1024);
const MAX_RSS_MB = Number(process.env.STRESS_MAX_RSS_MB ?? 300);
const TIME_BIN = '/usr/bin/time';

// Built at run time so that this file holds no key id and the repository still scans itself clean.
const fakeKey = (tag) => ['AK', 'IA', 'FAKESTRESS', tag].join('');
const KEYS = { start: fakeKey('START2'), middle: fakeKey('MIDDLE'), end: fakeKey('ENDEND') };

/** One MiB of filler without a newline or any rule keyword. */
const FILLER = Buffer.alloc(MIB, 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ');

/** The blocks of the input, and where each planted key starts (byte offset = UTF-16 offset: ASCII). */
function plan(sizeMiB) {
  const at = (block, offsetInBlock) => block * MIB + offsetInBlock;
  const mid = sizeMiB >> 1;
  const planted = [
    { key: KEYS.start, block: 0, offset: 16 },
    { key: KEYS.middle, block: mid, offset: MIB >> 1 },
    { key: KEYS.end, block: sizeMiB - 1, offset: MIB - KEYS.end.length - 1 },
  ];
  const special = new Map();
  for (const p of planted) {
    const b = Buffer.from(FILLER);
    b.write(` ${p.key} `, p.offset - 1, 'latin1');
    special.set(p.block, b);
  }
  return { blocks: sizeMiB, block: (i) => special.get(i) ?? FILLER, expected: planted.map((p) => at(p.block, p.offset)).sort((a, b) => a - b) };
}

async function writeFile(file, p) {
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < p.blocks; i++) fs.writeSync(fd, p.block(i));
  } finally {
    fs.closeSync(fd);
  }
}

const PRELOAD = `process.on('exit', () => { try { require('node:fs').writeFileSync(process.env.SG_STRESS_RSS_FILE, String(process.resourceUsage().maxRSS)); } catch {} });`;

/** Runs the CLI, optionally feeding `p` on stdin; returns exit code, stdout, and peak RSS in MB. */
function runCli(args, tmp, p) {
  const rssFile = path.join(tmp, `rss-${Date.now()}`);
  const useTime = fs.existsSync(TIME_BIN);
  let cmd;
  let argv;
  const env = { ...process.env, NO_COLOR: '1' };
  if (useTime) {
    cmd = TIME_BIN;
    argv = ['-f', '%M', '-o', rssFile, process.execPath, BIN, ...args];
  } else {
    const preload = path.join(tmp, 'rss-preload.cjs');
    fs.writeFileSync(preload, PRELOAD);
    env.SG_STRESS_RSS_FILE = rssFile;
    cmd = process.execPath;
    argv = ['--require', preload, BIN, ...args];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: [p ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      resolve({ code, stdout, stderr, rssMB: kb / 1024, how: useTime ? '/usr/bin/time -f %M' : 'resourceUsage().maxRSS' });
    });
    if (p) {
      (async () => {
        for (let i = 0; i < p.blocks; i++) {
          if (!child.stdin.write(p.block(i))) await new Promise((r) => child.stdin.once('drain', r));
        }
        child.stdin.end();
      })().catch(reject);
      child.stdin.on('error', () => {});
    }
  });
}

function check(name, r, expected, seconds) {
  const problems = [];
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    problems.push(`output is not JSON (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  }
  if (doc) {
    const found = doc.findings.filter((f) => f.ruleId === 'aws-access-key-id').map((f) => f.startOffset).sort((a, b) => a - b);
    if (JSON.stringify(found) !== JSON.stringify(expected)) problems.push(`expected AWS key ids at ${expected.join(', ')}, found at ${found.join(', ') || 'none'}`);
    if (doc.errors.length) problems.push(`errors: ${JSON.stringify(doc.errors)}`);
    for (const k of Object.values(KEYS)) if (r.stdout.includes(k)) problems.push('a raw key appears in the output');
  }
  if (r.code !== 1) problems.push(`exit code ${r.code}, expected 1`);
  if (!(r.rssMB < MAX_RSS_MB)) problems.push(`peak RSS ${r.rssMB.toFixed(0)} MB is not under ${MAX_RSS_MB} MB`);
  const mbps = SIZE_MIB / seconds;
  console.log(`${problems.length ? 'FAIL' : 'ok  '} ${name}: ${SIZE_MIB} MiB in ${seconds.toFixed(1)} s (${mbps.toFixed(0)} MiB/s), peak RSS ${r.rssMB.toFixed(0)} MB (${r.how})`);
  for (const p of problems) console.log(`     ${p}`);
  return problems.length === 0;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-stress-'));
const t00 = performance.now();
let ok = true;
try {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('not built: run `npm run build` first');
  const p = plan(SIZE_MIB);
  const file = path.join(tmp, 'one-line.txt');
  let t0 = performance.now();
  await writeFile(file, p);
  console.log(`generated ${SIZE_MIB} MiB without a newline in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  t0 = performance.now();
  const r1 = await runCli(['scan', file, '--max-file-size', '0', '--format', 'json'], tmp);
  ok = check('file, one line', r1, p.expected, (performance.now() - t0) / 1000) && ok;
  fs.rmSync(file);

  t0 = performance.now();
  const r2 = await runCli(['scan', '-', '--stdin-name', 'stream.log', '--format', 'json'], tmp, p);
  ok = check('stdin stream', r2, p.expected, (performance.now() - t0) / 1000) && ok;
} catch (e) {
  console.log(`FAIL ${e.message}`);
  ok = false;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`stress: ${ok ? 'passed' : 'FAILED'} in ${((performance.now() - t00) / 1000).toFixed(0)} s`);
process.exitCode = ok ? 0 : 1;
