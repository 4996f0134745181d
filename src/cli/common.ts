import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { loadBaseline, type BaselineMatcher } from '../filters/baseline.js';
import { CONFIG_FILE, loadRules, type LoadedRules } from '../config/rules.js';
import { ioReason, SpillguardError } from '../errors.js';
import { CONFIDENCES, type Confidence, type Finding, type Kind } from '../engine/types.js';
import { discoverRepo } from '../git/exec.js';
import { pathInside } from '../sources/paths.js';
import { MIN_KEY_BYTES } from '../engine/fingerprint.js';
import type { Report } from '../reporters/context.js';
import { FORMATS, loadFormatter, type Format } from '../reporters/formats.js';
import { quotePath } from '../reporters/text.js';
import { toolVersion } from '../version.js';
import { useColor, writeOutput } from './io.js';

/** Flags every scanning command shares: what to load, what to keep, how to print. */
export function reportFlags<T>(y: Argv<T>, formatDefault: Format | null = 'text') {
  return y
    .option('format', {
      alias: 'f',
      choices: FORMATS,
      default: (formatDefault ?? undefined) as Format,
      describe: formatDefault ? 'Output format' : 'Output format (default: sarif on GitHub Actions, gitlab on GitLab CI, text elsewhere)',
    })
    .option('output', { alias: 'o', type: 'string', describe: 'Write the report to FILE instead of stdout' })
    .option('config', { alias: 'c', type: 'string', describe: 'Config file (default: .spillguard.toml in the working directory); a gitleaks .gitleaks.toml works too' })
    .option('show-secrets', { type: 'boolean', default: false, describe: 'Print raw secret values (masked by default)' })
    .option('min-confidence', { choices: CONFIDENCES, default: 'low' as Confidence, describe: 'Drop findings below this confidence' })
    .option('kind', { choices: ['secret', 'pii', 'all'] as const, describe: 'What to look for (default: secret)' })
    .option('explain', { type: 'boolean', default: false, describe: 'Also list suppressed findings and skipped files, with the reason' })
    .option('category', { type: 'string', describe: 'SARIF automationDetails.id category (one per analysis in GitHub)' })
    .option('color', { type: 'boolean', describe: 'Force colour on or off (default: on a TTY unless NO_COLOR is set)' })
    .option('baseline', { alias: 'b', type: 'string', describe: 'Suppress the findings listed in this baseline file' })
    .option('report-unused', { type: 'boolean', default: false, describe: 'List baseline entries and inline ignores that suppress nothing' });
}

export interface ReportArgs {
  format: Format;
  output?: string;
  config?: string;
  showSecrets: boolean;
  minConfidence: Confidence;
  kind?: 'secret' | 'pii' | 'all';
  explain: boolean;
  category?: string;
  color?: boolean;
  baseline?: string;
  reportUnused: boolean;
}

/** The baseline named by --baseline, as a filter lookup that remembers which entries it used. */
export function baselineFor(args: Pick<ReportArgs, 'baseline'>, cwd: string): BaselineMatcher | undefined {
  if (!args.baseline) return undefined;
  return loadBaseline(path.resolve(cwd, args.baseline), { name: args.baseline, key: fingerprintKey() });
}

/**
 * The key of redact's pseudonyms and of personal data's fingerprints in reports and baselines, from
 * --key-file or SPILLGUARD_KEY, read here (the CLI layer) and passed in: library code never reads
 * the environment. A short key would make pseudonyms and fingerprints guessable.
 */
export function readKey(keyFile: string | undefined, env = process.env): Buffer | undefined {
  let key: Buffer | undefined;
  if (keyFile) {
    try {
      key = fs.readFileSync(keyFile);
    } catch (e) {
      throw new SpillguardError('usage', `cannot read the key file: ${ioReason(e)}`, { flag: 'key-file', file: keyFile });
    }
    key = Buffer.from(key.toString('latin1').replace(/\r?\n$/, ''), 'latin1');
    if (key.length < MIN_KEY_BYTES) throw new SpillguardError('usage', `the key must be at least ${MIN_KEY_BYTES} bytes long`, { flag: 'key-file', file: keyFile });
  } else if (env.SPILLGUARD_KEY) {
    key = Buffer.from(env.SPILLGUARD_KEY, 'utf8');
    if (key.length < MIN_KEY_BYTES) throw new SpillguardError('usage', `SPILLGUARD_KEY must be at least ${MIN_KEY_BYTES} bytes long`);
  }
  return key;
}

/** SPILLGUARD_KEY, for the commands without --key-file. */
export const fingerprintKey = (): Buffer | undefined => readKey(undefined);

export function kindsOf(kind: ReportArgs['kind'], fallback: 'secret' | 'pii' | 'all' = 'secret'): Kind[] {
  const k = kind ?? fallback;
  return k === 'all' ? ['secret', 'pii'] : [k];
}

