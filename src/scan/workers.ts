import os from 'node:os';
import { SpillguardError } from '../errors.js';

/** Each worker is a V8 isolate with its own compiled rules (~50 MB): beyond this many, a typo more than a plan. */
export const MAX_WORKERS = 64;

/** Whether `n` is a worker count the scan and redact pools accept. Here, not in pool.ts: the CLI checks it without loading the pool. */
export const validWorkers = (n: number) => Number.isInteger(n) && n >= 0 && n <= MAX_WORKERS;

/**
 * Worker threads besides the main thread, which scans too: one per core beyond the first, and none
 * on 2 cores. Why none there: measured on this project's 2-core machine (`npm run bench` corpus,
 * 106 MB, idle machine), the main thread alone took 3.2-3.9 s wall and 4.0-4.5 CPU-s, the main
 * thread plus one worker 3.1-3.4 s wall but 5.6-6.2 CPU-s and 50 MB more peak RSS: a second V8
 * isolate pays about a second of its own warm-up (JIT, heap growth) on this corpus, which eats
 * what the second core brings.
 */
export function defaultWorkers(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return cores <= 2 ? 0 : Math.min(cores, 8) - 1;
}

/** --workers, checked: a usage error naming the flag. */
export function workersArg(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!validWorkers(v)) throw new SpillguardError('usage', `must be a whole number from 0 to ${MAX_WORKERS} (got ${Number.isNaN(v) ? 'something else' : v})`, { flag: 'workers' });
  return v;
}
