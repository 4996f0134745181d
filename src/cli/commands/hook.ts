import type { Argv } from 'yargs';
import { SpillguardError } from '../../errors.js';
import { historyFlags, runHistory, type HistoryArgs } from './git.js';

interface HookArgs extends HistoryArgs {
  action: 'install' | 'uninstall' | 'pre-push' | 'pre-receive';
  remote?: string;
  url?: string;
  prePush: boolean;
  force: boolean;
}

export const hookCommand = {
  builder: (y: Argv) => {
    const b = historyFlags(y)
      .positional('action', {
        choices: ['install', 'uninstall', 'pre-push', 'pre-receive'] as const,
        describe: 'install, uninstall; or pre-push, pre-receive (run by those hooks: reads their standard input)',
      })
      .positional('remote', { type: 'string', describe: 'pre-push: the remote\'s name (git passes it)' })
      .positional('url', { type: 'string', describe: 'pre-push: the remote\'s URL (git passes it)' })
      .option('pre-push', { type: 'boolean', default: false, describe: 'install: also install the pre-push hook' })
      .option('force', { type: 'boolean', default: false, describe: 'install: move an existing hook to <name>.local and run it first, instead of refusing' })
      .epilog('The other flags are for `hook pre-push` and `hook pre-receive`, with the meaning they have for `spillguard git`; install and uninstall refuse them.');
    // The report and scan flags are the hook scans' (pre-push, pre-receive): `hook install --format json` or `--since main` did
    // nothing, with exit 0, as did `uninstall --force`. A flag the action ignores is an error.
    const o = (b as unknown as { getOptions(): { key: Record<string, unknown>; default: Record<string, unknown> } }).getOptions();
    const flags = Object.keys(o.key).filter((k) => k.length > 1 && !['help', 'version', 'action', 'remote', 'url'].includes(k));
    return b.check((argv) => {
      const action = argv.action as HookArgs['action'];
      const forInstall = (flag: string) => flag === 'pre-push' || flag === 'force';
      const ignored = flags.find((k) => (forInstall(k) ? action !== 'install' : action !== 'pre-push' && action !== 'pre-receive') && argv[k] !== undefined && argv[k] !== o.default[k]);
      if (ignored)
        throw new SpillguardError('usage', `does nothing for \`spillguard hook ${action}\` (${forInstall(ignored) ? 'it is for `hook install`' : 'it is for `hook pre-push` and `hook pre-receive`, the scans those hooks run'})`, { flag: ignored });
      return true;
    });
  },
  run: async (argv: HookArgs): Promise<number> => {
    // [remote] [url] are git's arguments to the pre-push hook; elsewhere they are a mistake that
    // would be ignored: `hook install pre-push` (for --pre-push) left the push unchecked with exit 0.
    const extra = [argv.remote, argv.url].filter((a) => a !== undefined);
    if (extra.length && argv.action !== 'pre-push')
      throw new SpillguardError(
        'usage',
        `spillguard hook ${argv.action} takes no arguments, got "${extra.join(' ')}"${extra[0] === 'pre-push' && argv.action !== 'pre-receive' ? ' (to install the pre-push hook too: --pre-push)' : ''}`,
      );
    if (argv.action === 'pre-push' || argv.action === 'pre-receive') return runHistory({ ...argv, revs: undefined }, argv.action);
    const hooks = await import('../../git/hooks.js');
    const cwd = process.cwd();
    const done = argv.action === 'install' ? await hooks.installHooks({ cwd, prePush: argv.prePush, force: argv.force }) : await hooks.uninstallHooks({ cwd });
    const lines = done.map((a) => {
      switch (a.action) {
        case 'installed':
          return `spillguard: installed the ${a.hook} hook: ${a.path}`;
        case 'updated':
          return `spillguard: updated the ${a.hook} hook: ${a.path}`;
        case 'chained':
          return `spillguard: moved the existing ${a.hook} hook to ${a.local}; spillguard's hook (${a.path}) runs it first`;
        case 'removed':
          return `spillguard: removed the ${a.hook} hook: ${a.path}`;
        case 'restored':
          return `spillguard: restored the previous ${a.hook} hook from ${a.local}`;
        case 'left-foreign':
          return `spillguard: left ${a.path} alone: it is not spillguard's hook`;
      }
    });
    if (argv.action === 'uninstall' && !done.some((a) => a.action === 'removed' || a.action === 'restored')) lines.push('spillguard: no spillguard hook to remove');
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
