import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type Job, type JobContext } from './job.js';
import { Redactor, type RedactorOptions } from './session.js';
import { suffixOf } from './formats/suffix.js';

const data = workerData as { redactor: RedactorOptions; ctx: Omit<JobContext, 'suffixOf'> };
if (data.redactor.key) data.redactor.key = Buffer.from(data.redactor.key);
const redactor = new Redactor(data.redactor);
const ctx: JobContext = { ...data.ctx, suffixOf };

parentPort!.on('message', async (m: Job | { prime: string[] }) => {
  if ('prime' in m) return redactor.primePaths(m.prime);
  parentPort!.postMessage({ id: m.id, result: await runJob(redactor, m, ctx) });
});
