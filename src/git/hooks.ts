import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpillguardError } from '../errors.js';
import { gitOk } from './exec.js';
import { checkBooleans, checkOptionsObject } from '../engine/types.js';

export type HookName = 'pre-commit' | 'pre-push';

/** The package's shipped hook scripts, the same from `src/` (tests) and `dist/` (installed). */
export const SHIPPED_HOOKS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../hooks');

/** Every spillguard hook says so near its top; anything else is someone else's hook. */
const MARKER = /^# spillguard-hook: /m;

const COMMAND: Record<HookName, string> = { 'pre-commit': 'spillguard staged', 'pre-push': 'spillguard hook pre-push "$@"' };

export interface HookAction {
  hook: HookName;
  path: string;
  action: 'installed' | 'updated' | 'chained' | 'removed' | 'restored' | 'left-foreign';
  /** For `chained` and `restored`: where the other hook is (or was). */
  local?: string;
}

export interface HooksLocation {
  /** The folder git runs hooks from (honours core.hooksPath). */
  dir: string;
  /** core.hooksPath moved it away from `<git dir>/hooks`: probably another hook manager's. */
  custom: boolean;
  /** No work tree: nobody commits here, so client-side hooks never run. */
  bare: boolean;
}

export async function hooksLocation(cwd: string): Promise<HooksLocation> {
  const out = (await gitOk(['rev-parse', '--is-bare-repository', '--git-common-dir', '--git-path', 'hooks'], cwd)).toString('utf8').split('\n');
  const common = path.resolve(cwd, out[1]);
  const dir = path.resolve(cwd, out[2]);
  return { dir, custom: dir !== path.join(common, 'hooks'), bare: out[0] === 'true' };
}

