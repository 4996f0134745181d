/**
 * Shared helpers of the benchmark scripts: paths, a seeded PRNG, the rule-pack reader the corpus
 * generator and the rg comparison both use, child processes with peak RSS and a time limit.
 * Nothing here imports spillguard itself: the corpus and its expected findings must not be derived
 * from the code under test.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_DIR = path.join(ROOT, '.bench');
export const CORPUS_DIR = path.join(BENCH_DIR, 'corpus');
export const PLANTED_FILE = path.join(BENCH_DIR, 'planted.json');
export const MANIFEST_FILE = path.join(BENCH_DIR, 'manifest.json');
export const RULES_DIR = path.join(ROOT, 'rules');
export const TIME_BIN = '/usr/bin/time';
export const RG_BIN = '/usr/bin/rg';

/** mulberry32: small, fast, and the same stream on every machine and Node version. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, to derive independent per-file seeds from one seed and a name. */
export function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  int(n) {
    return Math.floor(this.next() * n);
  }
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.next() < p;
  }
  pick(arr) {
    return arr[this.int(arr.length)];
  }
  str(alphabet, n) {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  shuffle(arr) {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  }
}

/**
 * Code points in s[from, to): what spillguard's columns count. Counted by the string iterator, not
 * by a copy of src/engine/position.ts: the planted columns are an oracle the scanner is checked against.
 */
export function codePoints(s, from = 0, to = s.length) {
  let n = 0;
  for (const _ of s.slice(from, to)) n++;
  return n;
}

export function shannonEntropy(s) {
  if (!s) return 0;
  const counts = new Map();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...s].length;
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

// ---------------------------------------------------------------------------------------------
// Rule packs, read directly with smol-toml (the rule schema is a superset of gitleaks').

const POSIX = {
  alnum: 'a-zA-Z0-9', alpha: 'a-zA-Z', ascii: '\\x00-\\x7F', blank: ' \\t', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: ' \\t\\r\\n\\v\\f', upper: 'A-Z',
  word: 'A-Za-z0-9_', xdigit: '0-9A-Fa-f',
};

/** Go/RE2 pattern -> JavaScript source + flags (inline modifiers widen to the whole pattern). */
export function goToJs(pattern, flags = '') {
  const set = new Set(flags.split('').filter(Boolean));
  let src = pattern.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_, lit) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  src = src.replace(/\(\?([imsU]*)(?:-([imsU]*))?(\)|:)/g, (_m, on, _off, end) => {
    for (const f of on) if ('ims'.includes(f)) set.add(f);
    return end === ':' ? '(?:' : '';
  });
  src = src.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$').replace(/\\A/g, '^');
  src = src.replace(/\[:(\^?)([a-z]+):\]/g, (m, neg, name) => (POSIX[name] ? (neg ? `^${POSIX[name]}` : POSIX[name]) : m));
  return { source: src, flags: [...set].sort().join('') };
}

function listOf(v) {
  return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
}

