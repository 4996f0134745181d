/**
 * The worker side of safe-regex.ts: runs user rules exactly as the engine would on the calling
 * thread (same compile, same windows, same entropy, validators, allowlists and context scoring),
 * announcing in shared memory which rule it is on and since when, so the caller can stop it.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { compileRule, ruleAt, runRule, type CompiledRule, type RawMatch } from './engine.js';
import { compileStored } from './schema.js';
import type { GuardJob, GuardMatch, GuardReply } from './safe-regex.js';

const { port, state } = workerData as { port: MessagePort; state: SharedArrayBuffer };
const i32 = new Int32Array(state, 0, 2);
const f64 = new Float64Array(state, 8, 1);
const compiled = new Map<string, CompiledRule>();

port.on('message', (job: GuardJob) => {
  let reply: GuardReply;
  let current = -1;
  try {
    if (job.tests) {
      const { patterns, inputs } = job.tests;
      const tested = patterns.map((p, i) => {
        current = i;
        f64[0] = Date.now();
        Atomics.store(i32, 1, i);
        const re = compileStored(p);
        return inputs.map((s) => re.test(s));
      });
      reply = { tested };
      finish(reply);
      return;
    }
    const matches: GuardMatch[] = [];
    job.items.forEach((item, i) => {
      current = i;
      f64[0] = Date.now();
      Atomics.store(i32, 1, i);
      let rule = compiled.get(item.key);
      if (!rule) compiled.set(item.key, (rule = compileRule(item.spec!)));
      // Path scoping and allowlist paths are user regexes too, so they run here rather than on the calling thread.
      const allow = ruleAt(rule, job.path);
      if (!allow) return;
      const raw: RawMatch[] = [];
      for (const [ws, we] of item.windows ?? [[0, job.text.length]]) runRule(rule, job.text, ws, we, raw, allow, job.atStart);
      for (const m of raw) {
        const g: GuardMatch = { item: i, matchStart: m.matchStart, matchEnd: m.matchEnd, start: m.start, end: m.end, secret: m.secret, confidence: m.confidence };
        if (m.validatedBy) g.validatedBy = m.validatedBy;
        if (m.test) g.test = m.test;
        if (m.extra) g.extra = m.extra;
        if (m.allowCommits) g.allowCommits = m.allowCommits;
        matches.push(g);
      }
    });
    reply = { matches };
  } catch (e) {
    reply = { error: (e as Error)?.message ?? String(e), item: current };
  }
  finish(reply);
});

function finish(reply: GuardReply): void {
  Atomics.store(i32, 1, -1);
  port.postMessage(reply);
  Atomics.store(i32, 0, 1);
  Atomics.notify(i32, 0);
}
