import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Finding, RuleSpec, Severity } from '../engine/types.js';
import { SEVERITIES } from '../engine/types.js';
import type { Report, ReportContext } from './context.js';
import { mask } from './mask.js';
import { shownFingerprint } from '../engine/fingerprint.js';

/** GitHub code scanning reads `security-severity` as a CVSS-like score: >= 9 critical, >= 7 high, >= 4 medium. */
export const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
const PRECISION = { high: 'very-high', medium: 'high', low: 'medium' } as const;

/** GitHub's limit on results per run. */
export const MAX_SARIF_RESULTS = 25_000;
/** GitHub's limit on a gzipped SARIF upload. */
export const MAX_SARIF_GZIP_BYTES = 10_000_000;
export const FINGERPRINT_KEY = 'spillguard/v1';

const pascal = (id: string) => id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');

const DEFAULT_HELP = (r: RuleSpec) =>
  `**${r.description}**\n\n` +
  '1. Revoke or rotate the credential with its issuer first: removing it from the code does not make it safe.\n' +
  '2. Remove it from the file and load it from a secret store or environment variable instead.\n' +
  '3. If it was committed, purge it from history (`git filter-repo --replace-text`) and force-push, or treat it as public.\n' +
  '4. If it is a false positive, add `spillguard:allow` on the line or record it with `spillguard baseline`.';

