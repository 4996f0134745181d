import type { Finding } from '../engine/types.js';
import { mask } from './mask.js';

/** GitHub's workflow-command escaping: data and properties escape differently. */
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** A `::warning file=…::message` line for a whole file. */
export function githubFileWarning(file: string, title: string, message: string): string {
  return `::warning file=${prop(file)},title=${prop(title)}::${data(message)}\n`;
}

/**
 * `::error file=…,line=…::message` lines that GitHub Actions turns into annotations on the diff.
 * The message carries the masked secret only.
 */
export function githubAnnotations(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const level = f.severity === 'critical' || f.severity === 'high' ? 'error' : f.severity === 'medium' ? 'warning' : 'notice';
      const props = [
        `file=${prop(f.origin.path)}`,
        `line=${f.span.line}`,
        `endLine=${f.span.endLine}`,
        `col=${f.span.column}`,
        ...(f.span.endLine === f.span.line ? [`endColumn=${f.span.endColumn}`] : []),
        `title=${prop(`spillguard: ${f.ruleId}`)}`,
      ];
      const commit = f.origin.commit ? ` (introduced in ${f.origin.commit.slice(0, 12)})` : '';
      return `::${level} ${props.join(',')}::${data(`${f.description} found: ${mask(f.secret, f.kind)}${commit}`)}\n`;
    })
    .join('');
}
