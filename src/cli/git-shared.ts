/**
 * What the git modes' CLI commands share. Kept free of heavy imports: the command modules are
 * loaded on every start, and the pre-commit hook pays for each millisecond.
 */

/** Printed on stderr when a hook blocks: how to go on, from the safest way to the bypass. */
export function blockedMessage(what: 'commit' | 'push', findings: number): string {
  const n = `${findings} finding${findings === 1 ? '' : 's'}`;
  if (what === 'commit') {
    return [
      '',
      `spillguard: commit blocked: ${n} in the staged changes. To go on, either:`,
      '  - remove the secret from the file, `git add` it again, and rotate the secret if it was ever shared;',
      '  - if it is a false positive, mark it on its line with a `spillguard:allow` comment;',
      '  - accept it as known: `spillguard baseline create` records the current findings in a baseline;',
      '  - or bypass the check for this commit, knowingly: `git commit --no-verify`.',
      '',
    ].join('\n');
  }
  return [
    '',
    `spillguard: push blocked: ${n} in the commits being pushed. The secret is already committed, so:`,
    '  - rotate it, then remove it from those commits (`git commit --amend`, `git rebase -i`) before pushing;',
    '  - if it is a false positive, mark it on its line with a `spillguard:allow` comment (in a new commit);',
    '  - accept it as known: `spillguard baseline create` records the current findings in a baseline;',
    '  - or bypass the check for this push, knowingly: `git push --no-verify`.',
    '',
  ].join('\n');
}

export const MAX_FILE_SIZE_OPTION = {
  type: 'string',
  default: String(50 * 1024 * 1024),
  describe: 'Skip blobs larger than this (e.g. 10MB; 0 = no limit)',
} as const;
