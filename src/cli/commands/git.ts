import type { Argv } from 'yargs';
import { SpillguardError } from '../../errors.js';
import { humanBytes } from '../../reporters/text.js';
import { emitReport, reportFlags, type ReportArgs } from '../common.js';
import { blockedMessage, gitModeOptions, MAX_FILE_SIZE_OPTION } from '../git-shared.js';
import { DEFAULT_GIT_MAX_FILE_SIZE } from '../../git/exec.js';
import type { HistoryRun } from '../../git/history.js';
import type { RunContext } from '../main.js';

export interface HistoryArgs extends ReportArgs {
  revs?: string[];
  since?: string;
  maxFileSize: string;
  prePush?: boolean;
  progress?: boolean;
}

export function historyFlags<T>(y: Argv<T>) {
  return reportFlags(y)
    .option('since', { type: 'string', describe: 'Only commits not reachable from this ref (<ref>..HEAD): a pull request\'s commits' })
    .option('max-file-size', MAX_FILE_SIZE_OPTION)
    .option('progress', { type: 'boolean', describe: 'Show progress on stderr (default: when stderr is a terminal)' });
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const b of process.stdin) parts.push(b as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The pushed range: from git's pre-push lines on standard input; or, under the pre-commit framework
 * (which reads those lines itself), from the PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF it sets, or
 * PRE_COMMIT_LOCAL_BRANCH alone.
 */
async function pushedRevs(cwd: string, prePushRevs: (stdin: string, cwd: string) => Promise<string[]>): Promise<string[]> {
  const to = process.env.PRE_COMMIT_TO_REF;
  const from = process.env.PRE_COMMIT_FROM_REF;
  if (process.stdin.isTTY && !to)
    throw new SpillguardError('usage', 'reads the refs being pushed from standard input, as git\'s pre-push hook passes them (`<local ref> <local sha> <remote ref> <remote sha>` per line)', { flag: 'pre-push' });
  const revs = process.stdin.isTTY ? [] : await prePushRevs(await readStdin(), cwd);
  if (revs.length === 0 && to) return from ? [to, `^${from}`] : [to, '--not', '--remotes'];
  // A push that reaches a root commit (a new repository's first push, an orphan branch) comes from
  // the framework with no range at all ("all files"), only the branch: what it holds that no
  // remote-tracking ref does. Returning nothing here let such a push through unchecked.
  const branch = process.env.PRE_COMMIT_LOCAL_BRANCH;
  if (revs.length === 0 && (branch || process.env.PRE_COMMIT_REMOTE_NAME)) return [branch || 'HEAD', '--not', '--remotes'];
  return revs;
}

/** `spillguard git` and the pre-push hook: one history scan, over given revisions or the pushed ones. */
export async function runHistory(argv: HistoryArgs, hook: 'pre-push' | 'pre-receive' | undefined, started?: HistoryRun): Promise<number> {
  const cwd = process.cwd();
  const { options, rules } = gitModeOptions(argv, cwd);
  const { scanHistory, prePushRevs, preReceiveRevs } = await import('../../git/history.js');
  let revs = argv.revs;
  if (hook) {
    if (revs?.length) throw new SpillguardError('usage', 'takes its revisions from standard input, not as arguments', { flag: hook });
    if (hook === 'pre-receive' && process.stdin.isTTY)
      throw new SpillguardError('usage', 'reads the refs being pushed from standard input, as git\'s pre-receive hook passes them (`<old sha> <new sha> <ref>` per line)', { flag: hook });
    revs = hook === 'pre-push' ? await pushedRevs(cwd, prePushRevs) : preReceiveRevs(await readStdin());
    if (revs.length === 0) return 0; // deletions only, or nothing pushed: nothing to check
  }
  // Started by main() for `spillguard git` on its own: every ref, the default size limit.
  const early = !hook && !revs?.length && argv.since === undefined && options.maxFileSize === DEFAULT_GIT_MAX_FILE_SIZE;
  if (!early) started?.abort();
  const progress = argv.progress ?? Boolean(process.stderr.isTTY);
  let shown = false;
  const result = await scanHistory({
    ...options,
    revs,
    since: argv.since,
    started: early ? started : undefined,
    onProgress: progress
      ? (p) => {
          shown = true;
          process.stderr.write(`\r\x1b[Kspillguard: ${p.commits} commits, ${p.blobs} blobs, ${humanBytes(p.bytes)} scanned`);
        }
      : undefined,
  });
  if (shown) process.stderr.write('\r\x1b[K');
  const code = await emitReport(argv, { ...result, rules: rules() }, result.root);
  if (hook && result.findings.length > 0) process.stderr.write(blockedMessage(hook === 'pre-push' ? 'push' : 'receive', result.findings.length));
  return code;
}

export const gitCommand = {
  builder: (y: Argv) =>
    historyFlags(y)
      .positional('revs', { type: 'string', array: true, describe: 'Revisions or ranges, as git log takes them (main, v1.0..HEAD)' })
      .option('pre-push', { type: 'boolean', default: false, describe: 'Scan the commits a push sends, read from a pre-push hook\'s standard input' }),
  run: (argv: HistoryArgs, ctx: RunContext): Promise<number> => runHistory(argv, argv.prePush ? 'pre-push' : undefined, ctx.history),
};
