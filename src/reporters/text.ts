import type { Finding, Severity } from '../engine/types.js';
import { SEVERITIES } from '../engine/types.js';
import type { Report, ReportContext } from './context.js';
import { shown } from './mask.js';

const COLORS: Record<Severity, string> = { critical: '1;31', high: '31', medium: '33', low: '36', info: '2' };

/**
 * A path as one line can show it: one holding a line break or another control character is quoted
 * and escaped (`"a\nb.txt"`, as git does), so a file name cannot forge report lines.
 */
// eslint-disable-next-line no-control-regex
export const quotePath = (p: string): string => (/[\x00-\x1f\x7f\u2028\u2029]/.test(p) ? JSON.stringify(p) : p);

export function location(f: Finding): string {
  const o = f.origin;
  let where = quotePath(o.member ? `${o.path}!${o.member}` : o.path);
  if (o.commit) where = `${o.commit.slice(0, 12)}:${where}`;
  if (o.record !== undefined) where += `#${o.record}${o.field ? o.field : ''}`;
  return `${where}:${f.span.line}:${f.span.column}`;
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** For people: one line per finding, then the summary. Colour only when asked (a TTY without NO_COLOR). */
export function formatText(report: Report, ctx: ReportContext): string {
  const paint = (code: string, s: string) => (ctx.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  for (const f of report.findings) {
    const extra = [
      f.confidence !== 'medium' ? `confidence ${f.confidence}` : '',
      f.test ? 'test value' : '',
      f.origin.decoded ? `decoded: ${f.origin.decoded}` : '',
      // A source map's source names are the bundle author's: quoted as the paths are.
      f.original ? `from ${quotePath(f.original.path)}:${f.original.line}:${f.original.column}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `${paint('1', location(f))}  ${paint(COLORS[f.severity], f.severity)}  ${f.ruleId}  ${shown(f.secret, ctx.showSecrets, f.kind)}` +
        (extra ? `  (${extra})` : ''),
    );
    // Findings on very long lines (bundles) carry a short window with every secret in it masked.
    if (f.snippet) lines.push(paint('2', `    ${f.snippet}`));
    // An author's name is whoever made the commit: escape sequences or a carriage return in it could
    // redraw the terminal over the finding above. Quoted as paths are.
    if (f.origin.commit) lines.push(`    commit ${f.origin.commit.slice(0, 12)} by ${quotePath(f.origin.author ?? '?')} on ${f.origin.date ?? '?'}`);
  }
  if (ctx.explain) for (const d of report.suppressed) lines.push(paint('2', `suppressed ${location(d.finding)}  ${d.finding.ruleId}: ${d.reason}`));
  for (const s of report.skipped) if (ctx.explain) lines.push(paint('2', `skipped ${quotePath(s.path)}: ${s.reason}`));
  for (const e of report.errors) lines.push(paint('31', `error: ${quotePath(e.path)}: ${e.message}`));
  for (const b of report.unused?.baseline ?? []) lines.push(`unused baseline entry: ${b.ruleId} in ${b.path} (${b.fingerprint})`);
  for (const m of report.unused?.inline ?? []) lines.push(`unused inline ignore: ${m.path}:${m.line} (${m.marker})`);
  lines.push(summaryLine(report));
  return lines.join('\n') + '\n';
}

export function summaryLine(report: Report): string {
  const n = report.findings.length;
  const bySev = SEVERITIES.map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, c]) => c > 0)
    .map(([s, c]) => `${c} ${s}`)
    .join(', ');
  const head = n === 0 ? 'no findings' : `${n} finding${n === 1 ? '' : 's'} (${bySev})`;
  const { files, bytes } = report.stats;
  const parts = [
    `${head} in ${files} file${files === 1 ? '' : 's'} (${humanBytes(bytes)})`,
    `${report.suppressed.length} suppressed`,
    `${report.skipped.length} skipped`,
    `${report.errors.length} error${report.errors.length === 1 ? '' : 's'}`,
  ];
  return parts.join(', ');
}
