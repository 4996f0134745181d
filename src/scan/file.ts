import { ioReason } from '../errors.js';
import { inlineMarkerLines, type Engine } from '../engine/engine.js';
import type { Chunk, Finding } from '../engine/types.js';
import { addInlineSourceMap, addOriginalPositions, scanChunkDeep, scanContainerFile, type DeepOptions } from './deep.js';
import type { FileEntry, ReadError, Skipped } from '../sources/files.js';
import { readFileChunks } from '../sources/read.js';
import { keepingFindings } from '../engine/safe-regex.js';

/** Per-file options; they travel to worker threads, so plain data only. */
export interface FileScanOptions extends DeepOptions {
  /** Also collect inline-ignore markers (for --report-unused). */
  markers?: boolean;
}

export interface InlineMarker {
  path: string;
  line: number;
  marker: string;
}

export interface FileBatchResult {
  findings: Finding[];
  markers: InlineMarker[];
  skipped: Skipped[];
  errors: ReadError[];
  files: number;
  bytes: number;
}

/** Source + engine for a list of files: the unit of work of the main thread and of each worker. */
export async function scanFiles(engine: Engine, files: FileEntry[], chunkOpts: FileScanOptions = {}): Promise<FileBatchResult> {
  const out: FileBatchResult = { findings: [], markers: [], skipped: [], errors: [], files: 0, bytes: 0 };
  for (const f of files) {
    try {
      // Archives and source maps are opened by the deep scan (src/scan/deep.ts); others are read as text.
      if (await scanContainerFile(engine, f, chunkOpts, out)) {
        out.files++;
        out.bytes += f.size;
        continue;
      }
      const read = await readFileChunks(f.abs, f.size, { path: f.rel }, chunkOpts);
      if (read.binary) {
        out.skipped.push({ path: f.rel, reason: 'binary file' });
        continue;
      }
      const found: Finding[] = [];
      let last: Chunk | undefined;
      for await (const chunk of read.chunks) {
        last = chunk;
        // A user rule stopped on a chunk (safe-regex.ts) is an error for the file; its other findings stay.
        for (const x of keepingFindings(() => scanChunkDeep(engine, chunk, chunkOpts), out.errors)) found.push(x);
        if (chunkOpts.markers) for (const m of inlineMarkerLines(chunk)) out.markers.push({ path: f.rel, ...m });
      }
      await addOriginalPositions(f, found);
      for (const x of await addInlineSourceMap(engine, f, chunkOpts, found, last)) out.findings.push(x);
      out.files++;
      out.bytes += f.size;
    } catch (e) {
      out.errors.push({ path: f.rel, message: ioReason(e) });
    }
  }
  return out;
}
