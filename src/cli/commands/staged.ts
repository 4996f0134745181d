import path from 'node:path';
import type { Argv } from 'yargs';
import type { LoadedRules } from '../../config/rules.js';
import { emitReport, kindsOf, reportFlags, rulesFor, type ReportArgs } from '../common.js';
import { blockedMessage, MAX_FILE_SIZE_OPTION, repoBaseline } from '../git-shared.js';
import { parseSize } from '../io.js';

interface StagedArgs extends ReportArgs {
  maxFileSize: string;
}

export const stagedCommand = {
  command: 'staged',
  describe: 'Scan what the next commit will contain (the index, not the working tree); report only added or changed lines',
  builder: (y: Argv) => reportFlags(y).option('max-file-size', MAX_FILE_SIZE_OPTION),
  run: async (argv: StagedArgs): Promise<number> => {
    const cwd = process.cwd();
    const maxFileSize = parseSize(argv.maxFileSize, 'max-file-size');
    // --config is relative to where the user typed it; the default .spillguard.toml is at the repository root.
    const args = { ...argv, config: argv.config ? path.resolve(cwd, argv.config) : undefined };
    const baseline = repoBaseline(argv, cwd);
    const { scanStaged } = await import('../../git/staged.js');
    let loaded: LoadedRules | undefined;
    const result = await scanStaged({
      cwd,
      kinds: kindsOf(argv.kind),
      minConfidence: argv.minConfidence,
      maxFileSize,
      baseline: baseline.lookup,
      rules: (root) => {
        baseline.load(root);
        return (loaded = rulesFor(args, root));
      },
    });
    const code = emitReport(argv, { ...result, rules: loaded?.rules ?? [] }, result.root);
    if (result.findings.length > 0) process.stderr.write(blockedMessage('commit', result.findings.length));
    return code;
  },
};
