import type { Argv } from 'yargs';
import { emitReport, preloadFormatter, reportFlags, type ReportArgs } from '../common.js';
import { blockedMessage, gitModeOptions, MAX_FILE_SIZE_OPTION } from '../git-shared.js';
import type { RunContext } from '../main.js';

interface StagedArgs extends ReportArgs {
  maxFileSize: string;
}

export const stagedCommand = {
  builder: (y: Argv) => reportFlags(y).option('max-file-size', MAX_FILE_SIZE_OPTION),
  run: async (argv: StagedArgs, ctx: RunContext = {}): Promise<number> => {
    // The reporter's modules load while git, the rules and the engine are busy, not after them.
    preloadFormatter(argv.format);
    const { options, rules } = gitModeOptions(argv, process.cwd());
    const { scanStaged } = await import('../../git/staged.js');
    const result = await scanStaged({ ...options, stagedDiff: ctx.stagedDiff });
    const code = await emitReport(argv, { ...result, rules: rules() }, result.root);
    if (result.findings.length > 0) process.stderr.write(blockedMessage('commit', result.findings.length));
    return code;
  },
};
