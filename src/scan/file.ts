import { ioReason } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { Finding } from '../engine/types.js';
import type { ChunkOptions } from '../sources/chunker.js';
import type { FileEntry, ReadError, Skipped } from '../sources/files.js';
import { readFileChunks } from '../sources/read.js';

export interface FileBatchResult {
  findings: Finding[];
  skipped: Skipped[];
  errors: ReadError[];
  files: number;
  bytes: number;
}

/** Source + engine for a list of files: the unit of work of the main thread and of each worker. */
export async function scanFiles(engine: Engine, files: FileEntry[], chunkOpts: ChunkOptions = {}): Promise<FileBatchResult> {
  const out: FileBatchResult = { findings: [], skipped: [], errors: [], files: 0, bytes: 0 };
  for (const f of files) {
    try {
      const read = await readFileChunks(f.abs, f.size, { path: f.rel }, chunkOpts);
      if (read.binary) {
        out.skipped.push({ path: f.rel, reason: 'binary file' });
        continue;
      }
      for await (const chunk of read.chunks) out.findings.push(...engine.scanChunk(chunk));
      out.files++;
      out.bytes += f.size;
    } catch (e) {
      out.errors.push({ path: f.rel, message: ioReason(e) });
    }
  }
  return out;
}
