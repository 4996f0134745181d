import fs from 'node:fs';
import path from 'node:path';
import { SpillguardError } from '../errors.js';

/** Colour only for a person at a terminal: never in pipes, never with NO_COLOR set. */
export function useColor(stream: NodeJS.WriteStream, flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR) return true;
  return Boolean(stream.isTTY);
}

/** Writes a report atomically (temporary file, then rename) so a reader never sees half of it; errors name `flag`. */
export function writeOutput(file: string, text: string, flag = 'output'): void {
  const abs = path.resolve(file);
  const tmp = `${abs}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, abs);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* nothing to clean */
    }
    throw new SpillguardError('io', `cannot write: ${(e as Error).message.replace(/^[A-Z]+: /, '')}`, { flag, file });
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