export function isSpillguardHook(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(512);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      return MARKER.test(head.toString('utf8', 0, n));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

const exists = (p: string) => {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

function shipped(hook: HookName): string {
  return fs.readFileSync(path.join(SHIPPED_HOOKS_DIR, hook), 'utf8');
}

function writeHook(file: string, text: string): void {
  const tmp = `${file}.spillguard-${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { mode: 0o755 });
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true, recursive: false });
    throw e;
  }
}

/**
 * A file operation on the hooks folder, its failure (a read-only folder, a file where the folder
 * should be) worded as a SpillguardError naming the path: the user's to fix, not an internal error.
 */
function io<T>(what: string, file: string, step: () => T, folder = false): T {
  try {
    return step();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code !== 'string' || typeof err.message !== 'string') throw e;
    // "EACCES: permission denied, open '/repo/.git/hooks/x'": the words, without the code and the call.
    const reason = err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '[^']*'(?: -> '[^']*')?$/, '');
    const why = folder && (err.code === 'EEXIST' || err.code === 'ENOTDIR') ? 'a file is where git looks for its folder of hooks' : reason;
    throw new SpillguardError('io', `cannot ${what}: ${why}`, { file });
  }
}

export interface InstallOptions {
  cwd?: string;
  /** Also install the pre-push hook. */
  prePush?: boolean;
  /** Move a foreign hook to `<name>.local` (spillguard's hook runs it first) instead of refusing. */
  force?: boolean;
}

/**
 * Installs spillguard's hooks into the folder git actually runs hooks from. A hook that is not
 * spillguard's is never overwritten: without --force the install is refused with how to chain the
 * two; with --force it becomes `<name>.local`, which spillguard's hook runs first. Every target is
 * checked before anything is written, so a refusal leaves the folder as it was.
 */
export async function installHooks(opts: InstallOptions = {}): Promise<HookAction[]> {
  checkOptionsObject('installHooks', opts, "{ cwd: 'repo', prePush: true }");
  checkBooleans('installHooks', opts, ['prePush', 'force']);
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const loc = await hooksLocation(cwd);
  if (loc.bare)
    throw new SpillguardError(
      'git',
      `${cwd} is a bare repository: pre-commit and pre-push hooks run where commits are made, so install them in a clone (\`spillguard hook install\` there). To check what is pushed to this repository, make its pre-receive hook run \`spillguard hook pre-receive\` (docs/git.md)`,
    );
  const hooks: HookName[] = opts.prePush ? ['pre-commit', 'pre-push'] : ['pre-commit'];
  const plan: Array<{ hook: HookName; file: string; action: HookAction['action'] }> = [];
  for (const hook of hooks) {
    const file = path.join(loc.dir, hook);
    if (!exists(file)) plan.push({ hook, file, action: 'installed' });
    else if (isSpillguardHook(file)) plan.push({ hook, file, action: 'updated' });
    else if (dispatchesOnName(file)) throw nameBoundHookError(hook, file, loc);
    else if (!opts.force) throw foreignHookError(hook, file, loc);
    else if (exists(`${file}.local`))
      throw new SpillguardError(
        'usage',
        `cannot move the existing ${hook} hook aside: ${file}.local already exists. Merge the two by hand, or remove one, then run \`spillguard hook install --force\` again`,
        { file },
      );
    else plan.push({ hook, file, action: 'chained' });
  }
  io('create the hooks folder', loc.dir, () => fs.mkdirSync(loc.dir, { recursive: true }), true);
  const done: HookAction[] = [];
  for (const p of plan) io(`install the ${p.hook} hook`, p.file, () => {
    const text = shipped(p.hook);
    if (p.action === 'chained') {
      fs.renameSync(p.file, `${p.file}.local`);
      try {
        const st = fs.statSync(`${p.file}.local`);
        if ((st.mode & 0o111) === 0) fs.chmodSync(`${p.file}.local`, st.mode | 0o755);
      } catch {
        /* a dangling link: the hook reports it when it runs */
      }
      writeHook(p.file, text);
      done.push({ hook: p.hook, path: p.file, action: 'chained', local: `${p.file}.local` });
    } else {
      writeHook(p.file, text);
      done.push({ hook: p.hook, path: p.file, action: p.action });
    }
  });
  return done;
}

function readHead(file: string, max = 64 << 10): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(max);
      return buf.toString('utf8', 0, fs.readSync(fd, buf, 0, max, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** `basename "$0"`, `basename -- "$0"`: a script that looks at its own file name. */
const NAME_OF_SELF = /basename\s+(?:--\s+)?["']?\$(?:0|\{0\})/;
/** `. "$(dirname "$0")/h"`, `. "$(dirname -- "$0")/_/husky.sh"`: a script sourced from beside the hook. */
const SOURCED_SIBLING = /^[ \t]*(?:\.|source)[ \t]+["']?\$\(dirname[ \t]+(?:--[ \t]+)?["']?\$0["']?\)\/([^"'\s]+)/gm;

/**
 * Whether a hook decides what to run from its own file name, as husky's hooks do (each is
 * `. "$(dirname "$0")/h"`, and `h` runs `.husky/$(basename "$0")`). Renamed to `<name>.local`, such
 * a hook looks for a script of that name, finds none and exits 0: the user's own hook would be off,
 * silently. Such a hook is never moved.
 */
export function dispatchesOnName(file: string): boolean {
  const text = readHead(file);
  if (NAME_OF_SELF.test(text)) return true;
  for (const m of text.matchAll(SOURCED_SIBLING)) if (NAME_OF_SELF.test(readHead(path.join(path.dirname(file), m[1])))) return true;
  return false;
}

function nameBoundHookError(hook: HookName, file: string, loc: HooksLocation): SpillguardError {
  const lines = [
    `a ${hook} hook that is not spillguard's is already installed, and was left as it is.`,
    `  It finds what to run from its own file name (husky's hooks do): moved to ${path.basename(file)}.local, it would`,
    `  find nothing under that name and stop running, silently. Add spillguard to what it runs instead:`,
    `      npx --no-install ${COMMAND[hook]}`,
    `  (for husky, in .husky/${hook}; see docs/git.md).`,
  ];
  if (loc.custom) lines.push(`  Note: core.hooksPath points git at ${loc.dir}.`);
  return new SpillguardError('usage', lines.join('\n'), { file });
}

function foreignHookError(hook: HookName, file: string, loc: HooksLocation): SpillguardError {
  const lines = [
    `a ${hook} hook that is not spillguard's is already installed, and was left as it is.`,
    `  To run both, either add this line to it:`,
    `      ${COMMAND[hook]}`,
    `  (\`npx --no-install ${COMMAND[hook]}\` when spillguard is a devDependency),`,
    `  or run \`spillguard hook install${hook === 'pre-push' ? ' --pre-push' : ''} --force\`: it moves the hook to ${path.basename(file)}.local,`,
    `  and spillguard's hook runs it first, then spillguard.`,
  ];
  if (loc.custom)
    lines.push(
      `  Note: core.hooksPath points git at ${loc.dir}; if a tool manages that folder (husky, lefthook, pre-commit),`,
      `  add spillguard to that tool's configuration instead (see docs/git.md).`,
    );
  return new SpillguardError('usage', lines.join('\n'), { file });
}

export interface UninstallOptions {
  cwd?: string;
}

/**
 * Removes spillguard's hooks (pre-commit and pre-push), and only those; a hook moved aside by
 * `install --force` gets its name back.
 */
export async function uninstallHooks(opts: UninstallOptions = {}): Promise<HookAction[]> {
  checkOptionsObject('uninstallHooks', opts, "{ cwd: 'repo' }");
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const loc = await hooksLocation(cwd);
  const done: HookAction[] = [];
  for (const hook of ['pre-commit', 'pre-push'] as HookName[]) {
    const file = path.join(loc.dir, hook);
    const local = `${file}.local`;
    if (exists(file)) {
      if (!isSpillguardHook(file)) {
        done.push({ hook, path: file, action: 'left-foreign' });
        continue;
      }
      io(`remove the ${hook} hook`, file, () => fs.unlinkSync(file));
      done.push({ hook, path: file, action: 'removed' });
    }
    if (exists(local) && !exists(file)) {
      io(`restore the previous ${hook} hook`, local, () => fs.renameSync(local, file));
      done.push({ hook, path: file, action: 'restored', local });
    }
  }
  return done;
}
