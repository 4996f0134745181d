import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { formatSarif, MAX_SARIF_GZIP_BYTES, MAX_SARIF_RESULTS } from '../src/reporters/sarif.js';
import type { Finding, Severity } from '../src/engine/types.js';

function finding(i: number, severity: Severity, path: string): Finding {
  return {
    ruleId: `rule-${severity}`, kind: 'secret', severity, confidence: 'medium', description: `Test ${severity}`,
    span: { start: 0, end: 10, line: i + 1, column: 1, endLine: i + 1, endColumn: 11 },
    origin: { path }, secret: `tok_fake${String(i).padStart(12, '0')}`, fingerprint: i.toString(16).padStart(32, '0'),
  };
}

const ctx = (warnings: string[]) => ({ toolVersion: '0.0.0', showSecrets: false, color: false, root: '/repo', warn: (m: string) => warnings.push(m) });
const report = (findings: Finding[]) => ({ findings, suppressed: [], skipped: [], errors: [], stats: { files: 1, bytes: 1, durationMs: 1 }, rules: [] });

describe("SARIF within GitHub's upload limits", () => {
  it('keeps the 25,000 most severe results, says so in the run and through warn', () => {
    const findings = Array.from({ length: MAX_SARIF_RESULTS + 10 }, (_, i) => finding(i, i < 10 ? 'critical' : i % 2 ? 'low' : 'high', 'a.txt'));
    const warnings: string[] = [];
    const doc = JSON.parse(formatSarif(report(findings), ctx(warnings)));
    const results = doc.runs[0].results;
    expect(results).toHaveLength(MAX_SARIF_RESULTS);
    expect(results.filter((r: { ruleId: string }) => r.ruleId === 'rule-critical')).toHaveLength(10);
    expect(results.filter((r: { ruleId: string }) => r.ruleId === 'rule-high')).toHaveLength(12_500);
    const note = `25010 results exceed GitHub's upload limits (25000 results, 10 MB gzipped per run); the 25000 most severe are kept.`;
    expect(doc.runs[0].invocations[0].toolExecutionNotifications.map((n: { message: { text: string } }) => n.message.text)).toEqual([note]);
    expect(warnings).toEqual([note]);
  });

  it('trims further when the gzipped log would exceed 10 MB', () => {
    // Incompressible paths make each result large: 20,000 x ~1.5 KB of random text is far over 10 MB gzipped.
    const findings = Array.from({ length: 20_000 }, (_, i) => finding(i, 'high', randomBytes(1100).toString('base64')));
    const warnings: string[] = [];
    const text = formatSarif(report(findings), ctx(warnings));
    expect(gzipSync(text).length).toBeLessThanOrEqual(MAX_SARIF_GZIP_BYTES);
    const kept = JSON.parse(text).runs[0].results.length;
    expect(kept).toBeGreaterThan(1000);
    expect(kept).toBeLessThan(20_000);
    expect(warnings).toEqual([`20000 results exceed GitHub's upload limits (25000 results, 10 MB gzipped per run); the ${kept} most severe are kept.`]);
  });
});
