import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { ioReason } from '../errors.js';
import { direntFromStats, lineBreakEntries, noteLineBreakNames, type LineBreakName } from './line-break-names.js';
import { readRegularFileSync } from './safe-open.js';
import { discoverRepo, runGit } from '../git/exec.js';
import { linesBelow, spillguardIgnore } from './ignore-files.js';
import { displayPath, pathInside } from './paths.js';

export interface FileEntry {
  /** Absolute path on disk. */
  abs: string;
  /** Reported path: relative to the working directory when inside it, with `/` separators. */
  rel: string;
  size: number;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface ReadError {
  path: string;
  message: string;
}

export interface WalkOptions {
  cwd: string;
  include: string[];
  exclude: string[];
  /** Honour .gitignore files (on by default). .spillguardignore is always honoured. */
  gitignore: boolean;
  /** Bytes; 0 = no limit. */
  maxFileSize: number;
}

export interface WalkResult {
  files: FileEntry[];
  skipped: Skipped[];
  errors: ReadError[];
}

const IGNORE_FILES = ['.gitignore', '.spillguardignore'];

/**
 * A matcher for --include/--exclude globs. A glob without a slash matches a name at any depth (a
 * leading slash anchors it), as in .gitignore and ripgrep's -g: `--exclude '*.min.js'` that only
 * left out the scanned folder's own bundles still reported the nested ones.
 */
export function pathGlobs(globs: string[]): (p: string) => boolean {
  // Not picomatch's `basename` option: it matches every pattern against the name alone, src/** too.
  const anyDepth = globs.map((g) => (g.startsWith('/') ? g.slice(1) : g.includes('/') ? g : `**/${g}`));
  return picomatch(anyDepth, { dot: true });
}

/**
 * Lists the files to scan under each path argument. Symbolic links are never followed: one that
 * leaves the scanned root could expose anything on the machine, and one that stays inside would
 * scan its target twice. Each is listed as skipped with the reason, as are FIFOs, devices, and
 * files over the size limit; unreadable directories are errors, never silent gaps.
 */
export async function walk(args: string[], opts: WalkOptions): Promise<WalkResult> {
  const out: WalkResult = { files: [], skipped: [], errors: [] };
  const include = opts.include.length ? pathGlobs(opts.include) : undefined;
  const exclude = opts.exclude.length ? pathGlobs(opts.exclude) : undefined;
  const seen = new Set<string>();
  const consider = (abs: string, relToRoot: string, size: number, readAt = abs) => {
    const shown = displayPath(abs, opts.cwd);
    if (include && !include(relToRoot) && !include(shown)) return;
    if (exclude && (exclude(relToRoot) || exclude(shown))) return;
    if (seen.has(abs)) return;
    seen.add(abs);
    if (opts.maxFileSize > 0 && size > opts.maxFileSize) {
      out.skipped.push({ path: shown, reason: `larger than --max-file-size (${size} > ${opts.maxFileSize} bytes)` });
      return;
    }
    out.files.push({ abs: readAt, rel: shown, size });
  };

  for (const arg of args) {
    const abs = path.resolve(opts.cwd, arg);
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(abs);
    } catch (e) {
      out.errors.push({ path: displayPath(abs, opts.cwd), message: ioReason(e) });
      continue;
    }
    if (st.isFile()) {
      // An explicitly named file is scanned even if an ignore file lists it: the user asked for it.
      // A symbolic link named on the command line is followed (as git and ripgrep do): the user
      // chose it. The file is read at its target, because reads refuse links (safe-open.ts).
      consider(abs, path.basename(abs), st.size, fs.realpathSync(abs));
      continue;
    }
    if (!st.isDirectory()) {
      out.skipped.push({ path: displayPath(abs, opts.cwd), reason: 'not a regular file' });
      continue;
    }
    await walkDir(abs, opts, out, consider);
  }
  out.files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

async function walkDir(
  root: string,
  opts: WalkOptions,
  out: WalkResult,
  consider: (abs: string, relToRoot: string, size: number) => void,
): Promise<void> {
  const names = opts.gitignore ? IGNORE_FILES : ['.spillguardignore'];
  // Inside a work tree, the ignore files of the folders above the scanned one apply too, up to the
  // top (as in git): `scan sub/` skips what `scan .` skips there. Outside one, no folder above is
  // known to belong with it (a home folder's stray .gitignore), so only the scanned folder's count.
  const tree = await workTree(root);
  const top = tree?.top;
  const under = tree?.under ?? '';
  const above: { under: string; ig: Ignore }[] = [];
  const prune = ['**/.git/**', '.git/**'];
  if (under) {
    const parts = under.split('/');
    for (let d = 0; d < parts.length; d++) {
      const found = readIgnoreFiles(path.join(top!, ...parts.slice(0, d)), names, out, opts.cwd, parts.slice(d).join('/'));
      if (found.rules) above.push({ under: parts.slice(d).join('/'), ig: found.ig });
      prune.push(...found.prunable);
    }
  }
  // Root-level ignore files prune the walk itself (node_modules/, dist/ are never entered);
  // nested ones are applied exactly once the walk has found them.
  const rootIgnores = readIgnoreFiles(root, names, out, opts.cwd);
  prune.push(...rootIgnores.prunable);
  const lineBreakNames: LineBreakName[] = [];
  // The walk is synchronous: the scan cannot start before it ends anyway, and an asynchronous walk
  // pays a thread-pool round trip per directory and per file (lstat); on the benchmark corpus
  // (`npm run bench`) it took twice the time and three times the CPU of this one.
  const fsAdapter = {
    ...fs,
    readdirSync: ((p: string, o: unknown) => {
      try {
        const listing = withoutUndecodable(p, fs.readdirSync(p, o as { withFileTypes: true }), (abs, isDir) =>
          out.errors.push({
            path: displayPath(abs, opts.cwd),
            message: `${isDir ? 'folder' : 'file'} name is not valid UTF-8, which Node cannot open by name: not scanned (rename it)`,
          }),
        );
        noteLineBreakNames(p, listing, lineBreakNames);
        return listing;
      } catch (e) {
        out.errors.push({ path: displayPath(p, opts.cwd), message: `cannot read directory: ${ioReason(e)}` });
        return [];
      }
    }) as typeof fs.readdirSync,
  };
  const entries = fg.sync('**', {
    cwd: root,
    dot: true,
    onlyFiles: false,
    followSymbolicLinks: false,
    stats: true,
    ignore: prune,
    fs: fsAdapter,
    suppressErrors: false,
  });
  // Names with line breaks escape fast-glob's matcher: listed here, never silently left out.
  entries.push(...lineBreakEntries(root, lineBreakNames, (p, e) => out.errors.push({ path: displayPath(p, opts.cwd), message: ioReason(e) })));
  // Ignore files without a rule match nothing: they are left out (most trees have none nested).
  const matchers = new Map<string, Ignore>(rootIgnores.rules ? [['', rootIgnores.ig]] : []);
  for (const e of entries) {
    const base = path.posix.basename(e.path);
    if (names.includes(base) && e.dirent.isFile()) {
      const dir = path.posix.dirname(e.path);
      if (dir === '.') continue;
      const nested = readIgnoreFiles(path.join(root, dir), names, out, opts.cwd);
      if (nested.rules) matchers.set(dir, nested.ig);
    }
  }
  // A folder's verdict is the same for every file in it, so it is asked once per folder.
  const folderVerdicts = new Map<string, boolean>();
  const folderIgnored = (dir: string, ig: Ignore, folder: string) => {
    const key = `${dir}\0${folder}`;
    let v = folderVerdicts.get(key);
    if (v === undefined) folderVerdicts.set(key, (v = ig.ignores(folder + '/')));
    return v;
  };
  const ignored = (rel: string, isDir: boolean) => {
    for (const a of above) if (a.ig.ignores(`${a.under}/${rel}${isDir ? '/' : ''}`)) return true;
    for (const [dir, ig] of matchers) {
      if (dir !== '' && !rel.startsWith(dir + '/')) continue;
      const sub = dir === '' ? rel : rel.slice(dir.length + 1);
      if (ig.ignores(isDir ? sub + '/' : sub)) return true;
      // A file inside an ignored directory is ignored too (git cannot re-include it).
      const parts = sub.split('/');
      let folder = '';
      for (let i = 1; i < parts.length; i++) {
        folder = i === 1 ? parts[0] : `${folder}/${parts[i - 1]}`;
        if (folderIgnored(dir, ig, folder)) return true;
      }
    }
    return false;
  };
  // .gitignore does not apply to files git tracks (as in git): a committed `.env` that the
  // .gitignore also lists is in every clone, so it is scanned; .spillguardignore still applies.
  const tracked = opts.gitignore && top !== undefined ? await trackedFiles(root) : undefined;
  let ownIgnored: ((rel: string) => boolean) | undefined;
  if (tracked?.size) {
    // The walk has reported an ignore file it could not read.
    const own = spillguardIgnore(top!, () => undefined, under);
    ownIgnored = under ? (rel) => own(`${under}/${rel}`) : own;
    // Tracked files in folders the root .gitignore pruned from the walk (a committed `dist/x`).
    const listed = new Set(entries.map((e) => e.path));
    for (const rel of tracked) {
      if (listed.has(rel) || rel.split('/').includes('.git')) continue;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(path.join(root, rel));
      } catch {
        continue; // deleted in the work tree: nothing on disk to scan
      }
      if (st.isDirectory()) continue; // a submodule
      entries.push({ path: rel, name: path.posix.basename(rel), dirent: direntFromStats(path.posix.basename(rel), st), stats: st } as (typeof entries)[number]);
    }
  }
  const skip = (rel: string) => ignored(rel, false) && !(tracked?.has(rel) && !ownIgnored!(rel));
  for (const e of entries) {
    const d = e.dirent;
    if (d.isDirectory()) continue;
    if (skip(e.path)) continue;
    const abs = path.join(root, e.path);
    if (d.isSymbolicLink()) {
      out.skipped.push({ path: displayPath(abs, opts.cwd), reason: symlinkReason(abs, root) });
      continue;
    }
    if (!d.isFile()) {
      out.skipped.push({ path: displayPath(abs, opts.cwd), reason: 'not a regular file (FIFO, socket or device)' });
      continue;
    }
    consider(abs, e.path, e.stats?.size ?? 0);
  }
}