function compileAllow(p) {
  try {
    const { source, flags } = goToJs(p);
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

/**
 * Every rule of every pack under rules/ (recursively), with its regex compiled the way the engine
 * compiles it. Rules whose regex does not compile are returned with `error` set.
 */
export function readRulePacks(dir = RULES_DIR) {
  const files = fs.existsSync(dir)
    ? fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.toml')).map((f) => path.join(dir, String(f))).sort()
    : [];
  const rules = [];
  const global = { stopwords: [], regexes: [], paths: [], allowTarget: 'secret' };
  const errors = [];
  for (const file of files) {
    let doc;
    try {
      doc = parseToml(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      errors.push(`${path.relative(ROOT, file)}: ${String(e.message).split('\n')[0]}`);
      continue;
    }
    const allowTables = [doc.allowlist, ...(Array.isArray(doc.allowlists) ? doc.allowlists : [])].filter(Boolean);
    for (const t of allowTables) {
      global.stopwords.push(...listOf(t.stopwords).map((s) => s.toLowerCase()));
      global.regexes.push(...listOf(t.regexes).map(compileAllow).filter(Boolean));
      global.paths.push(...listOf(t.paths).map(compileAllow).filter(Boolean));
      if (typeof t.regexTarget === 'string') global.allowTarget = t.regexTarget;
    }
    for (const raw of Array.isArray(doc.rules) ? doc.rules : []) {
      if (!raw || typeof raw.id !== 'string' || typeof raw.regex !== 'string') continue;
      const rule = {
        id: raw.id,
        kind: raw.kind ?? 'secret',
        file: path.relative(ROOT, file),
        regexRaw: raw.regex,
        keywords: listOf(raw.keywords).map((k) => k.toLowerCase()),
        entropy: typeof raw.entropy === 'number' ? raw.entropy : undefined,
        stopwords: listOf(raw.stopwords).map((s) => s.toLowerCase()),
        allowRegexes: [],
        allowPaths: [],
        allowTarget: 'secret',
        paths: undefined,
        examples: listOf(raw.examples?.match),
        validate: raw.validate,
      };
      const rTables = [raw.allowlist, ...(Array.isArray(raw.allowlists) ? raw.allowlists : [])].filter(Boolean);
      for (const t of rTables) {
        rule.stopwords.push(...listOf(t.stopwords).map((s) => s.toLowerCase()));
        rule.allowRegexes.push(...listOf(t.regexes).map(compileAllow).filter(Boolean));
        rule.allowPaths.push(...listOf(t.paths).map(compileAllow).filter(Boolean));
        if (typeof t.regexTarget === 'string') rule.allowTarget = t.regexTarget;
      }
      const pathList = raw.path !== undefined ? [raw.path] : raw.paths !== undefined ? listOf(raw.paths) : undefined;
      if (pathList) rule.paths = pathList.map(compileAllow).filter(Boolean);
      try {
        const { source, flags } = goToJs(raw.regex, typeof raw.flags === 'string' ? raw.flags : '');
        rule.source = source;
        rule.flags = flags;
        rule.re = new RegExp(source, `gd${flags}`);
        const groups = new RegExp(`${source}|`, flags).exec('').length - 1;
        rule.secretGroup = Number.isInteger(raw.secretGroup) ? raw.secretGroup : groups > 0 ? 1 : 0;
      } catch (e) {
        rule.error = String(e.message);
      }
      rules.push(rule);
    }
  }
  return { files, rules, global, errors };
}

// ---------------------------------------------------------------------------------------------
// Child processes.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const RSS_PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rss-preload.cjs');

/**
 * Runs a command, timing its wall clock and measuring its peak RSS and CPU time (user + system, all
 * threads): with GNU time when installed, else (node children only) with a preload that writes
 * process.resourceUsage() at exit.
 * Kills the child's process group after `timeoutMs` and reports `timedOut`.
 */
export function runMeasured(cmd, args, { cwd, stdoutFile, stderrFile, timeoutMs = 600_000, env = {}, isNode = false } = {}) {
  return new Promise((resolve) => {
    const tmp = fs.mkdtempSync(path.join(BENCH_DIR, 'tmp-run-'));
    const rssFile = path.join(tmp, 'rss');
    let file = cmd;
    let argv = args;
    const childEnv = { ...process.env, ...env };
    const useTime = fs.existsSync(TIME_BIN);
    if (useTime) {
      file = TIME_BIN;
      argv = ['-f', '%M %U %S', '-o', rssFile, cmd, ...args];
    } else if (isNode) {
      childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --require ${RSS_PRELOAD}`.trim();
      childEnv.BENCH_RSS_FILE = rssFile;
    }
    const out = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'ignore';
    const err = stderrFile ? fs.openSync(stderrFile, 'w') : 'ignore';
    const t0 = performance.now();
    const child = spawn(file, argv, { cwd, env: childEnv, stdio: ['ignore', out, err], detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    const done = (code, signal, spawnError) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (typeof out === 'number') fs.closeSync(out);
      if (typeof err === 'number') fs.closeSync(err);
      let rssKb;
      let cpuMs;
      try {
        const txt = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
        // GNU time prints "Command exited with non-zero status N" before the format line.
        const [m, u, sy] = txt[txt.length - 1].split(' ').map(Number);
        if (Number.isFinite(m) && m > 0) rssKb = m;
        if (Number.isFinite(u) && Number.isFinite(sy)) cpuMs = (u + sy) * 1000;
      } catch {
        /* not measured */
      }
      fs.rmSync(tmp, { recursive: true, force: true });
      // GNU time reports the child's status as its own.
      resolve({ code, signal, ms, rssKb, cpuMs, timedOut, spawnError });
    };
    child.on('error', (e) => done(null, null, e.message));
    child.on('exit', (code, signal) => done(code, signal));
  });
}

export const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
export const fmtMB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Plain fixed-width table. */
export function table(head, rows) {
  const all = [head, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(all[0]), w.map((n) => '-'.repeat(n)).join('  '), ...all.slice(1).map(line)].join('\n');
}
