import path from 'node:path';
import { csvHandler, tsvHandler } from './csv.js';
import { emlHandler } from './eml.js';
import { docxHandler, pdfHandler } from './extract.js';
import { htmlHandler } from './html.js';
import { jsonHandler, jsonlHandler } from './json.js';
import { markdownHandler, textHandler } from './text.js';
import type { FormatHandler } from './types.js';

export const HANDLERS: Record<string, FormatHandler> = {
  txt: textHandler,
  md: markdownHandler,
  html: htmlHandler,
  json: jsonHandler,
  jsonl: jsonlHandler,
  csv: csvHandler,
  tsv: tsvHandler,
  eml: emlHandler,
  pdf: pdfHandler,
  docx: docxHandler,
};

const EXTENSIONS: Record<string, string> = {
  '.txt': 'txt', '.text': 'txt', '.log': 'txt',
  '.md': 'md', '.markdown': 'md', '.mdx': 'md',
  '.html': 'html', '.htm': 'html', '.xhtml': 'html',
  '.json': 'json',
  '.jsonl': 'jsonl', '.ndjson': 'jsonl',
  '.csv': 'csv', '.tsv': 'tsv',
  '.eml': 'eml',
  '.pdf': 'pdf', '.docx': 'docx',
};

/** The handler for a path by its extension, or undefined (the file is then skipped, and listed). */
export function formatOf(file: string): string | undefined {
  return EXTENSIONS[path.extname(file).toLowerCase()];
}

export type { FormatHandler, FormatOptions, FormatResult } from './types.js';
export { DocumentError } from './types.js';
