// Module loader hooks for module-log.mjs (they run on the loader's own thread).
import fs from 'node:fs';

export async function load(url, context, nextLoad) {
  if (process.env.SPILLGUARD_MODULE_LOG) fs.appendFileSync(process.env.SPILLGUARD_MODULE_LOG, `${url}\n`);
  return nextLoad(url, context);
}
