import type { Finding } from '../engine/types.js';
import type { Report, ReportContext } from './context.js';
import { REPORT_SCHEMA_VERSION } from './context.js';
import { shownFingerprint } from '../engine/fingerprint.js';
import { shown } from './mask.js';

/** One finding as it appears in JSON and JSONL output (schema version 1, docs/json-schema.md). */
export function findingJson(f: Finding, showSecrets: boolean, key?: Uint8Array): Record<string, unknown> {
  const o = f.origin;
  const out: Record<string, unknown> = {
    ruleId: f.ruleId,
    kind: f.kind,
    severity: f.severity,
    confidence: f.confidence,
    description: f.description,
    path: o.path,
    line: f.span.line,
    column: f.span.column,
    endLine: f.span.endLine,
    endColumn: f.span.endColumn,
    startOffset: f.span.start,
    endOffset: f.span.end,
    secret: shown(f.secret, showSecrets, f.kind),
    fingerprint: shownFingerprint(f, key) ?? null,
  };
  if (f.validatedBy) out.validatedBy = f.validatedBy;
  if (f.test) out.test = true;
  // `e164` is the phone number itself: masked like the secret unless raw values were asked for.
  if (f.extra) out.extra = f.extra.e164 === undefined ? f.extra : { ...f.extra, e164: shown(f.extra.e164, showSecrets, 'pii') };
  for (const k of ['member', 'record', 'field', 'decoded', 'commit', 'author', 'email', 'date', 'blob'] as const) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  if (f.original) out.original = f.original;
  return out;
}

function summary(report: Report) {
  const bySeverity: Record<string, number> = {};
  for (const f of report.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return {
    findings: report.findings.length,
    bySeverity,
    suppressed: report.suppressed.length,
    skipped: report.skipped.length,
    errors: report.errors.length,
    files: report.stats.files,
    bytes: report.stats.bytes,
    durationMs: Math.round(report.stats.durationMs),
  };
}

function suppressedJson(report: Report, key?: Uint8Array) {
  return report.suppressed.map((d) => ({
    ruleId: d.finding.ruleId,
    path: d.finding.origin.path,
    line: d.finding.span.line,
    column: d.finding.span.column,
    fingerprint: shownFingerprint(d.finding, key) ?? null,
    reason: d.reason,
  }));
}

export function formatJson(report: Report, ctx: ReportContext): string {
  const doc = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'spillguard', version: ctx.toolVersion },
    findings: report.findings.map((f) => findingJson(f, ctx.showSecrets, ctx.fingerprintKey)),
    suppressed: suppressedJson(report, ctx.fingerprintKey),
    skipped: report.skipped,
    errors: report.errors,
    ...(report.unused ? { unused: report.unused } : {}),
    summary: summary(report),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** One JSON object per line, each with a `type`: finding, suppressed, skipped, error, then summary. */
export function formatJsonl(report: Report, ctx: ReportContext): string {
  const lines: string[] = [];
  for (const f of report.findings) lines.push(JSON.stringify({ type: 'finding', schemaVersion: REPORT_SCHEMA_VERSION, ...findingJson(f, ctx.showSecrets, ctx.fingerprintKey) }));
  for (const s of suppressedJson(report, ctx.fingerprintKey)) lines.push(JSON.stringify({ type: 'suppressed', ...s }));
  for (const s of report.skipped) lines.push(JSON.stringify({ type: 'skipped', ...s }));
  for (const e of report.errors) lines.push(JSON.stringify({ type: 'error', ...e }));
  for (const b of report.unused?.baseline ?? []) lines.push(JSON.stringify({ type: 'unused-baseline', ...b }));
  for (const m of report.unused?.inline ?? []) lines.push(JSON.stringify({ type: 'unused-inline', ...m }));
  lines.push(JSON.stringify({ type: 'summary', schemaVersion: REPORT_SCHEMA_VERSION, tool: { name: 'spillguard', version: ctx.toolVersion }, ...summary(report) }));
  return lines.join('\n') + '\n';
}
