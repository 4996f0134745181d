import path from 'node:path';
import type { Argv } from 'yargs';
import type { LoadedRules } from '../../config/rules.js';
import { format, type Format, type Report } from '../../reporters/index.js';
import { githubAnnotations, githubFileWarning } from '../../reporters/annotations.js';
import { quotePath, summaryLine } from '../../reporters/text.js';
import { isSpillguardError, SpillguardError } from '../../errors.js';
import { toolVersion } from '../../version.js';
import { detectCi, type CiContext } from '../ci-env.js';
import { errorLine, exitCode, fingerprintKey, fromRepoTop, kindsOf, reportFlags, rulesFor, type ReportArgs } from '../common.js';
import { defaultBaseline, MAX_FILE_SIZE_OPTION, repoBaseline } from '../git-shared.js';
import { parseSize } from '../io.js';
import { writeOutput } from '../io.js';
import { discoverGitDir, runGit } from '../../git/exec.js';
import { pathInside } from '../../sources/paths.js';
import { decode } from '../../git/common.js';
import { codePoints } from '../../engine/position.js';
import type { Finding } from '../../engine/types.js';

interface CiArgs extends Omit<ReportArgs, 'format'> {
  format?: Format;
  base?: string;
  annotations: boolean;
  maxFileSize: string;
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
      .option('annotations', { type: 'boolean', default: true, describe: 'On GitHub Actions, print ::error annotations for the diff view' })
      .option('max-file-size', { ...MAX_FILE_SIZE_OPTION, default: '50MB', describe: 'Skip files (or blobs) larger than this, listed as skipped (e.g. 10MB; 0 = no limit)' }),
  run: async (argv: CiArgs): Promise<number> => {
    const cwd = process.cwd();
    const ci = detectCi(process.env, argv.base);
    const defaults = DEFAULTS[ci.provider];
    const fmt = argv.format ?? defaults.format;
    const output = argv.output ?? (argv.format ? undefined : defaults.output);
    // The baseline as the git modes find it: --baseline FILE, else the repository's own
    // .spillguard-baseline.json, so that a finding accepted locally does not fail the pipeline.
    const common = { kinds: kindsOf(argv.kind), minConfidence: argv.minConfidence, maxFileSize: parseSize(argv.maxFileSize ?? '50MB', 'max-file-size') };
    let report: Report;
    let root = cwd;
    let exemptions: string[] = [];
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
        // Only when the missing revision is the base: an empty repository lacks HEAD, not the base.
        if (!isSpillguardError(e) || e.code !== 'git' || !/^unknown revision|bad object/.test(e.message) || !e.message.includes(ci.base!) || ci.baseSource === '--base') throw e;
        const how = ci.provider === 'github' ? 'actions/checkout with fetch-depth: 0' : 'GIT_DEPTH: 0 in the job\'s variables';
        throw new SpillguardError('git', `${e.message} (from ${ci.baseSource}): the clone lacks the base of the ${ci.provider === 'github' ? 'pull' : 'merge'} request; fetch the history (${how})`);
      });
      report = { ...r, rules: loaded?.rules ?? [] };
      root = r.root;
      exemptions = await exemptionChanges(ci.base, root, cfg);
      // "Clean" over no commits at all is no check: say so (pull_request_target checks out the base).
      if (r.stats.files === 0) {
        const n = await runGit(['rev-list', '--count', `${ci.base}..HEAD`], root);
        if (n.code === 0 && n.stdout.toString().trim() === '0')
          process.stderr.write(
            `spillguard: warning: no commits after ${ci.base}: HEAD is the base or behind it, so nothing was scanned${ci.event === 'pull_request_target' ? " (pull_request_target checks out the base branch: check out the pull request's head)" : ''}\n`,
          );
      }
    } else {
      // A CI mirror is often bare: "the working tree" there is git's own files, and a clean result
      // over them would pass a job that checked nothing.
      const repo = discoverGitDir(cwd);
      if (repo && !repo.top)
        throw new SpillguardError('git', `needs a work tree (this is a bare repository or a .git folder): ${cwd}. To scan its history: spillguard git, or spillguard ci --base <revision>`);
      const who = { none: 'no CI detected,', generic: 'CI detected (not GitHub or GitLab: no pull request base known),', github: 'github', gitlab: 'gitlab' }[ci.provider];
      process.stderr.write(`spillguard: ${who} scanning the working tree\n`);
      const { scan } = await import('../../scan/index.js');
      const rules = rulesFor(argv, cwd);
      const baseline = defaultBaseline(argv, cwd, cwd);
      // The scan is the folder's (its allowlists; ignore files up to the top, as in git); every
      // format reports paths from the repository's root, as the git modes report.
      ({ report, root } = fromRepoTop({ ...(await scan({ ...common, baseline, reportUnused: argv.reportUnused, rules, cwd })), rules: rules.rules }, cwd));
    }
    // A pull request's findings carry the line of the commit that introduced them; code scanning,
    // annotations and GitLab place them on the commit checked out. Where the secret still stands
    // in that commit's file, they get its line and column there.
    const hosted = ci.base && (fmt === 'sarif' || fmt === 'gitlab' || (ci.provider === 'github' && argv.annotations)) ? await atHead(report, root) : report;
    const placed = fmt === 'sarif' || fmt === 'gitlab' ? hosted : report;
    const text = format(fmt, placed, {
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
    if (ci.provider === 'github' && argv.annotations) (!output && fmt !== 'text' ? process.stderr : process.stdout).write(githubAnnotations(hosted.findings));
    // The change under review can exempt its own secret (an allowlist, an ignore line, a baseline
    // entry): the scan obeys it, as it must, and says so where the reviewer looks.
    const request = ci.provider === 'gitlab' ? 'merge request' : ci.event?.startsWith('pull_request') ? 'pull request' : 'range';
    const why = (file: string) => `this ${request} changes ${file}, which can exempt findings from spillguard: review that change`;
    for (const file of exemptions) {
      process.stderr.write(`spillguard: warning: ${why(quotePath(file))}\n`);
      if (ci.provider === 'github' && argv.annotations) (!output && fmt !== 'text' ? process.stderr : process.stdout).write(githubFileWarning(file, 'spillguard: exemptions changed', why(file)));
    }
    for (const e of report.errors) process.stderr.write(errorLine(e));
    process.stderr.write(`spillguard: ${summaryLine(report)}\n`);
    return exitCode(report);
  },
};

