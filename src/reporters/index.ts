import type { Report, ReportContext } from './context.js';
import { formatJson, formatJsonl } from './json.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';
import { formatJunit } from './junit.js';
import { formatGitlab } from './gitlab.js';
import type { Format } from './formats.js';

export { FORMATS, type Format } from './formats.js';

export function format(fmt: Format, report: Report, ctx: ReportContext): string {
  switch (fmt) {
    case 'text':
      return formatText(report, ctx);
    case 'json':
      return formatJson(report, ctx);
    case 'jsonl':
      return formatJsonl(report, ctx);
    case 'sarif':
      return formatSarif(report, ctx);
    case 'junit':
      return formatJunit(report, ctx);
    case 'gitlab':
      return formatGitlab(report, ctx);
  }
}

export type { Report, ReportContext } from './context.js';
export { mask } from './mask.js';
