import type { Report, ReportContext } from './context.js';

export const FORMATS = ['text', 'json', 'jsonl', 'sarif', 'junit', 'gitlab'] as const;
export type Format = (typeof FORMATS)[number];

export type Formatter = (report: Report, ctx: ReportContext) => string;

/**
 * The reporter of one format, loaded alone: the CLI prints one format per run, and a pre-commit hook
 * should not load the SARIF, JUnit and GitLab reporters (and zlib) to print text. `format()` in
 * index.ts is the same switch, synchronous, for the library.
 */
export async function loadFormatter(fmt: Format): Promise<Formatter> {
  switch (fmt) {
    case 'text':
      return (await import('./text.js')).formatText;
    case 'json':
      return (await import('./json.js')).formatJson;
    case 'jsonl':
      return (await import('./json.js')).formatJsonl;
    case 'sarif':
      return (await import('./sarif.js')).formatSarif;
    case 'junit':
      return (await import('./junit.js')).formatJunit;
    case 'gitlab':
      return (await import('./gitlab.js')).formatGitlab;
  }
}
