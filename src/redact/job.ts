import fs from 'node:fs';
import path from 'node:path';
import { ioReason, isSpillguardError } from '../errors.js';
import { displayPath, pathInside } from '../sources/paths.js';
import { redactDocument, sha256 } from './document.js';
import type { FormatOptions } from './formats/index.js';
import type { ManifestEntry } from './manifest.js';
import type { Redactor } from './session.js';

/** One document of a corpus run, as the main thread hands it to a worker. */
export interface Job {
  id: number;
  abs: string;
  /** The input as reported (relative to the working directory). */
  display: string;
  /** Mirrored path under --out (and --quarantine), before any suffix. */
  outRel: string;
  format: string;
  /** The manifest entry of an earlier run, for --resume. */
  prev?: ManifestEntry;
}

export interface JobContext {
  cwd: string;
  outDir: string;
  quarantine?: string;
  fopts: FormatOptions;
  settings: string;
  suffixOf: (format: string) => string;
}

export interface JobResult {
  entry: ManifestEntry;
  resumed?: boolean;
}

/** Reads, redacts, verifies and writes one document; never throws for a problem of the document itself. */
export async function runJob(redactor: Redactor, job: Job, ctx: JobContext): Promise<JobResult> {
  const target = job.outRel + ctx.suffixOf(job.format);
  const done = await redactJob(redactor, job, ctx, target);
  if (!done.resumed && done.entry.status !== 'ok') retireOutput(done.entry, ctx.outDir, target, ctx.cwd);
  return done;
}

/**
 * A document that is not written under --out this run (it failed, left something over, or went to
 * --quarantine) must not leave an earlier run's output there: that copy was made under other rules
 * or from other input, and the folder is what gets indexed. Removed, and said in the entry.
 */
function retireOutput(entry: ManifestEntry, outDir: string, target: string, cwd: string): void {
  const abs = underRoot(outDir, target);
  try {
    // Through a symbolic link inside --out, the file would be outside it: not ours to remove.
    if (!abs || !fs.lstatSync(abs).isFile() || !reallyUnder(outDir, path.dirname(abs))) return;
    fs.rmSync(abs);
  } catch {
    return; // nothing there (or not removable: a later write would fail on it, and say so)
  }
  const note = `its earlier output ${displayPath(abs, cwd)} was removed from the output folder`;
  entry.reason = entry.reason ? `${entry.reason}; ${note}` : note;
}

async function redactJob(redactor: Redactor, job: Job, ctx: JobContext, target: string): Promise<JobResult> {
  let input: Buffer;
  try {
    // Synchronous: documents are done one at a time per thread, and one read call beats a stream's
    // several. Measured: asynchronous reads and writes (to overlap them with redaction) cost a fifth
    // more CPU time in thread hand-offs than they saved in waiting, the page cache doing the work.
    input = fs.readFileSync(job.abs);
  } catch (e) {
    return { entry: { input: job.display, output: null, status: 'failed', reason: ioReason(e), counts: {}, redactions: [], kept: [], injection: [] } };
  }
  const prev = job.prev;
  // Done before means done where this run puts it: under this --out (another --out given to a resumed
  // run got nothing), or under --quarantine when it is given and the document had injection hits.
  const place = (quarantined: boolean) => displayPath(path.resolve(quarantined ? ctx.quarantine! : ctx.outDir, target), ctx.cwd);
  if (
    prev && prev.settings === ctx.settings && (prev.status === 'ok' || prev.status === 'quarantined') && prev.inputSha256 === sha256(input) &&
    prev.output === place(prev.injection.length > 0 && ctx.quarantine !== undefined)
  ) {
    try {
      if (sha256(fs.readFileSync(path.resolve(ctx.cwd, prev.output))) === prev.outputSha256) return { entry: prev, resumed: true };
    } catch {
      /* output gone: do it again */
    }
  }
  let result;
  try {
    result = await redactDocument(redactor, input, job.display, job.format, ctx.fopts);
  } catch (e) {
    // A user rule stopped over its time budget (or another user error) fails this document only.
    const reason = isSpillguardError(e) ? e.render() : `internal error: ${(e as Error).message}`;
    return { entry: { input: job.display, output: null, status: 'failed', format: job.format, reason, counts: {}, redactions: [], kept: [], injection: [] } };
  }
  const entry = result.entry;
  entry.settings = ctx.settings;
  if (!result.output) return { entry };
  const quarantined = result.injected && ctx.quarantine !== undefined;
  const root = quarantined ? ctx.quarantine! : ctx.outDir;
  try {
    const abs = writeAtomic(root, target, result.output);
    entry.output = displayPath(abs, ctx.cwd);
    if (quarantined) {
      entry.status = 'quarantined';
      entry.reason = `prompt injection suspected (${[...new Set(entry.injection.map((i) => i.rule))].join(', ')})`;
    }
  } catch (e) {
    entry.status = 'failed';
    entry.reason = `cannot write output: ${e instanceof OutsideError ? e.message : ioReason(e)}`;
    delete entry.outputSha256;
  }
  return { entry };
}

class OutsideError extends Error {}

/**
 * Writes under `root` only: the target is resolved and checked lexically, and the real path of its
 * folder is checked again after creating it, so a symbolic link inside --out cannot lead outside.
 * The bytes go to a temporary file in the same folder first, then are renamed into place: a reader
 * (or a run killed midway) never sees half a document.
 */
export function writeAtomic(root: string, rel: string, data: Buffer): string {
  const abs = underRoot(root, rel);
  if (!abs) throw new OutsideError(`"${rel}" would be outside the output folder`);
  const dir = path.dirname(abs);
  if (!checkedDirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    if (!reallyUnder(root, dir)) throw new OutsideError(`"${rel}" leads outside the output folder through a symbolic link`);
    checkedDirs.add(dir);
  }
  const tmp = path.join(dir, `.${path.basename(abs)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}${TMP_SUFFIX}`);
  try {
    fs.writeFileSync(tmp, data, { flag: 'wx' });
    fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return abs;
}

/** `rel` resolved under `root`, or undefined when its name leads out of it (`../x`) or is `root` itself. */
function underRoot(root: string, rel: string): string | undefined {
  const abs = path.resolve(root, rel);
  return pathInside(path.resolve(root), abs) ? abs : undefined;
}

/** Whether folder `dir`, symbolic links followed, is `root` or inside it. */
function reallyUnder(root: string, dir: string): boolean {
  return pathInside(fs.realpathSync(root), fs.realpathSync(dir)) !== undefined;
}

export const TMP_SUFFIX = '.spillguard-tmp';
/** Output folders created and checked in this run (a corpus writes thousands of files into a few). */
const checkedDirs = new Set<string>();