/**
 * The top of the work tree `root` is in and `root`'s path from there (with `/`), or undefined
 * outside one. Found without starting git for the plain layouts (a `.git` above `root`); git is
 * asked only when its location variables are set.
 */
async function workTree(root: string): Promise<{ top: string; under: string } | undefined> {
  const env = process.env;
  let top: string | undefined;
  let from = root;
  if (!(env.GIT_DIR || env.GIT_WORK_TREE || env.GIT_COMMON_DIR || env.GIT_CEILING_DIRECTORIES)) top = discoverRepo(root)?.top;
  else {
    const r = await runGit(['rev-parse', '--show-toplevel'], root).catch(() => undefined);
    top = (r?.code === 0 && r.stdout.toString('utf8').trim()) || undefined;
    // git names the top by its real path; `root` may be reached through a link.
    from = fs.realpathSync(root);
  }
  const under = top === undefined ? undefined : pathInside(top, from);
  return under === undefined ? undefined : { top: top!, under: under.split(path.sep).join('/') };
}

/** The files git tracks under `root` (in a work tree), relative to it with `/`. */
async function trackedFiles(root: string): Promise<Set<string> | undefined> {
  // No git on PATH, or not a work tree after all: .gitignore applies as before.
  const r = await runGit(['ls-files', '-z', '--cached'], root).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  return new Set(r.stdout.toString('utf8').split('\0').filter(Boolean));
}

