import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_DECODE_DEPTH, findEncodedRuns, scanChunkDecoded } from '../engine/decode.js';
import { createEngine } from '../engine/engine.js';
import { narrowRuleSet } from '../engine/narrow.js';
import { checkOptionsObject, checkScanOptions, type Finding } from '../engine/types.js';
import { applyFilters } from '../filters/index.js';
import { chunkText } from '../sources/chunker.js';
import type { ReadError, Skipped } from '../sources/files.js';
import { textEncoding } from '../sources/read.js';
import { byPosition, decode, isBinary, DEFAULT_GIT_MAX_FILE_SIZE, lastLine, resolveRuleSet, type GitScanOptions, type GitScanResult } from './common.js';
import {
  contentMatches,
  GITLINK_MODE,
  intersectRanges,
  parsePatch,
  parseRawSection,
  SYMLINK_MODE,
  touches,
  utf16Ranges,
  type PatchInfo,
  type Ranges,
  type RawEntry,
} from './diff.js';
import { CatFile, discoverRepo, gitFailure, repoInfo, runGit, ZERO_OID, type BlobResult } from './exec.js';
import { diffArgs, startStagedDiff, type StagedDiffRun } from './staged-diff.js';
import { spillguardIgnore } from '../sources/ignore-files.js';

export interface StagedOptions extends GitScanOptions {
  /**
   * The staged diff, if the caller has already started it with `startStagedDiff(cwd)` for the same
   * `cwd` (the CLI does, before it loads its modules); otherwise scanStaged starts it.
   */
  stagedDiff?: StagedDiffRun;
}

interface StagedDiff {
  entries: RawEntry[];
  patch: Map<RawEntry, PatchInfo>;
  /** Patch info by destination path, as git's bytes (`pathRaw`: two names that are not UTF-8 may decode alike). */
  byPath: Map<string, PatchInfo>;
}

/**
 * The entries' paths as pathspecs, or undefined (every path) when one of them is not UTF-8: an
 * argument reaches git as the UTF-8 of its string, so such a name, decoded with U+FFFD, would
 * match no file, and that file would go unscanned.
 */
function pathspecs(entries: RawEntry[]): string[] | undefined {
  if (!entries.every(utf8Names)) return undefined;
  return [...new Set(entries.flatMap((e) => [e.path, e.srcPath]))];
}

const utf8Names = (e: RawEntry): boolean =>
  Buffer.from(e.path, 'utf8').equals(Buffer.from(e.pathRaw, 'latin1')) && Buffer.from(e.srcPath, 'utf8').equals(Buffer.from(e.srcRaw, 'latin1'));

async function stagedDiff(cwd: string, base?: string, text = false, paths?: string[]): Promise<StagedDiff> {
  return parseDiff(await runGit(diffArgs(base, text, paths), cwd), cwd);
}

