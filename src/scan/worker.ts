import { parentPort, workerData } from 'node:worker_threads';
import { createEngine } from '../engine/engine.js';
import type { RuleSet } from '../engine/types.js';
import type { FileEntry } from '../sources/files.js';
import { scanFiles, type FileScanOptions } from './file.js';

const { ruleSet, chunkOpts } = workerData as { ruleSet: RuleSet; chunkOpts: FileScanOptions };
const engine = createEngine(ruleSet);

parentPort!.on('message', async (msg: { id: number; files: FileEntry[] }) => {
  const result = await scanFiles(engine, msg.files, chunkOpts);
  parentPort!.postMessage({ id: msg.id, result });
});
