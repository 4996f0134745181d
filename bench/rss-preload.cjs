// Fallback peak-RSS probe when GNU time is missing: preloaded into a node child with --require,
// it writes the process's peak resident set (KiB) and CPU seconds to $BENCH_RSS_FILE as it exits.
'use strict';
const fs = require('node:fs');
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      // Same shape as GNU time -f '%M %U %S': KiB, seconds, seconds.
      fs.writeFileSync(file, `${u.maxRSS} ${u.userCPUTime / 1e6} ${u.systemCPUTime / 1e6}`);
    } catch {
      /* best effort */
    }
  });
}
