import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Temporary git repositories built at test time: nothing of git's is committed to this repo. */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'bin/spillguard.js');

const tmpRoots: string[] = [];

export function tmpdir(prefix = 'sg-git-'): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  tmpRoots.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of tmpRoots.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** The user's and the machine's git configuration must not leak in (hooksPath, default branch, signing). */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_GLOBAL: os.devNull,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    NO_COLOR: '1',
    ...extra,
  };
  for (const k of ['GIT_DIR', 'GIT_INDEX_FILE', 'GIT_WORK_TREE', 'GIT_AUTHOR_DATE', 'GIT_COMMITTER_DATE']) if (!(k in extra)) delete env[k];
  return env;
}

/** A rule set that does not depend on the built-in packs. */
export const TOK_CONFIG = `
[extend]
useDefault = false

[[rules]]
id = "test-token"
description = "Test token"
severity = "high"
regex = '''\\b(tok_[a-z0-9]{16})\\b'''
keywords = ["tok_"]

[[rules]]
id = "test-key-block"
description = "Test key block"
severity = "critical"
regex = '''-----BEGIN TEST KEY-----[a-z0-9\\n]{10,400}-----END TEST KEY-----'''
keywords = ["-----begin test key-----"]
`;

export class Repo {
  private clock = 1_700_000_000;
  constructor(readonly dir: string) {}

  static init(opts: { branch?: string; bare?: boolean; dir?: string } = {}): Repo {
    const dir = opts.dir ?? tmpdir();
    fs.mkdirSync(dir, { recursive: true });
    const r = new Repo(dir);
    r.git('init', '-q', '-b', opts.branch ?? 'main', ...(opts.bare ? ['--bare'] : []));
    // The repository's own config (what `git config user.name …` writes), without three more processes.
    const config = path.join(dir, opts.bare ? '' : '.git', 'config');
    fs.appendFileSync(config, '[user]\n\tname = Test Author\n\temail = author@example.com\n[commit]\n\tgpgsign = false\n');
    return r;
  }

  /** Each commit one second after the last, so history order is deterministic. */
  private tick(): Record<string, string> {
    this.clock += 1;
    const d = `${this.clock} +0000`;
    return { GIT_AUTHOR_DATE: d, GIT_COMMITTER_DATE: d };
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: gitEnv(this.tick()), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  }

  gitInput(input: string | Buffer, ...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: gitEnv(this.tick()), input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Runs git, returning its exit code and output instead of throwing. */
  tryGit(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile('git', args, { cwd: this.dir, env: gitEnv({ ...this.tick(), ...extraEnv }), encoding: 'utf8' }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  write(file: string, content: string | Buffer): void {
    const abs = path.join(this.dir, file);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }

  commitAll(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--no-verify', '--allow-empty', '-m', message);
    return this.head();
  }

  head(rev = 'HEAD'): string {
    return this.git('rev-parse', rev).trim();
  }

  /** Removes an object from the object database, as a broken clone or a bad disk would. */
  dropObject(oid: string): void {
    const f = path.join(this.dir, this.git('rev-parse', '--git-dir').trim(), 'objects', oid.slice(0, 2), oid.slice(2));
    fs.rmSync(f);
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (`npm run build` first: the pretest script does it). With standard input,
 * extra environment or `spawn: true`, as a real process (`node bin/spillguard.js`); otherwise the
 * same built `main()` in this process, from the given folder, which spares a Node start per call
 * (tests in a file run one at a time, so the borrowed cwd and stdout are not shared).
 */
export async function spillguard(
  args: string[],
  cwd: string,
  opts: { input?: string; env?: Record<string, string>; spawn?: boolean } = {},
): Promise<CliResult> {
  if (opts.input === undefined && !opts.env && !opts.spawn) return inProcess(args, cwd);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: gitEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    // A child that exits without reading its input (a hook that never reads stdin) makes the write
    // fail with EPIPE: not the test's concern, and unhandled it failed the whole run.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

let builtMain: ((args: string[]) => Promise<number>) | undefined;

async function inProcess(args: string[], cwd: string): Promise<CliResult> {
  if (!builtMain) {
    Object.assign(process.env, gitEnv());
    for (const k of ['GIT_DIR', 'GIT_INDEX_FILE', 'GIT_WORK_TREE']) delete process.env[k];
    builtMain = ((await import(path.join(ROOT, 'dist/cli/main.js'))) as { main: (a: string[]) => Promise<number> }).main;
  }
  const prevCwd = process.cwd();
  const out = { stdout: '', stderr: '' };
  const origOut = process.stdout.write;
  const origErr = process.stderr.write;
  const capture = (key: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      out[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  process.chdir(cwd);
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const code = await builtMain(args);
    return { code, ...out };
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
    process.chdir(prevCwd);
  }
}

export interface JsonFinding {
  ruleId: string;
  path: string;
  line: number;
  column: number;
  endLine: number;
  commit?: string;
  author?: string;
  email?: string;
  date?: string;
  blob?: string;
  fingerprint: string;
}

export interface JsonReport {
  findings: JsonFinding[];
  skipped: Array<{ path: string; reason: string }>;
  errors: Array<{ path: string; message: string }>;
  suppressed: Array<{ ruleId: string; path: string; line: number; reason: string }>;
  summary: { files: number; bytes: number };
}

export function parseReport(r: CliResult): JsonReport {
  try {
    return JSON.parse(r.stdout) as JsonReport;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** The fields a test pins down, in a stable order. */
export const brief = (fs_: JsonFinding[]) => fs_.map((f) => ({ ruleId: f.ruleId, path: f.path, line: f.line, column: f.column }));

/** A config file outside the repository, so it is never part of what is scanned. */
export function tokConfig(extra = ''): string {
  const dir = tmpdir('sg-cfg-');
  const file = path.join(dir, 'spillguard.toml');
  fs.writeFileSync(file, TOK_CONFIG + extra);
  return file;
}
