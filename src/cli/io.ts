import fs from 'node:fs';
import path from 'node:path';
import { ioReason, SpillguardError } from '../errors.js';

/**
 * Colour only for a person at a terminal: never in pipes, never with NO_COLOR set. FORCE_COLOR
 * means what it means to Node and chalk: `0` and `false` turn colour off (a CI job sets them to
 * keep escape codes out of its logs), any other value on.
 */
export function useColor(stream: NodeJS.WriteStream, flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  const force = process.env.FORCE_COLOR;
  if (force === '0' || force === 'false') return false;
  if (force) return true;
  return Boolean(stream.isTTY);
}

/**
 * Writes a report atomically (temporary file, then rename) so a reader never sees half of it; errors
 * name `flag`. Through a symbolic link, the file it points to is written. What is not a regular file
 * (`-o /dev/null`, `/dev/stdout`, a FIFO) is written to directly: a rename would replace the device
 * itself with a file (`-o /dev/null` once turned /dev/null into a regular file for the whole machine).
 */
export function writeOutput(file: string, text: string, flag = 'output'): void {
  let abs = path.resolve(file);
  let tmp: string | undefined;
  try {
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (st && !st.isFile()) {
      fs.writeFileSync(abs, text);
      return;
    }
    if (st) abs = fs.realpathSync(abs);
    tmp = `${abs}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, abs);
  } catch (e) {
    try {
      if (tmp) fs.rmSync(tmp, { force: true });
    } catch {
      /* nothing to clean */
    }
    // The reason alone: Node's message names the temporary file, which the user never asked for.
    const reason = ioReason(e).replace(/, \w+ '[^']*'(?: -> '[^']*')?$/, '');
    throw new SpillguardError('io', `cannot write: ${reason}`, { flag, file });
  }
}

/** Sizes as people write them: 500, 10k, 10KB, 50MB, 1g. */
export function parseSize(v: string | number, flag: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?b)?\s*$/i.exec(String(v));
  if (!m) throw new SpillguardError('usage', `"${v}" is not a size (examples: 500000, 10KB, 50MB, 0 for no limit)`, { flag });
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * mult);
}
