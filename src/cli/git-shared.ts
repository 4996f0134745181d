/**
 * What the git modes' CLI commands share. Kept free of heavy imports: the command modules are
 * loaded on every start, and the pre-commit hook pays for each millisecond.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isSpillguardError, SpillguardError } from '../errors.js';
import type { Finding } from '../engine/types.js';
import type { BaselineLookup } from '../filters/index.js';
import { DEFAULT_BASELINE_FILE } from '../filters/baseline.js';
import type { LoadedRules } from '../config/rules.js';
import { baselineFor, kindsOf, rulesFor, type ReportArgs } from './common.js';
import { parseSize } from './io.js';

/**
 * The baseline of a git mode: `--baseline FILE`, else the repository's own
 * `.spillguard-baseline.json` if it has one — so that "add it to the baseline", as a blocked
 * commit suggests, works without editing the hook. Loaded once the repository root is known.
 */
export function repoBaseline(args: Pick<ReportArgs, 'baseline' | 'reportUnused'>, cwd: string) {
  if (args.reportUnused)
    throw new SpillguardError('usage', 'applies to full scans (`spillguard scan`): git modes read only part of the repository', { flag: 'report-unused' });
  let inner: BaselineLookup | undefined;
  const lookup: BaselineLookup = { match: (f: Finding) => inner?.match(f) };
  const load = (root: string) => {
    inner = defaultBaseline(args, cwd, root);
  };
  return { lookup, load };
}

/**
 * `--baseline FILE` (relative to where it was typed), else `root`'s `.spillguard-baseline.json` if
 * there is one: what `staged`, `git`, the pre-push hook and `ci` apply, so a finding accepted with
 * `spillguard baseline create` passes all of them.
 */
export function defaultBaseline(args: Pick<ReportArgs, 'baseline'>, cwd: string, root: string) {
  if (args.baseline) return baselineFor({ baseline: args.baseline }, cwd);
  const file = path.join(root, DEFAULT_BASELINE_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    return baselineFor({ baseline: DEFAULT_BASELINE_FILE }, root);
  } catch (e) {
    // No --baseline was given: name the file in full (the run may be in a subfolder), not the flag.
    if (!isSpillguardError(e)) throw e;
    throw new SpillguardError(e.code, `${e.message} (the repository's baseline, applied by default)`, { file, line: e.context.line });
  }
}

/**
 * Printed on stderr when a hook blocks: how to go on, from the safest way to the bypass. Commands
 * are given with npx, as the README gives them: spillguard is most often a devDependency, not on
 * PATH, and a bare `spillguard baseline create` copied from here was "command not found".
 */
export function blockedMessage(what: 'commit' | 'push' | 'receive', findings: number, env: NodeJS.ProcessEnv = process.env): string {
  const n = `${findings} finding${findings === 1 ? '' : 's'}`;
  // Under the pre-commit framework (which sets PRE_COMMIT=1), spillguard lives in the framework's
  // own environment: `npx spillguard` finds it only where the project also installs it, and
  // SKIP=<hook id> skips this hook alone where --no-verify skips them all.
  const framework = env.PRE_COMMIT === '1';
  if (what === 'commit') {
    return [
      '',
      `spillguard: commit blocked: ${n} in the staged changes. To go on, either:`,
      findings === 1
        ? '  - remove the secret from the file, `git add` it again, and rotate the secret if it was ever shared;'
        : '  - remove the secrets from the files, `git add` them again, and rotate each secret that was ever shared;',
      '  - if it is a false positive, mark it on its line with a `spillguard:allow` comment;',
      '  - accept it as known: `npx spillguard baseline create` records the current findings in',
      `    .spillguard-baseline.json (commit it; the hook applies it)${framework ? '; under pre-commit, npx needs spillguard\n    installed in the project too (npm install --save-dev spillguard)' : ''};`,
      framework
        ? '  - or bypass the check for this commit, knowingly: `SKIP=spillguard git commit` (`--no-verify` skips every hook).'
        : '  - or bypass the check for this commit, knowingly: `git commit --no-verify`.',
      '',
    ].join('\n');
  }
  if (what === 'receive') {
    // Seen by the person pushing (git prefixes "remote: "); the server's rules are not theirs to change.
    return [
      '',
      `spillguard: push rejected by the server: ${n} in the commits pushed. ${findings === 1 ? 'The secret is' : 'The secrets are'} already committed, so:`,
      `  - rotate ${findings === 1 ? 'it, then remove it' : 'them, then remove them'} from those commits (\`git commit --amend\`, \`git rebase -i\`) and push again;`,
      '  - if it is a false positive, mark it on its line with a `spillguard:allow` comment (amend the',
      '    commit that adds it), or ask the server\'s administrators to allowlist it.',
      '',
    ].join('\n');
  }
  return [
    '',
    `spillguard: push blocked: ${n} in the commits being pushed. ${findings === 1 ? 'The secret is' : 'The secrets are'} already committed, so:`,
    `  - rotate ${findings === 1 ? 'it, then remove it' : 'them, then remove them'} from those commits (\`git commit --amend\`, \`git rebase -i\`) before pushing;`,
    '  - if it is a false positive, accept it as known: `npx spillguard baseline create --history` records',
    '    the findings of the working tree and of the history (a line edited or removed since included)',
    '    in .spillguard-baseline.json (commit it; the hook applies it);',
    '  - or bypass the check for this push, knowingly: `git push --no-verify`.',
    '',
  ].join('\n');
}

export const MAX_FILE_SIZE_OPTION = {
  type: 'string',
  // Written as a person types it: --help shows it (`50MB`, as scan's, not 52428800).
  default: '50MB',
  describe: 'Skip blobs larger than this (e.g. 10MB; 0 = no limit)',
} as const;

/**
 * The options both git modes pass to their scan: rules and baseline are loaded from the repository
 * root once git has found it; `--config` stays relative to where the user typed it. `rules()` gives
 * the rules that were in force, for the report.
 */
export function gitModeOptions(argv: ReportArgs & { maxFileSize: string }, cwd: string) {
  const maxFileSize = parseSize(argv.maxFileSize, 'max-file-size');
  const args = { ...argv, config: argv.config ? path.resolve(cwd, argv.config) : undefined };
  const baseline = repoBaseline(argv, cwd);
  let loaded: LoadedRules | undefined;
  const options = {
    cwd,
    kinds: kindsOf(argv.kind),
    minConfidence: argv.minConfidence,
    maxFileSize,
    baseline: baseline.lookup,
    rules: (root: string) => {
      baseline.load(root);
      return (loaded = rulesFor(args, root));
    },
  };
  return { options, rules: () => loaded?.rules ?? [] };
}