function ruleDescriptor(r: RuleSpec) {
  const help = r.help?.trim() || DEFAULT_HELP(r);
  return {
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.description },
    fullDescription: { text: `${r.description}. Detected by spillguard rule ${r.id} (${r.kind}, ${r.severity} severity).` },
    help: { text: help.replace(/[*`]/g, ''), markdown: help },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: {
      'security-severity': SECURITY_SEVERITY[r.severity],
      precision: PRECISION[r.confidence],
      'problem.severity': LEVEL[r.severity] === 'note' ? 'recommendation' : LEVEL[r.severity],
      tags: ['security', r.kind, ...(r.kind === 'secret' ? ['external/cwe/cwe-798'] : r.kind === 'pii' ? ['external/cwe/cwe-359'] : []), ...r.tags],
    },
  };
}

/**
 * A reported path as a SARIF artifact location: relative to %SRCROOT% (the scan root), encoded as
 * a URI reference, where `#` and `?` would otherwise end the path (encodeURI keeps them); a path
 * outside the root (scanned by an absolute or ../ path) is reported as it is, an absolute file URI,
 * since a relative reference under %SRCROOT% must not leave it.
 */
function artifactOf(p: string): { uri: string; uriBaseId?: string } {
  const encode = (s: string) => encodeURI(s).replace(/[#?]/g, (c) => (c === '#' ? '%23' : '%3F'));
  if (path.isAbsolute(p)) return { uri: pathToFileURL(p).href };
  return { uri: encode(p), uriBaseId: '%SRCROOT%' };
}

function resultOf(f: Finding, ruleIndex: number, key?: Uint8Array) {
  const fp = shownFingerprint(f, key);
  const o = f.origin;
  const properties: Record<string, unknown> = { kind: f.kind, confidence: f.confidence, severity: f.severity };
  if (f.validatedBy) properties.validatedBy = f.validatedBy;
  if (f.test) properties.test = true;
  // History findings carry their commit here, never in fingerprints: the alert is the secret, wherever it moved.
  for (const k of ['commit', 'author', 'email', 'date', 'member', 'record', 'field', 'decoded'] as const) if (o[k] !== undefined) properties[k] = o[k];
  // Where a bundle's source map says the code came from. f.snippet is never copied into SARIF.
  if (f.original) properties.original = `${f.original.path}:${f.original.line}:${f.original.column}`;
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    // In an archive member, lines and columns are the member's: on the archive they would point at
    // bytes of the compressed file. The alert then stands on the archive, and the message says where.
    message: {
      text: `${f.description} found: ${mask(f.secret, f.kind)}${o.member ? ` (in ${o.member}, line ${f.span.line}, column ${f.span.column})` : ''}`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifactOf(o.path),
          ...(o.member ? {} : { region: { startLine: f.span.line, startColumn: f.span.column, endLine: f.span.endLine, endColumn: f.span.endColumn } }),
        },
      },
    ],
    // Personal data without a key: no partialFingerprints (optional in SARIF) rather than a reversible one.
    ...(fp ? { partialFingerprints: { [FINGERPRINT_KEY]: fp } } : {}),
    properties,
  };
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, results that never hold the raw secret (masked
 * message, no snippet), stable partialFingerprints, and GitHub's result limit kept by dropping the
 * least severe results first and saying so.
 */
export function formatSarif(report: Report, ctx: ReportContext): string {
  const sevRank = (s: Severity) => SEVERITIES.indexOf(s);
  const bySeverity = [...report.findings].sort((a, b) => sevRank(a.severity) - sevRank(b.severity));
  let keep = Math.min(report.findings.length, MAX_SARIF_RESULTS);
  for (;;) {
    const notes: string[] = [];
    if (keep < report.findings.length)
      notes.push(
        `${report.findings.length} results exceed GitHub's upload limits (${MAX_SARIF_RESULTS} results, ${MAX_SARIF_GZIP_BYTES / 1e6} MB gzipped per run); the ${keep} most severe are kept.`,
      );
    const text = buildSarif(report, keep < report.findings.length ? bySeverity.slice(0, keep) : report.findings, notes, ctx);
    const size = keep > 0 ? gzipSync(text).length : 0;
    if (size <= MAX_SARIF_GZIP_BYTES) {
      for (const n of notes) ctx.warn?.(n);
      return text;
    }
    // Shrink in proportion, with a margin, until the gzipped log fits.
    keep = Math.floor((keep * MAX_SARIF_GZIP_BYTES * 0.9) / size);
  }
}

function buildSarif(report: Report, findings: Finding[], notes: string[], ctx: ReportContext): string {
  const notifications: object[] = notes.map((text) => ({ level: 'warning', descriptor: { id: 'result-limit' }, message: { text } }));
  const byId = new Map(report.rules.map((r) => [r.id, r]));
  const used = [...new Set(findings.map((f) => f.ruleId))].sort();
  const ruleIndex = new Map(used.map((id, i) => [id, i]));
  const rules = used.map((id) => ruleDescriptor(byId.get(id) ?? fallbackRule(findings.find((f) => f.ruleId === id)!)));
  for (const e of report.errors)
    notifications.push({ level: 'error', descriptor: { id: 'read-error' }, message: { text: `${e.path}: ${e.message}` } });
  const root = pathToFileURL(ctx.root.endsWith('/') ? ctx.root : ctx.root + '/').href;
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'spillguard',
            semanticVersion: ctx.toolVersion,
            version: ctx.toolVersion,
            informationUri: 'https://www.npmjs.com/package/spillguard',
            rules,
          },
        },
        // The category is what comes before the id's last `/`, as github/codeql-action words it: a
        // category given with its slash (`secrets/`) keeps one.
        automationDetails: { id: (ctx.category ?? 'spillguard').replace(/\/*$/, '/') },
        originalUriBaseIds: { '%SRCROOT%': { uri: root } },
        columnKind: 'unicodeCodePoints',
        invocations: [{ executionSuccessful: report.errors.length === 0, toolExecutionNotifications: notifications }],
        results: findings.map((f) => resultOf(f, ruleIndex.get(f.ruleId)!, ctx.fingerprintKey)),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function fallbackRule(f: Finding): RuleSpec {
  return {
    id: f.ruleId, kind: f.kind, severity: f.severity, confidence: f.confidence, description: f.description, regex: '', flags: '',
    secretGroup: 0, keywords: [], onInvalid: 'drop', stopwords: [], allowlists: [], tags: [],
    examples: { match: [], noMatch: [] }, source: '',
  };
}
