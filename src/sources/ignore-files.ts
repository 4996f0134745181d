import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { ioReason, SpillguardError } from '../errors.js';
import { readRegularFileSync } from './safe-open.js';

/**
 * The lines of an ignore file in a folder above a scanned folder (`under` is the scanned folder's
 * path from there), less those that ignore the scanned folder itself or a folder between: a folder
 * named on the command line is scanned, as a named file is, even if an ignore file above lists it
 * (`spillguard scan node_modules/pkg`); its other rules (`*.log`, `/sub/build`) apply below it.
 */
export function linesBelow(text: string, under: string): string[] {
  const lines = text.split(/\r?\n/);
  return under ? lines.filter((l) => !ignore().add(l).ignores(`${under}/`)) : lines;
}

/**
 * The work tree's `.spillguardignore` files, for paths that git names (what a commit stages, what
 * the history holds): as in the walk of `spillguard scan`, each file's patterns apply below its
 * folder, and a file inside an ignored folder is ignored. Read lazily, a folder at a time, once;
 * one that exists but cannot be read is an error naming it, not a file silently scanned or skipped
 * (thrown, unless `onError` takes it: the tree walk has reported it already). With `scanned` (a
 * folder's path from `top`, asked about paths below it only), files in the folders above it apply
 * as `linesBelow` says.
 */
export function spillguardIgnore(top: string, onError?: (e: SpillguardError) => void, scanned = ''): (rel: string) => boolean {
  const byDir = new Map<string, Ignore | null>();
  const rulesAt = (dir: string): Ignore | null => {
    let ig = byDir.get(dir);
    if (ig === undefined) {
      ig = null;
      const file = path.join(top, dir, '.spillguardignore');
      try {
        // A FIFO of that name would block a plain read forever (safe-open.ts).
        const text = readRegularFileSync(file, { follow: true }).toString('utf8');
        const above = scanned !== dir && (dir === '' || scanned.startsWith(`${dir}/`));
        ig = ignore().add(above ? linesBelow(text, path.posix.relative(dir, scanned)) : text);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          const err = new SpillguardError('io', `cannot read: ${ioReason(e)}`, { file });
          if (!onError) throw err;
          onError(err);
        }
      }
      byDir.set(dir, ig);
    }
    return ig;
  };
  return (rel) => {
    const parts = rel.split('/');
    for (let d = 0; d < parts.length; d++) {
      const ig = rulesAt(parts.slice(0, d).join('/'));
      if (!ig) continue;
      const sub = parts.slice(d);
      for (let i = 1; i <= sub.length; i++) if (ig.ignores(i === sub.length ? sub.join('/') : `${sub.slice(0, i).join('/')}/`)) return true;
    }
    return false;
  };
}