/**
 * A name whose bytes are not UTF-8 is listed decoded with U+FFFD, a name no file has: its lstat
 * fails, and fast-glob then dropped the whole folder's listing, every file in it unscanned and
 * unreported. Such names are taken out of the listing and reported instead. Only a listing with a
 * U+FFFD in it is read again as bytes, to tell them from names that really hold one.
 */
function withoutUndecodable<T extends string | fs.Dirent>(dir: string, listing: T[], report: (abs: string, isDir: boolean) => void): T[] {
  const nameOf = (d: T) => (typeof d === 'string' ? d : (d as fs.Dirent).name);
  if (!Array.isArray(listing) || !listing.some((d) => nameOf(d).includes('\uFFFD'))) return listing;
  const bad = new Map<string, number>();
  for (const raw of fs.readdirSync(dir, { encoding: 'buffer', withFileTypes: true })) {
    if (isUtf8(raw.name)) continue;
    const name = raw.name.toString('utf8');
    bad.set(name, (bad.get(name) ?? 0) + 1);
    report(path.join(dir, name), raw.isDirectory());
  }
  return listing.filter((d) => {
    const n = bad.get(nameOf(d));
    if (!n) return true;
    bad.set(nameOf(d), n - 1);
    return false;
  });
}

function symlinkReason(abs: string, root: string): string {
  try {
    const target = fs.realpathSync(abs);
    if (pathInside(fs.realpathSync(root), target) === undefined) return 'symbolic link leaving the scanned root (not followed)';
    return 'symbolic link (not followed; its target inside the root is scanned directly)';
  } catch {
    return 'broken symbolic link';
  }
}

