import type { Argv } from 'yargs';
import { emitReport, reportFlags, type ReportArgs } from '../common.js';
import { blockedMessage, gitModeOptions, MAX_FILE_SIZE_OPTION } from '../git-shared.js';

interface StagedArgs extends ReportArgs {
  maxFileSize: string;
}

export const stagedCommand = {
  command: 'staged',
  describe: 'Scan what the next commit will contain (the index, not the working tree); report only added or changed lines',
  builder: (y: Argv) => reportFlags(y).option('max-file-size', MAX_FILE_SIZE_OPTION),
  run: async (argv: StagedArgs): Promise<number> => {
    const { options, rules } = gitModeOptions(argv, process.cwd());
    const { scanStaged } = await import('../../git/staged.js');
    const result = await scanStaged(options);
    const code = emitReport(argv, { ...result, rules: rules() }, result.root);
    if (result.findings.length > 0) process.stderr.write(blockedMessage('commit', result.findings.length));
    return code;
  },
};
