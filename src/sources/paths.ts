import path from 'node:path';

/**
 * `to`'s path from `from`, or undefined when it is not inside `from`. Only `..` as a whole name
 * leaves a folder: a file or folder whose name starts with two dots (`..env`, `...`) is inside.
 */
export function pathInside(from: string, to: string): string | undefined {
  const rel = path.relative(from, to);
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? undefined : rel;
}

/** A reported path: relative to the working directory when inside it, else in full, with `/` separators. */
export function displayPath(abs: string, cwd: string): string {
  return (pathInside(cwd, abs) || abs).split(path.sep).join('/');
}
