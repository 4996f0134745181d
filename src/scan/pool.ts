import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../engine/types.js';
import type { FileEntry } from '../sources/files.js';
import type { FileBatchResult, FileScanOptions } from './file.js';

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Workers exist only in the built package (dist/); from TypeScript sources, scans stay on this thread. */
export function poolAvailable(): boolean {
  return fs.existsSync(WORKER_FILE);
}

/**
 * Measured on a 2-core machine (`npm run bench` corpus, 106 MB): two workers took 6.4 s wall,
 * 7.6 s CPU and 350 MB peak RSS; the main thread alone 5.8-6.6 s, 5.5-6.0 s CPU and 270 MB — each
 * worker loads the modules and compiles every rule again, and the main thread then mostly waits.
 * So the pool is used only where there are cores to spare for it.
 */
export function defaultWorkers(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return cores <= 2 ? 0 : Math.min(cores, 8);
}

/** Batches of about this many bytes (or files) balance load without a message per small file. */
const BATCH_BYTES = 4 << 20;
const BATCH_FILES = 64;

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

/** Spreads batches of files over `n` workers, each holding its own compiled engine. */
export async function scanInPool(ruleSet: RuleSet, files: FileEntry[], n: number, chunkOpts: FileScanOptions): Promise<FileBatchResult[]> {
  const queue = batches(files);
  const results: FileBatchResult[] = new Array(queue.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(n, queue.length) }, () => new Worker(WORKER_FILE, { workerData: { ruleSet, chunkOpts } }));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= queue.length) return resolve();
              const id = next++;
              w.postMessage({ id, files: queue[id] });
            };
            w.on('message', (m: { id: number; result: FileBatchResult }) => {
              results[m.id] = m.result;
              feed();
            });
            w.on('error', reject);
            w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scan worker exited with code ${code}`))));
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