/**
 * The ignore files of one folder: the scanned folder, one below it, or (with `under`, the scanned
 * folder's path from there) one above it, whose rules are read as `linesBelow` says. `prunable`
 * is what the scanned folder's walk may skip whole: used for the scanned folder and those above.
 */
function readIgnoreFiles(
  folder: string,
  names: string[],
  out: WalkResult,
  cwd: string,
  under = '',
): { ig: Ignore; prunable: string[]; rules: number } {
  const ig = ignore();
  const prunable: string[] = [];
  let rules = 0;
  for (const name of names) {
    const file = path.join(folder, name);
    let text: string;
    try {
      // A FIFO named .gitignore would block a plain read forever (safe-open.ts).
      text = readRegularFileSync(file, { follow: true }).toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        out.errors.push({ path: displayPath(file, cwd), message: ioReason(e) });
      continue;
    }
    const lines = linesBelow(text, under);
    ig.add(lines);
    rules += lines.filter((l) => l.trim() && !l.trim().startsWith('#')).length;
    prunable.push(...pruneGlobs(lines, under));
  }
  return { ig, prunable, rules };
}

/**
 * Directory patterns of a root ignore file as fast-glob globs, to skip whole trees during the walk.
 * A file with negations (`!keep`) gives none: pruning could drop what it re-includes; the exact
 * matcher still applies to everything found.
 */
function pruneGlobs(text: string[], under: string): string[] {
  const lines = text.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.some((l) => l.startsWith('!'))) return [];
  const globs: string[] = [];
  for (const l of lines) {
    // Plain names and directory patterns only: `node_modules` or `dist/` prune every tree so named.
    if (/[\\[\]{}*?]/.test(l)) continue;
    const p = l.endsWith('/') ? l.slice(0, -1) : l;
    if (!p.includes('/')) {
      globs.push(`**/${p}/**`, `${p}/**`);
      continue;
    }
    // Anchored to the ignore file's folder: from a folder above, only a path into the scanned one.
    const from = p.startsWith('/') ? p.slice(1) : p;
    if (!under) globs.push(`${from}/**`);
    else if (from.startsWith(`${under}/`)) globs.push(`${from.slice(under.length + 1)}/**`);
  }
  return globs;
}
