import path from 'node:path';
import type { Argv } from 'yargs';
import type { LoadedRules } from '../../config/rules.js';
import { format, type Format, type Report } from '../../reporters/index.js';
import { githubAnnotations } from '../../reporters/annotations.js';
import { summaryLine } from '../../reporters/text.js';
import { isSpillguardError, SpillguardError } from '../../errors.js';
import { toolVersion } from '../../version.js';
import { detectCi, type CiContext } from '../ci-env.js';
import { exitCode, fingerprintKey, kindsOf, reportFlags, rulesFor, type ReportArgs } from '../common.js';
import { defaultBaseline, repoBaseline } from '../git-shared.js';
import { writeOutput } from '../io.js';
import { discoverRepo } from '../../git/exec.js';
import type { Finding } from '../../engine/types.js';

interface CiArgs extends Omit<ReportArgs, 'format'> {
  format?: Format;
  base?: string;
  annotations: boolean;
}

/** What each CI system consumes, and where it expects the file. */
const DEFAULTS: Record<CiContext['provider'], { format: Format; output?: string }> = {
  github: { format: 'sarif', output: 'spillguard.sarif' },
  gitlab: { format: 'gitlab', output: 'gl-secret-detection-report.json' },
  generic: { format: 'text' },
  none: { format: 'text' },
};

export const ciCommand = {
  builder: (y: Argv) =>
    reportFlags(y, null)
      .option('base', { type: 'string', describe: 'Scan only commits after this revision (default on a PR/MR: from GITHUB_BASE_REF or CI_MERGE_REQUEST_DIFF_BASE_SHA)' })
      .option('annotations', { type: 'boolean', default: true, describe: 'On GitHub Actions, print ::error annotations for the diff view' }),
  run: async (argv: CiArgs): Promise<number> => {
    const cwd = process.cwd();
    const ci = detectCi(process.env, argv.base);
    const defaults = DEFAULTS[ci.provider];
    const fmt = argv.format ?? defaults.format;
    const output = argv.output ?? (argv.format ? undefined : defaults.output);
    // The baseline as the git modes find it: --baseline FILE, else the repository's own
    // .spillguard-baseline.json, so that a finding accepted locally does not fail the pipeline.
    const common = { kinds: kindsOf(argv.kind), minConfidence: argv.minConfidence };
    let report: Report;
    let root = cwd;
    if (ci.base) {
      process.stderr.write(`spillguard: ${ci.provider === 'none' ? 'local' : ci.provider} ${ci.event ?? ''} scanning commits after ${ci.base} (${ci.baseSource})\n`.replace('  ', ' '));
      const { scanHistory } = await import('../../git/history.js');
      const cfg = argv.config ? path.resolve(cwd, argv.config) : undefined;
      const baseline = repoBaseline(argv, cwd);
      let loaded: LoadedRules | undefined;
      const r = await scanHistory({
        ...common,
        baseline: baseline.lookup,
        cwd,
        since: ci.base,
        rules: (top) => {
          baseline.load(top);
          return (loaded = rulesFor({ ...argv, config: cfg }, top));
        },
      }).catch((e: unknown) => {
        // A shallow clone (actions/checkout's default depth 1, GitLab's GIT_DEPTH) lacks the base: say how to get it.
        if (!isSpillguardError(e) || e.code !== 'git' || !/^unknown revision|bad object/.test(e.message) || ci.baseSource === '--base') throw e;
        const how = ci.provider === 'github' ? 'actions/checkout with fetch-depth: 0' : 'GIT_DEPTH: 0 in the job\'s variables';
        throw new SpillguardError('git', `${e.message} (from ${ci.baseSource}): the clone lacks the base of the ${ci.provider === 'github' ? 'pull' : 'merge'} request; fetch the history (${how})`);
      });
      report = { ...r, rules: loaded?.rules ?? [] };
      root = r.root;
    } else {
      process.stderr.write(`spillguard: ${ci.provider === 'none' ? 'no CI detected,' : ci.provider} scanning the working tree\n`);
      const { scan } = await import('../../scan/index.js');
      const rules = rulesFor(argv, cwd);
      const baseline = defaultBaseline(argv, cwd, cwd);
      report = { ...(await scan({ ...common, baseline, reportUnused: argv.reportUnused, rules, cwd })), rules: rules.rules };
      // Code scanning and GitLab read paths as relative to the repository's root, whatever
      // %SRCROOT% says: run from a sub-folder (a monorepo's package), paths relative to it name
      // files that do not exist there. The scan (allowlists, ignores) is the folder's own; only the
      // reported paths are prefixed with the folder's path from the root, as the git modes report.
      const top = discoverRepo(cwd)?.top;
      const sub = top ? path.relative(top, cwd).split(path.sep).join('/') : '';
      if (top && sub && !sub.startsWith('..') && !path.isAbsolute(sub)) {
        report = fromRoot(report, sub);
        root = top;
      }
    }
    const text = format(fmt, report, {
      toolVersion: toolVersion(),
      fingerprintKey: fingerprintKey(),
      showSecrets: argv.showSecrets,
      color: false,
      root,
      category: argv.category,
      explain: argv.explain,
      warn: (m) => process.stderr.write(`spillguard: warning: ${m}\n`),
    });
    if (output) {
      writeOutput(output, text);
      process.stderr.write(`spillguard: wrote ${fmt} report to ${output}\n`);
    } else process.stdout.write(text);
    // Beside a report on stdout in a machine format, annotations would corrupt it: the runner reads
    // workflow commands on stderr too.
    if (ci.provider === 'github' && argv.annotations) (!output && fmt !== 'text' ? process.stderr : process.stdout).write(githubAnnotations(report.findings));
    for (const e of report.errors) process.stderr.write(`spillguard: error: ${e.path}: ${e.message}\n`);
    process.stderr.write(`spillguard: ${summaryLine(report)}\n`);
    return exitCode(report);
  },
};

/** The report with each relative path (findings, suppressed, skipped, errors, unused) under `sub/`. */
function fromRoot(report: Report, sub: string): Report {
  const p = (x: string) => (path.isAbsolute(x) ? x : `${sub}/${x}`);
  const f = (x: Finding): Finding => ({ ...x, origin: { ...x.origin, path: p(x.origin.path) } });
  return {
    ...report,
    findings: report.findings.map(f),
    suppressed: report.suppressed.map((d) => ({ ...d, finding: f(d.finding) })),
    skipped: report.skipped.map((x) => ({ ...x, path: p(x.path) })),
    errors: report.errors.map((x) => ({ ...x, path: p(x.path) })),
    ...(report.unused
      ? { unused: { baseline: report.unused.baseline, inline: report.unused.inline.map((m) => ({ ...m, path: p(m.path) })) } }
      : {}),
  };
}
