import { createHash } from 'node:crypto';
import type { Severity } from '../engine/types.js';
import type { Report, ReportContext } from './context.js';
import { mask } from './mask.js';
import { shownFingerprint } from '../engine/fingerprint.js';

const SEVERITY: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };

/** A UUID derived from the finding's identity, so a re-run reports the same vulnerability id. */
function stableId(parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const gitlabTime = (d: Date) => d.toISOString().slice(0, 19);

/**
 * GitLab's secret-detection report (schema 15.x) for `artifacts:reports:secret_detection`.
 * `raw_source_code_extract` is left out on purpose: the report must not carry the secret.
 */
export function formatGitlab(report: Report, ctx: ReportContext): string {
  const now = ctx.now ?? new Date();
  const start = new Date(now.getTime() - Math.round(report.stats.durationMs));
  const tool = { id: 'spillguard', name: 'spillguard', version: ctx.toolVersion, vendor: { name: 'spillguard' } };
  const doc = {
    version: '15.0.7',
    vulnerabilities: report.findings.map((f) => {
      const fp = shownFingerprint(f, ctx.fingerprintKey);
      return {
        id: stableId([fp ?? `${f.ruleId}:${f.span.line}:${f.span.column}`, f.origin.path, f.origin.commit ?? '']),
        category: 'secret_detection',
        name: f.description,
        description: `${f.description} (${mask(f.secret, f.kind)}) found by rule ${f.ruleId}; confidence ${f.confidence}.`,
        cve: `${f.origin.path}:${fp ?? `${f.span.line}:${f.span.column}`}:${f.ruleId}`,
        severity: SEVERITY[f.severity],
        scanner: { id: tool.id, name: tool.name },
        location: {
          file: f.origin.path,
          start_line: f.span.line,
          end_line: f.span.endLine,
          commit: { sha: f.origin.commit ?? '0000000' },
        },
        identifiers: [{ type: 'spillguard_rule_id', name: `spillguard rule ${f.ruleId}`, value: f.ruleId }],
      };
    }),
    scan: {
      analyzer: tool,
      scanner: tool,
      type: 'secret_detection',
      start_time: gitlabTime(start),
      end_time: gitlabTime(now),
      status: report.errors.length ? 'failure' : 'success',
    },
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
