import fs from 'node:fs';
import path from 'node:path';
import { createEngine } from '../engine/engine.js';
import type { Finding } from '../engine/types.js';
import { applyFilters } from '../filters/index.js';
import { chunkText } from '../sources/chunker.js';
import type { ReadError, Skipped } from '../sources/files.js';
import { byPosition, decode, isBinary, DEFAULT_GIT_MAX_FILE_SIZE, lastLine, resolveRuleSet, type GitScanOptions, type GitScanResult } from './common.js';
import {
  contentMatches,
  GITLINK_MODE,
  intersectRanges,
  parsePatch,
  parseRawSection,
  SYMLINK_MODE,
  touches,
  type PatchInfo,
  type Ranges,
  type RawEntry,
} from './diff.js';
import { CatFile, discoverRepo, gitFailure, repoInfo, runGit, ZERO_OID, type BlobResult } from './exec.js';

export type StagedOptions = GitScanOptions;

/**
 * The index against HEAD (git picks the empty tree itself on an unborn branch), as raw entries and
 * a patch in one process. With `full`, the patch has unlimited context: each changed file appears
 * whole, so its staged contents come with it and no second process is needed to read blobs (they
 * are checked against their blob ids before use). Every flag pins down output the parser relies
 * on, whatever the user's configuration: no textconv (it would renumber lines), no external diff,
 * no merged hunks.
 */
function diffArgs(base: string | undefined, text: boolean, paths?: string[], full = false): string[] {
  const args = [
    'diff', '--cached', '--raw', '-p', '-z', full ? '-U2147483647' : '-U0', '--inter-hunk-context=0', '-M', '--no-abbrev',
    '--no-ext-diff', '--no-textconv', '--no-color', '--src-prefix=a/', '--dst-prefix=b/',
  ];
  if (text) args.push('--text');
  if (base) args.push(base);
  if (paths) args.push('--', ...paths);
  return paths ? ['--literal-pathspecs', ...args] : args;
}

interface StagedDiff {
  entries: RawEntry[];
  patch: Map<RawEntry, PatchInfo>;
  /** Patch info by destination path. */
  byPath: Map<string, PatchInfo>;
}

async function stagedDiff(cwd: string, base?: string, text = false, paths?: string[]): Promise<StagedDiff> {
  return parseDiff(await runGit(diffArgs(base, text, paths), cwd), cwd);
}

function parseDiff(r: { stdout: Buffer; stderr: string; code: number }, cwd: string, keepContent = false): StagedDiff {
  if (r.code !== 0) throw gitFailure(r.stderr, cwd, ['diff']);
  const { entries, patchStart } = parseRawSection(r.stdout);
  const patch = parsePatch(r.stdout, patchStart, entries, keepContent);
  const byPath = new Map<string, PatchInfo>();
  for (const [e, p] of patch) byPath.set(e.path, p);
  return { entries, patch, byPath };
}

/** git's complaints about objects it cannot read (missing, corrupt), as opposed to usage errors. */
const OBJECT_ERROR = /unable to read|bad object|corrupt|inflate|unable to unpack|missing (blob|object)|loose object/i;

/**
 * When an object in the diff cannot be read, `git diff -p` dies. Rather than end the scan, list the
 * changes without reading contents (raw, no rename detection), find which objects are missing, and
 * get the patch of every other file: the unreadable blob is then reported as an error by cat-file,
 * and the rest is scanned as usual. A file whose old version alone is unreadable is scanned whole.
 */
async function degradedDiff(top: string): Promise<StagedDiff> {
  const raw = await runGit(['diff', '--cached', '--raw', '-z', '--no-renames', '--no-abbrev', '--no-ext-diff'], top);
  if (raw.code !== 0) throw gitFailure(raw.stderr, top, ['diff']);
  const { entries } = parseRawSection(raw.stdout);
  const oids = [...new Set(entries.flatMap((e) => [e.srcOid, e.dstOid]).filter((o) => !ZERO_OID.test(o)))];
  const missing = await missingObjects(oids, top);
  const readable = entries.filter((e) => !missing.has(e.srcOid) && !missing.has(e.dstOid));
  const patch = new Map<RawEntry, PatchInfo>();
  const byPath = new Map<string, PatchInfo>();
  if (readable.length) {
    const d = await stagedDiff(top, undefined, false, readable.map((e) => e.path));
    for (const e of readable) {
      const p = d.byPath.get(e.path);
      if (p) {
        patch.set(e, p);
        byPath.set(e.path, p);
      }
    }
  }
  for (const e of entries) {
    if (!readable.includes(e)) {
      const p = { added: ALL, binary: false };
      patch.set(e, p);
      byPath.set(e.path, p);
    }
  }
  return { entries, patch, byPath };
}

