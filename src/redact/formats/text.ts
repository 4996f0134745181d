import { replaceMapped } from '../../engine/decode.js';
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

/** A Markdown backslash escape: any ASCII punctuation character (CommonMark). */
const MD_ESCAPE = /\\([!-/:-@[-`{-~])/g;

/** Backslash escapes removed, with map[i] the raw offset of decoded offset i (length text.length + 1). */
export function decodeMarkdownEscapes(raw: string): { text: string; map: number[] } | undefined {
  if (!raw.includes('\\')) return undefined;
  const dec = replaceMapped(raw, MD_ESCAPE, (m) => m[1]);
  return dec.text.length === raw.length ? undefined : dec;
}

/**
 * Markdown written from HTML (turndown, markdownify) escapes `_` and `*` in prose: `jane\_doe@…`,
 * `sk\_live\_…` read as the address and the key once rendered, but matched neither raw. Such a
 * document is read with its escapes removed, replacements go into the raw text, and its output is
 * verified both as written and as rendered.
 */
export const markdownHandler: FormatHandler = {
  name: 'md',
  process(input, doc) {
    const raw = input as string;
    const dec = decodeMarkdownEscapes(raw);
    if (!dec) return textHandler.process(input, doc, {});
    const out = doc.redact(dec.text, {}, { base: 0, raw, map: dec.map, track: true }).text;
    doc.verifyTexts.push(decodeMarkdownEscapes(out)?.text ?? out);
    return { output: out };
  },
};