export function rulesFor(args: Pick<ReportArgs, 'config' | 'kind'>, cwd: string): LoadedRules {
  const rules = loadRules({ config: args.config, root: cwd, kinds: kindsOf(args.kind) });
  for (const w of rules.warnings) process.stderr.write(`spillguard: warning: ${w}\n`);
  // Run from a sub-folder of a repository, the top's configuration is not read (its allowlist paths
  // are written from there): said, rather than a scan that silently differs from the top's.
  const above = args.config || rules.files.length ? undefined : configAbove(cwd);
  if (above) {
    const rel = path.relative(cwd, above);
    process.stderr.write(
      `spillguard: warning: ${rel} is not applied: the configuration is read from the working directory only, and there is none here; run from ${path.dirname(rel)}, or pass --config ${rel} (its allowlist paths then match paths as reported from here)\n`,
    );
  }
  if (rules.rules.length === 0) throw new SpillguardError('config', 'no rules left to run (all disabled or filtered by --kind)', { flag: 'kind' });
  return rules;
}

/** The nearest .spillguard.toml in a folder above `cwd`, up to the top of its work tree. */
function configAbove(cwd: string): string | undefined {
  const top = discoverRepo(cwd)?.top;
  if (top === undefined) return undefined;
  for (let dir = path.resolve(cwd); dir !== top; ) {
    dir = path.dirname(dir);
    const file = path.join(dir, CONFIG_FILE);
    if (fs.existsSync(file)) return file;
    if (dir === path.dirname(dir)) return undefined;
  }
  return undefined;
}

/** Starts loading the reporter `emitReport` will need, so that it is ready when the scan ends. */
export function preloadFormatter(fmt: Format): void {
  loadFormatter(fmt).catch(() => undefined);
}

/** Prints or writes the report and returns the exit code the contract asks for. */
export async function emitReport(args: ReportArgs, report: Report, root: string): Promise<number> {
  const fmt = args.format;
  const text = (await loadFormatter(fmt))(report, {
    toolVersion: toolVersion(),
    fingerprintKey: fingerprintKey(),
    showSecrets: args.showSecrets,
    color: !args.output && fmt === 'text' && useColor(process.stdout, args.color),
    root,
    category: args.category,
    explain: args.explain,
    warn: (m) => process.stderr.write(`spillguard: warning: ${m}\n`),
  });
  if (args.output) {
    writeOutput(args.output, text);
    // The report is in the file; what could not be read must not go unseen (exit 2 with a silent terminal).
    for (const e of report.errors) process.stderr.write(errorLine(e));
  } else process.stdout.write(text);
  return exitCode(report);
}

/**
 * The report with its paths from the top of the git work tree `cwd` is in, and that top, as code
 * scanning and GitLab read them whatever SARIF's %SRCROOT% says: run from a sub-folder (a
 * monorepo's package), paths relative to it name files that do not exist at the top. A path given
 * in full (outside `cwd`) is made relative too when it is inside the work tree. Outside one, the
 * report and `cwd` as they are.
 */
export function fromRepoTop(report: Report, cwd: string): { report: Report; root: string } {
  const top = discoverRepo(cwd)?.top;
  if (top === undefined || pathInside(top, cwd) === undefined) return { report, root: cwd };
  const p = (x: string) => {
    const rel = pathInside(top, path.resolve(cwd, x));
    return rel === undefined ? x : rel.split(path.sep).join('/');
  };
  const f = (x: Finding): Finding => ({ ...x, origin: { ...x.origin, path: p(x.origin.path) } });
  return {
    root: top,
    report: {
      ...report,
      findings: report.findings.map(f),
      suppressed: report.suppressed.map((d) => ({ ...d, finding: f(d.finding) })),
      skipped: report.skipped.map((x) => ({ ...x, path: p(x.path) })),
      errors: report.errors.map((x) => ({ ...x, path: p(x.path) })),
      ...(report.unused
        ? { unused: { baseline: report.unused.baseline, inline: report.unused.inline.map((m) => ({ ...m, path: p(m.path) })) } }
        : {}),
    },
  };
}

/**
 * An unreadable file as one line of stderr. Its name (an archive's member's, in the message) is the
 * repository's, and can hold line breaks: printed raw, `a\n::error::…` forged a line — in GitHub
 * Actions a workflow command, from a pull request's file name. Quoted as the text report quotes it.
 */
export function errorLine(e: { path: string; message: string }): string {
  // eslint-disable-next-line no-control-regex
  const message = e.message.replace(/[\x00-\x1f\x7f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1));
  return `spillguard: error: ${quotePath(e.path)}: ${message}\n`;
}

/** 0 clean, 1 findings, 2 when anything could not be read: a partial scan is no clean bill of health. */
export function exitCode(report: Pick<Report, 'findings' | 'errors'>): number {
  if (report.errors.length > 0) return 2;
  return report.findings.length > 0 ? 1 : 0;
}


export function confidenceArg(v: string): Confidence {
  if (!(CONFIDENCES as readonly string[]).includes(v)) throw new SpillguardError('usage', `must be one of ${CONFIDENCES.join(', ')}`, { flag: 'min-confidence' });
  return v as Confidence;
}
