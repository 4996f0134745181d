import type { Argv } from 'yargs';
import { baselineFor, emitReport, fromRepoTop, kindsOf, reportFlags, rulesFor, type ReportArgs } from '../common.js';
import { workersArg } from '../../scan/workers.js';
import { parseSize } from '../io.js';
import { SpillguardError } from '../../errors.js';

export interface ScanArgs extends ReportArgs {
  paths: string[];
  stdin: boolean;
  stdinName: string;
  include: string[];
  exclude: string[];
  gitignore: boolean;
  maxFileSize: string;
  workers?: number;
  archives: boolean;
  maxArchiveDepth: number;
  maxArchiveBytes: string;
  decode: boolean;
  maxDecodeDepth: number;
}

/** The flags of a tree scan; `baseline create/update` scan the same way. */
export const treeFlags = (y: Argv) =>
  reportFlags(y)
    .positional('paths', { type: 'string', array: true, describe: 'Files or folders; - for standard input' })
    .option('include', { type: 'string', array: true, default: [], describe: 'Only scan paths matching these globs' })
    .option('exclude', { type: 'string', array: true, default: [], describe: 'Skip paths matching these globs' })
    .option('gitignore', { type: 'boolean', default: true, describe: 'Honour .gitignore files (--no-gitignore to scan ignored files too)' })
    .option('max-file-size', { type: 'string', default: '50MB', describe: 'Skip files larger than this (e.g. 10MB; 0 = no limit)' })
    .option('workers', { type: 'number', describe: 'Worker threads besides the main one, for large scans (default: one per core beyond the first above 2 cores, else none; 0 = none)' })
    // Archives and encoded secrets: docs/bundles-archives.md.
    .option('archives', { type: 'boolean', default: true, describe: 'Open archives (.zip/.jar/.whl/.tar/.tgz/.gz); --no-archives skips them as binary' })
    .option('max-archive-depth', { type: 'number', default: 3, describe: 'How deep archives inside archives are opened' })
    .option('max-archive-bytes', { type: 'string', default: '256MB', describe: 'Uncompressed bytes per archive, nested ones included; larger ones are skipped' })
    .option('decode', { type: 'boolean', default: true, describe: 'Decode base64/hex/escaped runs and scan what they hold (--no-decode: off)' })
    .option('max-decode-depth', { type: 'number', default: 2, describe: 'How many nested encodings are decoded (base64 of hex is 2)' });

export const scanCommand = {
  builder: (y: Argv) =>
    treeFlags(y)
      .option('stdin', { type: 'boolean', default: false, describe: 'Scan standard input' })
      .option('stdin-name', { type: 'string', default: '<stdin>', describe: 'Path to report for standard input' }),
  run: async (argv: ScanArgs): Promise<number> => {
    // Imported here, not at the top: `spillguard staged` must not pay for the folder walker.
    const { scan, scanStream } = await import('../../scan/index.js');
    const cwd = process.cwd();
    const rules = rulesFor(argv, cwd);
    const paths = argv.paths ?? [];
    const common = {
      rules,
      kinds: kindsOf(argv.kind),
      minConfidence: argv.minConfidence,
      baseline: baselineFor(argv, cwd),
      reportUnused: argv.reportUnused,
      decodeDepth: argv.decode === false ? 0 : depthArg(argv.maxDecodeDepth, 'max-decode-depth'),
    };
    const useStdin = argv.stdin || (paths.length === 1 && paths[0] === '-');
    // One or the other: a scan of standard input that dropped the paths would say "clean" of files it never read.
    if (useStdin && paths.length > 0 && !(paths.length === 1 && paths[0] === '-'))
      throw new SpillguardError('usage', `standard input (- or --stdin) cannot be scanned together with paths (${paths.join(', ')}): run spillguard twice`, { flag: 'stdin' });
    if (useStdin) return await emitReport(argv, { ...(await scanStream(process.stdin, argv.stdinName, common)), rules: rules.rules }, cwd);
    const report = { ...(await scan({ ...common, ...treeOptions(argv), cwd, paths })), rules: rules.rules };
    // Code scanning and GitLab map paths from the repository's root; people and scripts read them
    // from where they typed the command (text, JSON).
    if (argv.format === 'sarif' || argv.format === 'gitlab') {
      const top = fromRepoTop(report, cwd);
      return await emitReport(argv, top.report, top.root);
    }
    return await emitReport(argv, report, cwd);
  },
};

export function treeOptions(argv: ScanArgs) {
  return {
    include: argv.include,
    exclude: argv.exclude,
    gitignore: argv.gitignore,
    maxFileSize: parseSize(argv.maxFileSize, 'max-file-size'),
    workers: workersArg(argv.workers),
    archives:
      argv.archives === false
        ? (false as const)
        : { maxDepth: depthArg(argv.maxArchiveDepth, 'max-archive-depth'), maxBytes: parseSize(argv.maxArchiveBytes, 'max-archive-bytes') || Infinity },
    decodeDepth: argv.decode === false ? 0 : depthArg(argv.maxDecodeDepth, 'max-decode-depth'),
  };
}

/** A nesting depth: a small non-negative integer (each level multiplies the work, so 8 at most). */
function depthArg(v: number | undefined, flag: string): number {
  if (v === undefined) return flag === 'max-archive-depth' ? 3 : 2;
  if (!Number.isInteger(v) || v < 0 || v > 8) throw new SpillguardError('usage', `must be a whole number from 0 to 8 (got ${v})`, { flag });
  return v;
}
