/**
 * Opening a file the walk listed, when the tree may change under the scan (a hostile checkout, a
 * build writing next to it). Between the walk's lstat and the read, a regular file can become:
 * - a FIFO or a device: a plain open would block forever (a FIFO without writer) or read without
 *   end (/dev/zero); opened non-blocking and checked with fstat, it is an error instead;
 * - a symbolic link to anywhere: O_NOFOLLOW refuses it, so the scan never leaves the tree it walked.
 * Either is reported as an error for that path (the run then ends with exit code 2).
 */
import fs from 'node:fs';

const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

const changed = (what: string) => Object.assign(new Error(`not a regular file but ${what} (not read)`), { code: 'ESPILLGUARDNOTREG' });

/**
 * Opens a path that must be a regular file; unless `follow`, not a symbolic link either (ignore
 * files may be links: their target only has to be a regular file).
 */
export function openRegularSync(abs: string, opts: { follow?: boolean } = {}): number {
  let fd: number;
  try {
    fd = fs.openSync(abs, FLAGS | (opts.follow ? 0 : NOFOLLOW));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP' && !opts.follow) throw changed('a symbolic link');
    throw e;
  }
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw changed(st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device or other special file');
  }
  return fd;
}

/** The whole content of a path that must still be a regular file. */
export function readRegularFileSync(abs: string, opts: { follow?: boolean } = {}): Buffer {
  const fd = openRegularSync(abs, opts);
  try {
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
