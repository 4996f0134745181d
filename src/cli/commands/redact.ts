import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { CONFIG_FILE, loadRules } from '../../config/rules.js';
import { CONFIDENCES, KINDS, type Confidence, type Kind } from '../../engine/types.js';
import { ioReason, SpillguardError } from '../../errors.js';
import type { CorpusSummary } from '../../redact/corpus.js';
import { OPERATORS, type Operator } from '../../redact/types.js';
import { parseSize } from '../io.js';
import { readKey } from '../common.js';
import { workersArg } from '../../scan/workers.js';

interface RedactArgs {
  paths?: string[];
  out?: string;
  stdin: boolean;
  stdinName: string;
  format?: string;
  field: string[];
  columns: string[];
  header: boolean;
  manifest?: string;
  resume: boolean;
  quarantine?: string;
  config?: string;
  kind: 'secret' | 'pii' | 'all';
  operator: string[];
  keyFile?: string;
  minConfidence: Confidence;
  verifyThreshold: Confidence;
  injection: boolean;
  include: string[];
  exclude: string[];
  gitignore: boolean;
  maxFileSize: string;
  assumeText: boolean;
  workers?: number;
  progress?: boolean;
  quiet: boolean;
}

/** Whether two paths name one existing file, however they are spelt (links, `..`). */
function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a);
    const y = fs.statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

const STDIN_FORMATS = ['jsonl', 'text', 'txt', 'md', 'html', 'json', 'csv', 'tsv', 'eml'] as const;


/**
 * --operator NAME=OP. With `ruleIds` (the loaded rules), a NAME that is neither a kind nor one of
 * them is refused: a typo would set nothing, and the findings meant would get the default operator.
 */
export function parseOperators(list: string[], ruleIds?: ReadonlySet<string>): Record<string, Operator> {
  const out: Record<string, Operator> = {};
  for (const item of list) {
    const m = /^([^=]+)=(.+)$/.exec(item);
    if (!m || !(OPERATORS as readonly string[]).includes(m[2]))
      throw new SpillguardError('usage', `"${item}" is not NAME=OPERATOR (NAME a kind or rule id; OPERATOR one of ${OPERATORS.join(', ')})`, { flag: 'operator' });
    if (ruleIds && !(KINDS as readonly string[]).includes(m[1]) && !ruleIds.has(m[1]))
      throw new SpillguardError('usage', `"${item}": "${m[1]}" is neither a kind (${KINDS.join(', ')}) nor a loaded rule (see spillguard rules list)`, { flag: 'operator' });
    out[m[1]] = m[2] as Operator;
  }
  return out;
}

/**
 * Flags of the other mode would be ignored: `--stdin --manifest m.jsonl` wrote no manifest, and
 * `--format csv` on files skipped the ones without a known extension, both with exit 0.
 */
function checkMode(argv: RedactArgs): void {
  if (argv.stdin) {
    const given = ([
      ['out', argv.out !== undefined], ['manifest', argv.manifest !== undefined], ['resume', argv.resume], ['quarantine', argv.quarantine !== undefined],
      ['include', argv.include.length > 0], ['exclude', argv.exclude.length > 0], ['gitignore', argv.gitignore], ['max-file-size', argv.maxFileSize !== '0'],
      ['assume-text', argv.assumeText], ['workers', argv.workers !== undefined],
    ] as const).filter(([, on]) => on).map(([flag]) => `--${flag}`);
    if (given.length) throw new SpillguardError('usage', `${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} for files, not --stdin`, { flag: 'stdin' });
  } else if (argv.format !== undefined)
    throw new SpillguardError('usage', 'is for --stdin: files are read by their extension (--assume-text reads unknown ones as text)', { flag: 'format' });
}