/** Files that decide what spillguard reports (config, ignore files, baselines) changed since `base`, from `root`. */
async function exemptionChanges(base: string, root: string, config: string | undefined): Promise<string[]> {
  const specs = [':(glob)**/.spillguard.toml', ':(glob)**/.spillguardignore', ':(glob)**/.spillguard-baseline.json', ':(glob)**/.gitleaks.toml', ':(glob)**/.gitleaksignore'];
  const rel = config ? pathInside(root, config) : undefined;
  if (rel) specs.push(`:(literal)${rel.split(path.sep).join('/')}`);
  const r = await runGit(['diff', '--name-only', '-z', `${base}...HEAD`, '--', ...specs], root);
  if (r.code !== 0) {
    process.stderr.write(`spillguard: warning: could not list the files changed since ${base}, so a change to spillguard's configuration, ignore files or baseline was not looked for\n`);
    return [];
  }
  return r.stdout.toString('utf8').split('\0').filter(Boolean);
}

/**
 * The report with each history finding moved to where its secret stands in HEAD's version of its
 * file (the nearest occurrence to its line there). A finding whose secret HEAD no longer holds at
 * that path (removed by a later commit), or that was decoded from another text, keeps its place.
 */
async function atHead(report: Report, root: string): Promise<Report> {
  const byPath = new Map<string, Finding[]>();
  for (const f of report.findings)
    if (f.origin.commit && !f.origin.member && f.span.end - f.span.start === f.secret.length) byPath.set(f.origin.path, [...(byPath.get(f.origin.path) ?? []), f]);
  if (byPath.size === 0) return report;
  const moved = new Map<Finding, Finding>();
  for (const [file, fs] of byPath) {
    const r = await runGit(['cat-file', 'blob', `HEAD:${file}`], root);
    if (r.code !== 0) continue;
    const text = decode(r.stdout);
    for (const f of fs) {
      let best = -1;
      let bestLine = 0;
      for (let i = text.indexOf(f.secret); i !== -1; i = text.indexOf(f.secret, i + 1)) {
        const line = lineAt(text, i).line;
        if (best === -1 || Math.abs(line - f.span.line) < Math.abs(bestLine - f.span.line)) [best, bestLine] = [i, line];
      }
      if (best === -1) continue;
      const a = lineAt(text, best);
      const b = lineAt(text, best + f.secret.length);
      moved.set(f, { ...f, span: { start: best, end: best + f.secret.length, line: a.line, column: a.column, endLine: b.line, endColumn: b.column } });
    }
  }
  return { ...report, findings: report.findings.map((f) => moved.get(f) ?? f) };
}

/** 1-based line and column (code points) of an offset; only `\n` ends a line, as in the engine. */
function lineAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: codePoints(text, start, offset) + 1 };
}
