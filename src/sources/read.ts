import fs from 'node:fs';
import type { Chunk, Origin } from '../engine/types.js';
import { chunkStream, chunkText, decodeUtf8, DEFAULT_CHUNK_SIZE, giveBuffer, takeBuffer, type ChunkOptions } from './chunker.js';
// The walk saw a regular file; by now it may be a FIFO, a device or a symbolic link (safe-open.ts).
import { openRegularSync } from './safe-open.js';

/** git's heuristic: a NUL byte in the first 8000 bytes makes a file binary. */
export const BINARY_SNIFF_BYTES = 8000;

/** Native indexOf, not a JS loop: it runs on every file and every git blob (~16x faster on 8 KB). */
export function looksBinary(buf: Uint8Array): boolean {
  return buf.subarray(0, BINARY_SNIFF_BYTES).indexOf(0) !== -1;
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

const printable = (c: number) => (c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13;

/**
 * How to read bytes as text, from their head: undefined for binary. UTF-16 is text too: Windows
 * tools write it (PowerShell scripts, .reg exports, SQL Server scripts), and its NUL bytes made such
 * files "binary", so a key in them went unscanned. Said by a byte-order mark, or, without one, by
 * the shape of mostly-ASCII UTF-16: every other byte NUL, the others printable.
 */
export function textEncoding(head: Uint8Array): TextEncoding | undefined {
  const n = Math.min(head.length, BINARY_SNIFF_BYTES) & ~1;
  if (n >= 2 && head[0] === 0xff && head[1] === 0xfe && !(head[2] === 0 && head[3] === 0)) return 'utf-16le';
  if (n >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (!looksBinary(head)) return 'utf-8';
  if (n < 16) return undefined;
  let le = 0;
  let be = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i + 1] === 0 && printable(head[i])) le++;
    else if (head[i] === 0 && printable(head[i + 1])) be++;
  }
  const pairs = n / 2;
  if (le >= pairs * 0.95) return 'utf-16le';
  if (be >= pairs * 0.95) return 'utf-16be';
  return undefined;
}

/** Bytes as text in the encoding textEncoding gave (a leading byte-order mark dropped). */
export function decodeText(buf: Uint8Array, enc: TextEncoding): string {
  return enc === 'utf-8' ? decodeUtf8(buf) : new TextDecoder(enc).decode(buf);
}

/** UTF-16 blocks as text, a character split between blocks kept whole. */
async function* decodeBlocks(blocks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, enc: TextEncoding): AsyncGenerator<string> {
  const d = new TextDecoder(enc);
  for await (const b of blocks) {
    const s = d.decode(b, { stream: true });
    if (s) yield s;
  }
  const tail = d.decode();
  if (tail) yield tail;
}

/** Chunks of a byte stream whose head said `enc`. */
export function streamChunks(blocks: AsyncIterable<Buffer> | Iterable<Buffer>, enc: TextEncoding, origin: Origin, opts: ChunkOptions = {}): AsyncIterable<Chunk> {
  return chunkStream(enc === 'utf-8' ? blocks : decodeBlocks(blocks, enc), origin, opts);
}

/**
 * The encoding a byte stream's head says (undefined: binary), and the stream again, head included:
 * for input read once (a pipe, a streamed archive member). `stop` releases a stream not read on.
 */
export async function sniffStream(
  blocks: AsyncIterable<Buffer>,
): Promise<{ enc: TextEncoding | undefined; blocks: AsyncGenerator<Buffer>; stop: () => Promise<unknown> }> {
  const it = blocks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let have = 0;
  while (have < BINARY_SNIFF_BYTES) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    have += r.value.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield* head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { enc: textEncoding(Buffer.concat(head)), blocks: all(), stop: async () => it.return?.() };
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
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (size <= chunkSize) {
    // One spare buffer serves every small file of this thread: its bytes are decoded (copied into a
    // string) before it goes back. A file grown since the walk is read whole.
    const spare = takeBuffer(chunkSize + 1);
    try {
      const buf = readSmall(abs, size, spare);
      const enc = textEncoding(buf);
      if (!enc) return { binary: true };
      return { binary: false, chunks: chunkText(decodeText(buf, enc), origin, opts) };
    } finally {
      giveBuffer(spare);
    }
  }
  const fd = openRegularSync(abs);
  let enc: TextEncoding | undefined;
  try {
    const head = Buffer.alloc(BINARY_SNIFF_BYTES);
    const bytesRead = fs.readSync(fd, head, 0, head.length, 0);
    enc = textEncoding(head.subarray(0, bytesRead));
    if (!enc) return { binary: true };
  } finally {
    fs.closeSync(fd);
  }
  return { binary: false, chunks: streamChunks(readBlocks(abs), enc, origin, opts) };
}

/** The whole file, in `buf` when it fits (`buf` has room for one byte more than the walk saw). */
function readSmall(abs: string, size: number, buf: Buffer): Buffer {
  const fd = openRegularSync(abs);
  try {
    // A short read of a regular file is its end; one byte more than the walk saw means it grew.
    const n = fs.readSync(fd, buf, 0, size + 1, null);
    if (n > size) return Buffer.concat([buf.subarray(0, n), fs.readFileSync(fd)]);
    return buf.subarray(0, n);
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