export const redactCommand = {
  builder: (y: Argv) =>
    y
      .positional('paths', { type: 'string', array: true, describe: 'Files or folders to redact' })
      .option('out', { type: 'string', describe: 'Write redacted documents here, mirroring relative paths' })
      .option('stdin', { type: 'boolean', default: false, describe: 'Redact standard input to standard output' })
      .option('stdin-name', { type: 'string', default: '<stdin>', describe: 'Name standard input is reported under' })
      .option('format', { choices: STDIN_FORMATS, describe: '--stdin: jsonl (default; record by record), text (line by line, for logs), or a document format' })
      .option('field', { type: 'string', array: true, default: [], describe: 'JSON/JSONL: only these fields (names or JSON pointers)' })
      .option('columns', { type: 'string', array: true, default: [], describe: 'CSV/TSV: only these columns (names or 1-based numbers; comma-separated)' })
      .option('header', { type: 'boolean', default: true, describe: 'CSV/TSV: the first row is a header (--no-header: it is data)' })
      .option('manifest', { type: 'string', describe: 'Write a JSONL manifest of what was redacted (never the values)' })
      .option('resume', { type: 'boolean', default: false, describe: 'Skip documents the manifest shows done with the same input and settings' })
      .option('quarantine', { type: 'string', describe: 'Write documents suspected of prompt injection here instead of --out' })
      .option('config', { alias: 'c', type: 'string', describe: 'Config file (default: .spillguard.toml in the working directory)' })
      .option('kind', { choices: ['secret', 'pii', 'all'] as const, default: 'all' as const, describe: 'What to redact' })
      .option('operator', { type: 'string', array: true, default: [], describe: 'NAME=OPERATOR, NAME a kind or rule id (e.g. pii=mask)' })
      .option('key-file', { type: 'string', describe: 'Pseudonym key file (default: the SPILLGUARD_KEY environment variable)' })
      .option('min-confidence', { choices: CONFIDENCES, default: 'low' as Confidence, describe: 'Redact findings at or above this confidence' })
      .option('verify-threshold', { choices: CONFIDENCES, default: 'low' as Confidence, describe: 'Fail a document when its output still holds a finding at or above this confidence' })
      .option('injection', { type: 'boolean', default: true, describe: 'Screen for prompt injection (--no-injection to skip)' })
      .option('include', { type: 'string', array: true, default: [], describe: 'Only redact paths matching these globs' })
      .option('exclude', { type: 'string', array: true, default: [], describe: 'Skip paths matching these globs' })
      .option('gitignore', { type: 'boolean', default: false, describe: 'Honour .gitignore files (off: a corpus is not a repository)' })
      .option('max-file-size', { type: 'string', default: '0', describe: 'Skip larger documents (e.g. 100MB; 0 = no limit)' })
      .option('assume-text', { type: 'boolean', default: false, describe: 'Treat files of unknown extension as text instead of skipping them' })
      .option('workers', { type: 'number', describe: 'Worker threads beside the main one, which redacts too (default: one per core beyond the first, for larger runs; 0 = none)' })
      .option('progress', { type: 'boolean', describe: 'Show progress (default: on a terminal)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No summary or progress on standard error; failed and left-over documents are still listed' }),
  run: async (argv: RedactArgs): Promise<number> => {
    const cwd = process.cwd();
    const paths = argv.paths ?? [];
    if (argv.stdin && paths.length) throw new SpillguardError('usage', 'give either paths or --stdin, not both', { flag: 'stdin' });
    if (!argv.stdin && !argv.out) throw new SpillguardError('usage', 'needs --out DIR (or --stdin)', { flag: 'out' });
    checkMode(argv);
    const kinds: Kind[] = argv.kind === 'all' ? ['secret', 'pii'] : [argv.kind];
    const rules = loadRules({ config: argv.config, root: cwd });
    for (const w of rules.warnings) process.stderr.write(`spillguard: warning: ${w}\n`);
    if (!rules.rules.some((r) => kinds.includes(r.kind))) throw new SpillguardError('config', 'no rules left to run (all disabled or filtered by --kind)', { flag: 'kind' });
    const { loadRedactConfig, unknownRuleWarnings } = await import('../../redact/config.js');
    const ruleIds = new Set(rules.rules.map((r) => r.id));
    const config = loadRedactConfig({ config: argv.config, root: cwd });
    for (const w of unknownRuleWarnings(config, ruleIds)) process.stderr.write(`spillguard: warning: ${w}\n`);
    const redactorOptions = {
      rules: { rules: rules.rules, allowlist: rules.allowlist },
      kinds,
      injection: argv.injection,
      config,
      operators: parseOperators(argv.operator, ruleIds),
      key: readKey(argv.keyFile),
      minConfidence: argv.minConfidence,
      verifyThreshold: argv.verifyThreshold,
    };
    const formatOptions = { fields: argv.field, columns: argv.columns.flatMap((c) => c.split(',')).filter(Boolean), header: argv.header };

    if (argv.stdin) return stdinMode(argv, redactorOptions, formatOptions);

    // The manifest is written from its first byte: naming the key or the config there by mistake would destroy it.
    if (argv.manifest)
      for (const [flag, file] of [['--key-file', argv.keyFile], ['--config', argv.config ?? CONFIG_FILE]] as const)
        if (file && sameFile(path.resolve(cwd, argv.manifest), path.resolve(cwd, file)))
          throw new SpillguardError('usage', `"${argv.manifest}" is the file given to ${flag}: the manifest would be written over it`, { flag: 'manifest' });
    const { redactCorpus } = await import('../../redact/corpus.js');
    const progress = argv.progress ?? (!argv.quiet && Boolean(process.stderr.isTTY));
    const t0 = performance.now();
    let lastDraw = 0;
    let bytes = 0;
    const summary = await redactCorpus({
      paths, cwd, outDir: argv.out!, manifest: argv.manifest, resume: argv.resume, quarantine: argv.quarantine,
      include: argv.include, exclude: argv.exclude, gitignore: argv.gitignore, maxFileSize: parseSize(argv.maxFileSize, 'max-file-size'),
      assumeText: argv.assumeText, formatOptions, workers: workersArg(argv.workers), redactor: redactorOptions,
      onEntry: (e, _resumed, done, total) => {
        bytes += e.bytes ?? 0;
        if (!progress) return;
        const now = performance.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const s = (now - t0) / 1000 || 1e-9;
        const rate = done / s;
        const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
        process.stderr.write(`\r\x1b[Kredact: ${done}/${total} documents  ${rate.toFixed(1)} docs/s  ${(bytes / 1e6 / s).toFixed(1)} MB/s  ETA ${eta}s`);
      },
    });
    if (progress) process.stderr.write('\r\x1b[K');
    if (!argv.quiet) process.stderr.write(formatSummary(summary, (performance.now() - t0) / 1000));
    else {
      // Quiet hides the table, not why the run exits 1 or 2: documents not written are still listed.
      for (const p of summary.problems) if (p.status !== 'skipped') process.stderr.write(`spillguard: ${problemLine(p)}\n`);
    }
    if (summary.failed > 0) return 2;
    if (summary.leftover > 0) return 1;
    return 0;
  },
};

