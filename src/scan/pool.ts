import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../engine/types.js';
import type { FileEntry } from '../sources/files.js';
import type { Engine } from '../engine/engine.js';
import { scanFiles, type FileBatchResult, type FileScanOptions } from './file.js';

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Workers exist only in the built package (dist/); from TypeScript sources, scans stay on this thread. */
export function poolAvailable(): boolean {
  return fs.existsSync(WORKER_FILE);
}

/** Batches of about this many bytes (or files) balance load without a message per small file. */
const BATCH_BYTES = 2 << 20;
const BATCH_FILES = 64;
/** Batches a worker holds at once, so it never waits for the busy main thread to feed it. */
const IN_FLIGHT = 2;

export function batches(files: FileEntry[]): FileEntry[][] {
  const out: FileEntry[][] = [];
  let cur: FileEntry[] = [];
  let bytes = 0;
  for (const f of files) {
    cur.push(f);
    bytes += f.size;
    if (bytes >= BATCH_BYTES || cur.length >= BATCH_FILES) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface Pool {
  /**
   * Scans `files` on this thread with `engine` and on the workers, each holding its own compiled
   * engine. Results come back in batch order whoever scanned them, so the output does not depend
   * on timing; the largest batches go first, so that no thread is left with a big one at the end.
   */
  scan(engine: Engine, files: FileEntry[]): Promise<FileBatchResult[]>;
  /** Stops the workers (at once, even while they are still loading). */
  close(): Promise<void>;
}

/**
 * Starts `n` workers. Why before the walk: a worker takes ~130 ms to load the modules and compile
 * the rules, which the walk of a large tree hides; a small scan closes the pool right after its
 * short walk, stopping the workers before they have cost much.
 */
export function startPool(ruleSet: RuleSet, n: number, chunkOpts: FileScanOptions): Pool {
  const workers = Array.from({ length: n }, () => new Worker(WORKER_FILE, { workerData: { ruleSet, chunkOpts } }));
  const close = async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
  async function scan(engine: Engine, files: FileEntry[]): Promise<FileBatchResult[]> {
    const queue = batches(files);
    const size = (b: FileEntry[]) => b.reduce((s, f) => s + f.size, 0);
    const order = queue.map((b, id) => ({ id, bytes: size(b) })).sort((a, b) => b.bytes - a.bytes).map((x) => x.id);
    const results: FileBatchResult[] = new Array(queue.length);
    let next = 0;
    const take = () => (next < order.length ? order[next++] : undefined);
    const worked = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          let busy = 0;
          const feed = () => {
            while (busy < IN_FLIGHT) {
              const id = take();
              if (id === undefined) break;
              busy++;
              w.postMessage({ id, files: queue[id] });
            }
            if (busy === 0) resolve();
          };
          w.on('message', (m: { id: number; result: FileBatchResult }) => {
            results[m.id] = m.result;
            busy--;
            feed();
          });
          w.on('error', reject);
          w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scan worker exited with code ${code}`))));
          feed();
        }),
    );
    try {
      for (let id = take(); id !== undefined; id = take()) {
        results[id] = await scanFiles(engine, queue[id], chunkOpts);
        // Lets the workers' finished batches in, so they are fed before the next batch here.
        await yieldToEvents();
      }
      await Promise.all(worked);
    } finally {
      await close();
    }
    return results;
  }
  return { scan, close };
}
