/**
 * fast-glob matches entries with regexes whose `.` stops at line breaks, so a file or folder whose
 * name holds `\n`, `\r`, U+2028 or U+2029 is silently left out of a walk: a place to hide a secret
 * from a scan. The walk's readdir hook notes such names as it goes (`noteLineBreakNames`), and
 * `lineBreakEntries` lists them, and everything under such a folder, as entries the walk then
 * treats like any other (ignore files, symbolic links, FIFOs and sizes included).
 */
import fs from 'node:fs';
import path from 'node:path';

const BREAK = /[\n\r\u2028\u2029]/;

export interface LineBreakName {
  dir: string;
  dirent: fs.Dirent;
}

/** Called with each directory listing the walk reads (names, or Dirents with `withFileTypes`). */
export function noteLineBreakNames(dir: string, listing: unknown, into: LineBreakName[]): void {
  if (!Array.isArray(listing)) return;
  for (const d of listing) {
    if (typeof d === 'string') {
      if (BREAK.test(d)) {
        const dirent = direntOf(dir, d);
        if (dirent) into.push({ dir, dirent });
      }
    } else if (d instanceof fs.Dirent && BREAK.test(d.name)) into.push({ dir, dirent: d });
  }
}

/** A Dirent-alike from lstat (a name that vanished since the listing is simply gone). */
function direntOf(dir: string, name: string): fs.Dirent | undefined {
  try {
    return direntFromStats(name, fs.lstatSync(path.join(dir, name)));
  } catch {
    return undefined;
  }
}

/** A Dirent-alike for a name whose lstat is in hand. */
export function direntFromStats(name: string, st: fs.Stats): fs.Dirent {
  return {
    name,
    isFile: () => st.isFile(),
    isDirectory: () => st.isDirectory(),
    isSymbolicLink: () => st.isSymbolicLink(),
    isFIFO: () => st.isFIFO(),
    isSocket: () => st.isSocket(),
    isBlockDevice: () => st.isBlockDevice(),
    isCharacterDevice: () => st.isCharacterDevice(),
  } as fs.Dirent;
}

export interface WalkEntry {
  name: string;
  /** Relative to the walk's root, with `/` separators. */
  path: string;
  dirent: fs.Dirent;
  stats?: fs.Stats;
}

export function lineBreakEntries(root: string, found: LineBreakName[], onError: (abs: string, e: unknown) => void): WalkEntry[] {
  const out: WalkEntry[] = [];
  const seen = new Set<string>();
  const add = (abs: string, dirent: fs.Dirent) => {
    if (seen.has(abs)) return;
    seen.add(abs);
    let stats: fs.Stats | undefined;
    if (dirent.isFile()) {
      try {
        stats = fs.lstatSync(abs);
      } catch (e) {
        onError(abs, e);
        return;
      }
    }
    out.push({ name: dirent.name, path: path.relative(root, abs).split(path.sep).join('/'), dirent, stats });
  };
  for (const { dir, dirent } of found) {
    const abs = path.join(dir, dirent.name);
    add(abs, dirent);
    if (!dirent.isDirectory()) continue;
    let below: fs.Dirent[];
    try {
      // Recursive readdir lists symbolic links as links: it never follows them.
      below = fs.readdirSync(abs, { withFileTypes: true, recursive: true });
    } catch (e) {
      onError(abs, e);
      continue;
    }
    for (const d of below) {
      const parent = (d as fs.Dirent & { parentPath?: string; path?: string }).parentPath ?? (d as fs.Dirent & { path: string }).path;
      add(path.join(parent, d.name), d);
    }
  }
  return out;
}