async function stdinMode(argv: RedactArgs, redactorOptions: ConstructorParameters<typeof import('../../redact/session.js').Redactor>[0], formatOptions: { fields: string[]; columns: string[]; header: boolean }): Promise<number> {
  const { Redactor } = await import('../../redact/session.js');
  const format = argv.format ?? 'jsonl';
  // Logs are redacted, not screened for prompt injection: they are not headed into a model's context.
  const redactor = new Redactor(format === 'text' ? { ...redactorOptions, injection: false } : redactorOptions);
  const { pipeline } = await import('node:stream/promises');
  // A choice the format has nothing for would be ignored, and the whole input redacted as if none was made.
  const json = format === 'jsonl' || format === 'json';
  const table = format === 'csv' || format === 'tsv';
  if (formatOptions.fields.length && !json) throw new SpillguardError('usage', `--format ${format} has no fields to choose (--field is for JSON and JSONL)`, { flag: 'field' });
  if (formatOptions.columns.length && !table) throw new SpillguardError('usage', `--format ${format} has no columns to choose (--columns is for CSV and TSV)`, { flag: 'columns' });
  if (!formatOptions.header && !table) throw new SpillguardError('usage', `--format ${format} has no header row (--no-header is for CSV and TSV)`, { flag: 'no-header' });
  if (format === 'text') {
    const { TextRedactStream } = await import('../../redact/stream.js');
    const t = new TextRedactStream(redactor, { name: argv.stdinName });
    await pipeline(process.stdin, t, process.stdout);
    if (!argv.quiet && t.lines.found) process.stderr.write(`spillguard redact: redacted ${t.lines.found} value(s): ${Object.entries(t.lines.counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    return 0;
  }
  if (format === 'jsonl') {
    const { JsonlRedactStream } = await import('../../redact/jsonl-stream.js');
    const t = new JsonlRedactStream(redactor, { name: argv.stdinName, fields: formatOptions.fields });
    await pipeline(process.stdin, t, process.stdout);
    const s = t.stats;
    for (const w of s.withheld) process.stderr.write(`spillguard: ${argv.stdinName}:${w.line}: record withheld: verification still found ${w.rules.join(', ')} after redaction\n`);
    for (const l of s.notUtf8) process.stderr.write(`spillguard: ${argv.stdinName}:${l}: not valid UTF-8: written redacted, with U+FFFD for the bytes that are not\n`);
    for (const l of s.invalid) process.stderr.write(`spillguard: ${argv.stdinName}:${l}: not JSON: written redacted as text\n`);
    // A --field that named nothing in any record chose nothing: the stream went out as it came in.
    const fieldProblem = s.fields?.problem('records');
    if (fieldProblem) process.stderr.write(`spillguard: ${argv.stdinName}: ${fieldProblem}\n`);
    if (!argv.quiet) {
      const counts = Object.entries(s.counts).sort(([a], [b]) => (a < b ? -1 : 1));
      process.stderr.write(
        `spillguard redact: ${s.records} records written, ${s.droppedRecords} dropped, ${s.withheld.length} withheld, ${s.invalid.length} not JSON` +
          (counts.length ? `; redactions: ${counts.map(([k, v]) => `${k} ${v}`).join(', ')}` : '') +
          (s.injection.length ? `; prompt injection suspected in ${new Set(s.injection.map((i) => i.line)).size} record(s)` : '') +
          '\n',
      );
    }
    return s.invalid.length || s.notUtf8.length || fieldProblem ? 2 : s.withheld.length ? 1 : 0;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const { redactDocument } = await import('../../redact/document.js');
  const docFormat = format === 'txt' ? 'txt' : format;
  const r = await redactDocument(redactor, Buffer.concat(chunks), argv.stdinName, docFormat, formatOptions);
  if (r.output) process.stdout.write(r.output);
  if (r.entry.status !== 'ok') process.stderr.write(`spillguard: ${argv.stdinName}: ${r.entry.status}: ${r.entry.reason}\n`);
  return r.entry.status === 'failed' ? 2 : r.entry.status === 'leftover' ? 1 : r.entry.status === 'skipped' ? 2 : 0;
}

const fmtBytes = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);

const problemLine = (p: CorpusSummary['problems'][number]) => `${p.status}: ${p.input}: ${p.reason}`;

/** The summary table on standard error: documents, bytes, redactions per entity type, and every problem. */
export function formatSummary(s: CorpusSummary, seconds: number): string {
  const rows: [string, string][] = [
    ['documents', String(s.documents)],
    ['  redacted', String(s.ok)],
    ['  quarantined', String(s.quarantined)],
    ['  resumed (already done)', String(s.resumed)],
    ['  skipped', String(s.skipped)],
    ['  failed', String(s.failed)],
    ['  left over (not written)', String(s.leftover)],
    ['bytes in', fmtBytes(s.bytes)],
    ['bytes out', fmtBytes(s.outputBytes)],
    ['records dropped', String(s.droppedRecords)],
    ['injection findings', String(s.injection)],
  ];
  const counts = Object.entries(s.counts).sort(([a], [b]) => (a < b ? -1 : 1));
  const total = counts.reduce((n, [, v]) => n + v, 0);
  rows.push(['redactions', String(total)]);
  for (const [k, v] of counts) rows.push([`  ${k}`, String(v)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
  for (const p of s.problems) lines.push(problemLine(p));
  lines.push(`done in ${seconds.toFixed(1)} s`);
  return `spillguard redact\n${lines.join('\n')}\n`;
}
