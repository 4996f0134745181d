import type { DocSession } from '../session.js';

export interface FormatOptions {
  /** JSON / JSONL: only string values at or under these JSON pointers (`text` means `/text`). */
  fields?: string[];
  /** CSV / TSV: only these columns (header names or 1-based numbers). */
  columns?: string[];
  /** CSV / TSV: the first row is a header, passed through untouched (default true). */
  header?: boolean;
}

export interface FormatResult {
  /** Text is written as UTF-8; a Buffer as is (e-mail keeps its bytes). */
  output: string | Buffer;
  /** Records written and records left out (JSONL, CSV). */
  records?: number;
}

export interface FormatHandler {
  name: string;
  /** The input is binary by nature (pdf, docx, eml bytes): no text decoding, no NUL sniffing. */
  binary?: boolean;
  /** Appended to the output file name: `report.pdf` → `report.pdf.txt`. */
  outputSuffix?: string;
  process(input: string | Buffer, doc: DocSession, opts: FormatOptions): Promise<FormatResult> | FormatResult;
}

/**
 * Length of a leading UTF-8 byte-order mark (which Windows editors and Excel write): 1 or 0. It is
 * no part of the first JSON value or CSV cell, so parsers start after it; the output keeps it, as
 * the text formats do, so an unchanged document stays byte for byte the same.
 */
export const bomLength = (text: string): number => (text.charCodeAt(0) === 0xfeff ? 1 : 0);

/** A user error in one document (bad JSON, an unterminated quote): the document fails, the run goes on. */
export class DocumentError extends Error {
  override name = 'DocumentError';
}
