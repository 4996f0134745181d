import type { Report, ReportContext } from './context.js';
import { shown } from './mask.js';
import { shownFingerprint } from '../engine/fingerprint.js';
import { location } from './text.js';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(
    // XML 1.0 cannot hold most control characters, even escaped.
    /[\x00-\x08\x0b\x0c\x0e-\x1f]/g,
    '\uFFFD',
  );

/**
 * JUnit XML for CI systems that display test reports: each finding is a failed test case named
 * after its rule and location, each unreadable file an errored one; a clean scan is one passing case.
 */
export function formatJunit(report: Report, ctx: ReportContext): string {
  const cases: string[] = [];
  for (const f of report.findings) {
    const where = location(f);
    const msg = `${f.description} found: ${shown(f.secret, ctx.showSecrets, f.kind)}`;
    const fp = shownFingerprint(f, ctx.fingerprintKey);
    const body = `${where} ${f.severity} ${f.ruleId} (confidence ${f.confidence}${fp ? `, fingerprint ${fp}` : ''})`;
    cases.push(
      `    <testcase classname="${esc(f.origin.path)}" name="${esc(`${f.ruleId} at ${where}`)}" file="${esc(f.origin.path)}" line="${f.span.line}">\n` +
        `      <failure type="${esc(f.ruleId)}" message="${esc(msg)}">${esc(body)}</failure>\n` +
        '    </testcase>',
    );
  }
  for (const e of report.errors)
    cases.push(`    <testcase classname="${esc(e.path)}" name="${esc(`read ${e.path}`)}">\n      <error message="${esc(e.message)}"/>\n    </testcase>`);
  if (cases.length === 0) cases.push('    <testcase classname="spillguard" name="no secrets found"/>');
  const tests = Math.max(1, report.findings.length + report.errors.length);
  const attrs = `tests="${tests}" failures="${report.findings.length}" errors="${report.errors.length}"`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="spillguard" ${attrs}>\n` +
    `  <testsuite name="spillguard" ${attrs} skipped="0">\n` +
    cases.join('\n') +
    '\n  </testsuite>\n</testsuites>\n'
  );
}
