import fs from 'node:fs';
import type { Chunk, Origin } from '../engine/types.js';
import { chunkStream, chunkText, decodeUtf8, DEFAULT_CHUNK_SIZE, giveBuffer, takeBuffer, type ChunkOptions } from './chunker.js';
// The walk saw a regular file; by now it may be a FIFO, a device or a symbolic link (safe-open.ts).
import { openRegularSync } from './safe-open.js';

/** git's heuristic: a NUL byte in the first 8000 bytes makes a file binary. */
export const BINARY_SNIFF_BYTES = 8000;

export function looksBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, BINARY_SNIFF_BYTES);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

export type FileRead = { binary: true } | { binary: false; chunks: AsyncIterable<Chunk> | Iterable<Chunk> };

/**
 * Opens a file as chunks. Small files are read in one call (one chunk either way, and one syscall
 * beats a stream's several); larger ones are read block by block, so memory stays at one chunk
 * whatever the size.
 *
 * The reads are synchronous on purpose: the scan runs in worker threads (or on the main thread for
 * a handful of files), where nothing else waits for the thread, while an asynchronous read costs
 * four thread-pool round trips per file (open, stat, read, close). On the benchmark corpus (5,600
 * files) those round trips left the scanning thread idle for about half of its wall time on a busy
 * machine (`npm run bench`, profiled).
 */
export async function readFileChunks(abs: string, size: number, origin: Origin, opts: ChunkOptions = {}): Promise<FileRead> {
  if (size <= (opts.chunkSize ?? DEFAULT_CHUNK_SIZE)) {
    const buf = readSmall(abs, size);
    if (looksBinary(buf)) return { binary: true };
    return { binary: false, chunks: chunkText(decodeUtf8(buf), origin, opts) };
  }
  const fd = openRegularSync(abs);
  try {
    const head = Buffer.alloc(BINARY_SNIFF_BYTES);
    const bytesRead = fs.readSync(fd, head, 0, head.length, 0);
    if (looksBinary(head.subarray(0, bytesRead))) return { binary: true };
  } finally {
    fs.closeSync(fd);
  }
  return { binary: false, chunks: chunkStream(readBlocks(abs), origin, opts) };
}

/**
 * One buffer for every small file of this thread, decoded (copied into a string) before the next
 * read. Why: a fresh buffer per file is fresh memory, and on this project's VM each first touch of
 * a page costs a fault of ~13 us (300 MB/s): reading the benchmark corpus took 0.5 s of system time.
 */
let shared = Buffer.allocUnsafeSlow(64 << 10);

/** The whole file, in the shared buffer when it fits; a file grown since the walk is read whole. */
function readSmall(abs: string, size: number): Buffer {
  const fd = openRegularSync(abs);
  try {
    if (size + 1 > shared.length) shared = Buffer.allocUnsafeSlow(Math.max(size + 1, 2 * shared.length));
    // A short read of a regular file is its end; one byte more than the walk saw means it grew.
    const n = fs.readSync(fd, shared, 0, size + 1, null);
    if (n > size) return Buffer.concat([shared.subarray(0, n), fs.readFileSync(fd)]);
    return shared.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The file's bytes in blocks; the file is opened on the first block and closed after the last (or on
 * return). One buffer serves every block: chunkStream copies each block into its window before asking for the next.
 */
function* readBlocks(abs: string, block = 1 << 20): Generator<Buffer> {
  const fd = openRegularSync(abs);
  const buf = takeBuffer(block);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, block, null);
      if (n === 0) return;
      yield n === block ? buf : buf.subarray(0, n);
    }
  } finally {
    giveBuffer(buf);
    fs.closeSync(fd);
  }
}
