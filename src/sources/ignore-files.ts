import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { ioReason, SpillguardError } from '../errors.js';
import { readRegularFileSync } from './safe-open.js';

/**
 * The work tree's `.spillguardignore` files, for paths that git names (what a commit stages, what
 * the history holds): as in the walk of `spillguard scan`, each file's patterns apply below its
 * folder, and a file inside an ignored folder is ignored. Read lazily, a folder at a time, once;
 * one that exists but cannot be read is an error naming it, not a file silently scanned or skipped
 * (thrown, unless `onError` takes it: the tree walk has reported it already).
 */
export function spillguardIgnore(top: string, onError?: (e: SpillguardError) => void): (rel: string) => boolean {
  const byDir = new Map<string, Ignore | null>();
  const rulesAt = (dir: string): Ignore | null => {
    let ig = byDir.get(dir);
    if (ig === undefined) {
      ig = null;
      const file = path.join(top, dir, '.spillguardignore');
      try {
        // A FIFO of that name would block a plain read forever (safe-open.ts).
        ig = ignore().add(readRegularFileSync(file, { follow: true }).toString('utf8'));
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
