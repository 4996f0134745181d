import fs from 'node:fs';
import type { Chunk, Origin } from '../engine/types.js';
import { chunkStream, chunkText, DEFAULT_CHUNK_SIZE, type ChunkOptions } from './chunker.js';

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
 * beats a stream's several); larger ones stream, so memory stays at one chunk whatever the size.
 */
export async function readFileChunks(abs: string, size: number, origin: Origin, opts: ChunkOptions = {}): Promise<FileRead> {
  if (size <= (opts.chunkSize ?? DEFAULT_CHUNK_SIZE)) {
    const buf = await fs.promises.readFile(abs);
    if (looksBinary(buf)) return { binary: true };
    return { binary: false, chunks: chunkText(new TextDecoder('utf-8').decode(buf), origin, opts) };
  }
  const fh = await fs.promises.open(abs, 'r');
  try {
    const head = Buffer.alloc(BINARY_SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (looksBinary(head.subarray(0, bytesRead))) return { binary: true };
  } finally {
    await fh.close();
  }
  const stream = fs.createReadStream(abs, { highWaterMark: 1 << 20 });
  return { binary: false, chunks: chunkStream(stream, origin, opts) };
}
