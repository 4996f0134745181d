import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { SpillguardError } from '../../errors.js';
import { discoverRepo } from '../../git/exec.js';
import { baselineFrom, DEFAULT_BASELINE_FILE, parseBaseline, serializeBaseline, updateBaseline } from '../../filters/baseline.js';
import { errorLine, exitCode, fingerprintKey, kindsOf, rulesFor } from '../common.js';
import { quotePath } from '../../reporters/text.js';
import { writeOutput } from '../io.js';
import { shownFingerprint } from '../../engine/fingerprint.js';
import { treeFlags, treeOptions, type ScanArgs } from './scan.js';

interface BaselineArgs extends ScanArgs {
  action: 'create' | 'update';
  addNew: boolean;
  history: boolean;
}

export const baselineCommand = {
  builder: (y: Argv) =>
    treeFlags(y)
      .positional('action', { choices: ['create', 'update'] as const })
      .option('add-new', { type: 'boolean', default: false, describe: 'update: also add findings that are not in the baseline yet' })
      .option('history', {
        type: 'boolean',
        default: false,
        describe: 'also the findings of the git history (all refs), such as a secret a later commit removed, which a pre-push hook still reports',
      })
      .epilog(`The baseline file (default ${DEFAULT_BASELINE_FILE}) is meant to be committed and reviewed.`),
  run: async (argv: BaselineArgs): Promise<number> => {
    const { scan } = await import('../../scan/index.js');
    const cwd = process.cwd();
    const rules = rulesFor(argv, cwd);
    const key = fingerprintKey();
    const tree = treeOptions(argv);
    const found = await scan({ ...tree, rules, kinds: kindsOf(argv.kind), minConfidence: argv.minConfidence, cwd, paths: argv.paths });
    const result = { findings: found.findings, errors: found.errors };
    if (argv.history) {
      // A pushed commit keeps a secret that a later commit removed: the working tree no longer shows it.
      const { scanHistory } = await import('../../git/history.js');
      const past = await scanHistory({ cwd, rules, kinds: kindsOf(argv.kind), minConfidence: argv.minConfidence, maxFileSize: tree.maxFileSize });
      result.findings = [...result.findings, ...past.findings];
      result.errors = [...result.errors, ...past.errors];
    }
    for (const e of result.errors) process.stderr.write(errorLine(e));
    // What a blocked commit says to run, run where the user stands: the hooks and the git modes read
    // the baseline at the repository's top, not one written in a sub-folder.
    const top = discoverRepo(cwd)?.top;
    if (top !== undefined && path.resolve(top) !== cwd && !(argv.action === 'create' ? argv.output : argv.baseline))
      process.stderr.write(
        `spillguard: warning: staged, git and the git hooks apply ${path.relative(cwd, path.join(top, DEFAULT_BASELINE_FILE))}, not this folder's ${DEFAULT_BASELINE_FILE}: run spillguard baseline ${argv.action} at the repository's top for them\n`,
      );
    if (argv.action === 'create') {
      const file = argv.output ?? DEFAULT_BASELINE_FILE;
      const b = baselineFrom(result.findings, key);
      const pii = key ? 0 : result.findings.filter((f) => f.kind === 'pii').length;
      if (pii) process.stderr.write(`spillguard: warning: ${pii} personal-data finding${pii === 1 ? '' : 's'} left out: their fingerprints need SPILLGUARD_KEY (an unkeyed one would give the value back)\n`);
      writeOutput(file, serializeBaseline(b));
      process.stderr.write(`spillguard: wrote ${b.entries.length} entr${b.entries.length === 1 ? 'y' : 'ies'} to ${file}\n`);
      return result.errors.length ? 2 : 0;
    }
    const file = argv.baseline ?? DEFAULT_BASELINE_FILE;
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
    } catch {
      throw new SpillguardError('usage', 'no baseline to update (run `spillguard baseline create` first)', { flag: 'baseline', file });
    }
    const { baseline, dropped, added } = updateBaseline(parseBaseline(text, file), result.findings, argv.addNew, key);
    writeOutput(argv.output ?? file, serializeBaseline(baseline), argv.output ? 'output' : 'baseline');
    process.stderr.write(`spillguard: ${argv.output ?? file}: ${baseline.entries.length} entr${baseline.entries.length === 1 ? 'y' : 'ies'} (${dropped} dropped, ${added} added)\n`);
    // Not-yet-baselined findings still count: update does not silently accept new secrets.
    const have = new Set(baseline.entries.map((e) => e.fingerprint));
    const fresh = argv.addNew ? [] : result.findings.filter((f) => !have.has(shownFingerprint(f, key) ?? ''));
    for (const f of fresh) process.stderr.write(`spillguard: not in the baseline: ${quotePath(f.origin.path)}:${f.span.line}:${f.span.column} ${f.ruleId}\n`);
    return exitCode({ findings: fresh, errors: result.errors });
  },
};