function parseDiff(r: { stdout: Buffer; stderr: string; code: number }, cwd: string, keepContent = false): StagedDiff {
  if (r.code !== 0) throw gitFailure(r.stderr, cwd, ['diff']);
  const { entries, patchStart } = parseRawSection(r.stdout);
  const patch = parsePatch(r.stdout, patchStart, entries, keepContent);
  const byPath = new Map<string, PatchInfo>();
  for (const [e, p] of patch) byPath.set(e.pathRaw, p);
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
  // (A name that is not UTF-8 cannot be a pathspec, and a diff of every path would die again: such
  // a file is scanned whole, as if its old version were unreadable.)
  const readable = entries.filter((e) => !missing.has(e.srcOid) && !missing.has(e.dstOid) && utf8Names(e));
  const patch = new Map<RawEntry, PatchInfo>();
  const byPath = new Map<string, PatchInfo>();
  if (readable.length) {
    const d = await stagedDiff(top, undefined, false, pathspecs(readable));
    for (const e of readable) {
      const p = d.byPath.get(e.pathRaw);
      if (p) {
        patch.set(e, p);
        byPath.set(e.pathRaw, p);
      }
    }
  }
  for (const e of entries) {
    if (!readable.includes(e)) {
      const p = { added: ALL, binary: false };
      patch.set(e, p);
      byPath.set(e.pathRaw, p);
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

/**
 * Up to this much staged text, the engine is built only for the rules whose keywords occur in it
 * (narrow.ts). Looking for the 486 keywords of the built-in secret packs costs ~0.2 ms per KB of
 * text; building the engine for all 295 rules, 15-40 ms of a cold start (both measured on the
 * 2-core benchmark machine). Up to 64 KB the search costs less than it saves, and a pre-commit
 * change is usually far smaller.
 */
const NARROW_LIMIT = 64 << 10;

/**
 * The texts and what their encoded runs decode to, as deep as the scan decodes them: the keywords
 * that wake a rule inside a base64 value are in its decoded text only, and the narrowed engine must
 * keep that rule (narrow.ts looks for keywords in the texts it is given).
 */
function withDecoded(texts: string[]): string[] {
  const out = [...texts];
  let level = texts;
  for (let depth = 1; depth <= DEFAULT_DECODE_DEPTH && level.length > 0; depth++) {
    level = level.flatMap((t) => findEncodedRuns(t).map((r) => r.text));
    out.push(...level);
  }
  return out;
}

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
  checkOptionsObject('scanStaged', opts, "{ cwd: 'repo' }");
  checkScanOptions('scanStaged', opts);
  const t0 = performance.now();
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const maxSize = opts.maxFileSize ?? DEFAULT_GIT_MAX_FILE_SIZE;
  // Start git's work at once: the processes run while we load the rules. The repository is
  // found without a process of its own when its layout is plain (it is, in a hook).
  const found = discoverRepo(cwd);
  const infoP = found ? Promise.resolve(found) : repoInfo(cwd);
  // (The CLI has started the diff already, before loading its modules: see staged-diff.ts.)
  const diffP = opts.stagedDiff ?? startStagedDiff(cwd);
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
    const first = await diffP;
    // git saw no repository where one was found without it (safe.directory refuses a folder owned by
    // another user): its diff then takes the no-index form and rejects --cached, which says nothing
    // useful. git's own account of the repository says why.
    if (first.code !== 0 && /unknown option `cached'|--no-index/.test(first.stderr)) await repoInfo(cwd);
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
    const ignored = spillguardIgnore(top);
    for (const e of main.entries) {
      if (e.status === 'D' || ignored(e.path)) continue;
      if (e.status === 'U') {
        skipped.push({ path: e.path, reason: 'unmerged: resolve the conflict and stage the file' });
        continue;
      }
      if (e.dstMode === GITLINK_MODE) {
        skipped.push({ path: e.path, reason: 'submodule (gitlink): scan it in its own repository' });
        continue;
      }
      if (e.dstMode === SYMLINK_MODE) {
        skipped.push({ path: e.path, reason: 'symbolic link, not followed' });
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
        const p = b.byPath.get(e.pathRaw);
        ranges = intersectRanges(ranges, p ? p.added : []);
        if (p?.binary) gitBinary = true;
      }
      if (ranges.length === 0 && !gitBinary) continue; // a pure rename, a mode change, removed lines only
      jobs.push({ e, ranges, gitBinary });
    }

    const fromPatch = new Map<Job, Buffer>();
    for (const j of jobs) {
      const content = main.patch.get(j.e)?.content;
      if (!j.gitBinary && content && contentMatches(content, j.e.dstOid)) {
        const oversize = maxSize > 0 && content.length > maxSize;
        if (!oversize) fromPatch.set(j, content);
        j.blob = Promise.resolve(
          oversize
            ? { oid: j.e.dstOid, kind: 'oversize' as const, size: content.length }
            : { oid: j.e.dstOid, kind: 'blob' as const, size: content.length, data: content },
        );
      } else j.blob = (cat ??= new CatFile(top, maxSize)).get(j.e.dstOid);
    }
    // The usual pre-commit change is a few files that all came whole with the patch: the engine is
    // then built for the rules their text can wake, a fraction of the cost of building it for every
    // rule (narrow.ts). Anything else (a large change, blobs still to read) gets the whole engine.
    let texts: Map<Job, string> | undefined;
    if (!cat && [...fromPatch.values()].reduce((n, b) => n + b.length, 0) <= NARROW_LIMIT) {
      texts = new Map();
      for (const [j, data] of fromPatch) if (!isBinary(data)) texts.set(j, decode(data));
    }
    const engine = createEngine(texts ? narrowRuleSet(ruleSet, withDecoded([...texts.values()])) : ruleSet);
    const raw: Finding[] = [];
    let files = 0;
    let bytes = 0;
    const textButGitBinary: Array<{ j: Job; data: Buffer }> = [];
    const scan = (j: Job, data: Buffer, ranges: Ranges) => {
      // git numbers the lines of UTF-16 text by its 0x0A bytes; the findings, by lines of the text.
      const enc = textEncoding(data);
      if (enc === 'utf-16le' || enc === 'utf-16be') ranges = utf16Ranges(ranges, data, enc === 'utf-16le');
      files++;
      bytes += data.length;
      for (const chunk of chunkText(texts?.get(j) ?? decode(data), { path: j.e.path, blob: j.e.dstOid })) {
        // Encoded runs (a Kubernetes Secret's base64 `data:`, hex, escapes) are decoded and scanned
        // as `spillguard scan` does: a secret committed in another form is still that secret.
        for (const f of scanChunkDecoded(engine, chunk)) if (touches(ranges, f.span.line, lastLine(f))) raw.push(f);
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
      const paths = pathspecs(textButGitBinary.map(({ j }) => j.e));
      const again = await Promise.all([undefined, ...heads].map((h) => stagedDiff(top, h, true, paths)));
      for (const { j, data } of textButGitBinary) {
        let ranges: Ranges | undefined;
        for (const d of again) {
          const added = d.byPath.get(j.e.pathRaw)?.added ?? [];
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
