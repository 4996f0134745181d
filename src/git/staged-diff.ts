/**
 * The one git process a pre-commit scan needs, kept in a module of its own that imports nothing
 * heavy: the CLI starts it first thing, so git works on the other core while Node loads the
 * argument parser, the rules and the engine (`scanStaged` takes it as `stagedDiff`).
 */
import { runGit, type GitRun } from './exec.js';

/**
 * The index against HEAD (git picks the empty tree itself on an unborn branch), as raw entries and
 * a patch in one process. With `full`, the patch has unlimited context: each changed file appears
 * whole, so its staged contents come with it and no second process is needed to read blobs (they
 * are checked against their blob ids before use). Every flag pins down output the parser relies
 * on, whatever the user's configuration: no textconv (it would renumber lines), no external diff,
 * no merged hunks.
 */
export function diffArgs(base: string | undefined, text: boolean, paths?: string[], full = false): string[] {
  const args = [
    'diff', '--cached', '--raw', '-p', '-z', full ? '-U2147483647' : '-U0', '--inter-hunk-context=0', '-M', '--no-abbrev',
    '--no-ext-diff', '--no-textconv', '--no-color', '--src-prefix=a/', '--dst-prefix=b/',
  ];
  if (text) args.push('--text');
  if (base) args.push(base);
  if (paths) args.push('--', ...paths);
  return paths ? ['--literal-pathspecs', ...args] : args;
}

/** Above this much patch text, the staged change is read the frugal way: zero context, then cat-file. */
export const FULL_DIFF_LIMIT = 64 << 20;

export type StagedDiffRun = Promise<GitRun & { truncated?: boolean }>;

/**
 * Starts `git diff --cached` with full context in `cwd`. Never rejects unhandled: whoever awaits it
 * gets the failure (a caller that gives up on it, after a usage error, just lets git finish).
 */
export function startStagedDiff(cwd: string): StagedDiffRun {
  const run = runGit(diffArgs(undefined, false, undefined, true), cwd, FULL_DIFF_LIMIT);
  run.catch(() => undefined);
  return run;
}
