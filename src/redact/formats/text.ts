import type { FormatHandler } from './types.js';

/**
 * Plain text and Markdown. Markdown needs no parser to keep its structure: only the secret's own
 * characters are replaced, so headings, tables, links and code fences stay byte for byte (and a
 * secret inside a fence is redacted like any other).
 */
export const textHandler: FormatHandler = {
  name: 'txt',
  process(input, doc) {
    const text = input as string;
    return { output: doc.redact(text, {}, { base: 0, whole: true, track: true }).text };
  },
};

export const markdownHandler: FormatHandler = { ...textHandler, name: 'md' };