async function missingObjects(oids: string[], cwd: string): Promise<Set<string>> {
  const missing = new Set<string>();
  if (oids.length === 0) return missing;
  const cat = new CatFile(cwd, 1); // contents are not kept: only whether each object can be read
  const results = await Promise.all(oids.map((o) => cat.get(o)));
  await cat.close();
  for (const r of results) if (r.kind === 'missing') missing.add(r.oid);
  return missing;
}

/** Parents of a merge in progress (several for an octopus merge); none otherwise. */
function mergeHeads(gitDir: string): string[] {
  try {
    return fs
      .readFileSync(path.join(gitDir, 'MERGE_HEAD'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[0-9a-f]{40,64}$/.test(l));
  } catch {
    return [];
  }
}

const ALL: Ranges = [[1, Number.MAX_SAFE_INTEGER]];

/** Above this much patch text, the staged change is read the frugal way: zero context, then cat-file. */
const FULL_DIFF_LIMIT = 64 << 20;

/**
 * Scans exactly what the next commit will contain: staged blobs read from the index (never the
 * working tree), keeping only findings on lines the staged diff adds or changes, with line
 * numbers in the staged file. Each whole blob is scanned, so a private key added as a block is
 * matched as one, then kept if it touches an added line.
 *
 * During a merge, a line counts as added only if it is new against every parent: what the merge
 * brings from the other branch was committed (and checked) there; what the merge itself adds — a
 * conflict resolution, an "evil merge" — is what this commit introduces.
 */
export async function scanStaged(opts: StagedOptions = {}): Promise<GitScanResult> {
  const t0 = performance.now();
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const maxSize = opts.maxFileSize ?? DEFAULT_GIT_MAX_FILE_SIZE;
  // Start git's work at once: the processes run while we load the rules. The repository is
  // found without a process of its own when its layout is plain (it is, in a hook).
  const found = discoverRepo(cwd);
  const infoP = found ? Promise.resolve(found) : repoInfo(cwd);
  const diffP = runGit(diffArgs(undefined, false, undefined, true), cwd, FULL_DIFF_LIMIT);
  infoP.catch(() => undefined);
  diffP.catch(() => undefined);
  // Blobs the patch cannot give (binary to git, an unreadable object, an oversized change) are
  // read through one cat-file, started only if needed.
  let cat: CatFile | undefined;
  try {
    const info = await infoP;
    if (!info.top) throw gitFailure('must be run in a work tree', cwd);
    const top = info.top;
    const heads = mergeHeads(info.gitDir);
    const mergeDiffs = heads.map((h) => stagedDiff(top, h));
    for (const m of mergeDiffs) m.catch(() => undefined);
    const ruleSet = await resolveRuleSet(opts, top);
    const engine = createEngine(ruleSet);
    const first = await diffP;
    const main = first.truncated
      ? await stagedDiff(top) // too big to hold whole: zero context, blobs from cat-file
      : first.code !== 0 && OBJECT_ERROR.test(first.stderr)
        ? await degradedDiff(top)
        : parseDiff(first, cwd, true);
    const bases = [main, ...(await Promise.all(mergeDiffs))];

    const skipped: Skipped[] = [];
    const errors: ReadError[] = [];
    interface Job {
      e: RawEntry;
      ranges: Ranges;
      /** git called it binary: our own check decides, and a `--text` diff then gives the lines. */
      gitBinary: boolean;
      blob?: Promise<BlobResult>;
    }
    const jobs: Job[] = [];
    for (const e of main.entries) {
      if (e.status === 'D') continue;
      if (e.status === 'U') {
        skipped.push({ path: e.path, reason: 'unmerged: resolve the conflict and stage the file' });
        continue;
      }
      if (e.dstMode === GITLINK_MODE) {
        skipped.push({ path: e.path, reason: 'submodule (gitlink): scan it in its own repository' });
        continue;
      }
      if (e.dstMode === SYMLINK_MODE) {
        skipped.push({ path: e.path, reason: 'symbolic link' });
        continue;
      }
      if (!e.dstMode.startsWith('100')) {
        skipped.push({ path: e.path, reason: `not a regular file (mode ${e.dstMode})` });
        continue;
      }
      const own = main.patch.get(e);
      // No section matched (cannot happen with a conforming git): scan the whole file rather than miss.
      let ranges = own ? own.added : ALL;
      let gitBinary = own?.binary ?? false;
      for (const b of bases.slice(1)) {
        const p = b.byPath.get(e.path);
        ranges = intersectRanges(ranges, p ? p.added : []);
        if (p?.binary) gitBinary = true;
      }
      if (ranges.length === 0 && !gitBinary) continue; // a pure rename, a mode change, removed lines only
      jobs.push({ e, ranges, gitBinary });
    }

    for (const j of jobs) {
      const content = main.patch.get(j.e)?.content;
      if (!j.gitBinary && content && contentMatches(content, j.e.dstOid)) {
        j.blob = Promise.resolve(
          maxSize > 0 && content.length > maxSize
            ? { oid: j.e.dstOid, kind: 'oversize' as const, size: content.length }
            : { oid: j.e.dstOid, kind: 'blob' as const, size: content.length, data: content },
        );
      } else j.blob = (cat ??= new CatFile(top, maxSize)).get(j.e.dstOid);
    }
    const raw: Finding[] = [];
    let files = 0;
    let bytes = 0;
    const textButGitBinary: Array<{ j: Job; data: Buffer }> = [];
    const scan = (j: Job, data: Buffer, ranges: Ranges) => {
      files++;
      bytes += data.length;
      for (const chunk of chunkText(decode(data), { path: j.e.path, blob: j.e.dstOid })) {
        for (const f of engine.scanChunk(chunk)) if (touches(ranges, f.span.line, lastLine(f))) raw.push(f);
      }
    };
    for (const j of jobs) {
      const r = await j.blob!;
      if (r.kind === 'missing') {
        errors.push({ path: j.e.path, message: r.reason });
        continue;
      }
      if (r.kind === 'oversize') {
        skipped.push({ path: j.e.path, reason: `larger than --max-file-size (${r.size} bytes)` });
        continue;
      }
      if (isBinary(r.data)) {
        skipped.push({ path: j.e.path, reason: 'binary file' });
        continue;
      }
      if (j.gitBinary) textButGitBinary.push({ j, data: r.data });
      else scan(j, r.data, j.ranges);
    }
    if (cat) await cat.close();

    if (textButGitBinary.length) {
      // Text that .gitattributes marks binary (`-diff`, common for lock files and minified code):
      // git gave no lines, so ask again with --text, for those files only.
      const paths = [...new Set(textButGitBinary.flatMap(({ j }) => [j.e.path, j.e.srcPath]))];
      const again = await Promise.all([undefined, ...heads].map((h) => stagedDiff(top, h, true, paths)));
      for (const { j, data } of textButGitBinary) {
        let ranges: Ranges | undefined;
        for (const d of again) {
          const added = d.byPath.get(j.e.path)?.added ?? [];
          ranges = ranges ? intersectRanges(ranges, added) : added;
        }
        if (ranges && ranges.length) scan(j, data, ranges);
      }
    }

    const { kept, dropped } = applyFilters(raw, { allowlist: ruleSet.allowlist, minConfidence: opts.minConfidence, baseline: opts.baseline });
    return {
      findings: kept.sort(byPosition),
      suppressed: dropped,
      skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      errors,
      stats: { files, bytes, durationMs: performance.now() - t0 },
      root: top,
    };
  } finally {
    if (cat) await cat.close();
  }
}
