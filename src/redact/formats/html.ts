import type { DocSession } from '../session.js';
import type { Where } from '../types.js';
import { Cursor, within } from './relocate.js';
import type { FormatHandler } from './types.js';
import { HTML_NAMED, HTML_REFERENCE, replaceMapped, unescapeRun } from '../../engine/decode.js';

/** Decodes character references, keeping for each decoded offset the raw offset it came from. */
export function decodeEntities(raw: string): { text: string; map: number[] | undefined } {
  if (!raw.includes('&')) return { text: raw, map: undefined };
  return replaceMapped(raw, HTML_REFERENCE, (m) => {
    if (m[3] !== undefined) return HTML_NAMED[m[3]];
    const cp = parseInt(m[1] ?? m[2], m[1] ? 10 : 16);
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : undefined;
  });
}

/** A character reference as the scan's decoder reads one (engine/decode.ts). */
const HAS_ENTITY = /&(?:#\d|#[xX][0-9A-Fa-f]|[A-Za-z]{2,8};)/;
const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => escText(s).replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * HTML: text nodes, comments, script and style contents and every attribute value (`href="mailto:…"`,
 * `title`, `alt`, `content`, `data-*`…) are redacted; tag names, attribute names and the rest of the
 * markup are kept byte for byte. Character references are decoded for matching (`bob&#64;example.com`
 * is an address) and replacements are escaped for where they land.
 */
export const htmlHandler: FormatHandler = {
  name: 'html',
  process(input, doc) {
    const src = input as string;
    return { output: redactHtml(src, doc) };
  },
};

/**
 * The page's markup redacted. `where` and `track` are for a page inside another document (an e-mail's
 * text/html part): its records name the part, and its offsets are not the document's.
 */
export function redactHtml(src: string, doc: DocSession, where: Where = {}, track = true): string {
  const out: string[] = [];
  // Segments are read with their character references decoded (decodeEntities): the raw scan leaves them be.
  doc.ownEscapes = 'html-entity';
  const n = src.length;
  doc.outShift = 0;
  // One scan of the raw page (with markup, so context rules see labels and keys; injection rules
  // see hidden styles); segments are scanned on their own only where entities make them differ.
  const rawFindings = new Cursor(doc.rawFindings(src, where));
  const seg = (from: number, to: number, esc: (s: string) => string, decode = true) => {
    if (to <= from) return;
    // Nothing found in it by the raw scan and no character reference to decode: it stays as it is.
    if (!rawFindings.has(from, to)) {
      const amp = src.indexOf('&', from);
      if (amp < 0 || amp >= to) {
        out.push(src.slice(from, to));
        return;
      }
    }
    const raw = src.slice(from, to);
    if (!decode) {
      const extra = within(rawFindings, from, to, raw, false);
      // Not decoded for the page, but a scan reads character references anywhere (`<!-- bob&#64;… -->`),
      // and the raw scan leaves them to the segments: one that holds some is scanned on its own.
      const scan = HAS_ENTITY.test(raw);
      out.push(doc.redact(raw, where, { base: from, engine: 'redact', extra, scan, track }).text);
      return;
    }
    const { text, map } = decodeEntities(raw);
    const extra = within(rawFindings, from, to, text, false, map);
    out.push(doc.redact(text, where, { base: from, engine: 'redact', raw, map, escape: esc, extra, scan: map !== undefined, track }).text);
  };
  let i = 0;
  while (i < n) {
    const lt = src.indexOf('<', i);
    if (lt < 0) {
      seg(i, n, escText);
      break;
    }
    if (src.startsWith('<!--', lt)) {
      seg(i, lt, escText);
      const end = src.indexOf('-->', lt + 4);
      const stop = end < 0 ? n : end;
      out.push('<!--');
      seg(lt + 4, stop, (s) => s, false);
      out.push(src.slice(stop, end < 0 ? n : end + 3));
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (src.startsWith('<![CDATA[', lt)) {
      seg(i, lt, escText);
      const end = src.indexOf(']]>', lt + 9);
      const stop = end < 0 ? n : end;
      out.push('<![CDATA[');
      seg(lt + 9, stop, (s) => s, false);
      out.push(src.slice(stop, end < 0 ? n : end + 3));
      i = end < 0 ? n : end + 3;
      continue;
    }
    const tm = /^<(\/?)([A-Za-z][A-Za-z0-9:-]*)/.exec(src.slice(lt, lt + 64));
    if (!tm && (src[lt + 1] === '!' || src[lt + 1] === '?')) {
      seg(i, lt, escText);
      const end = src.indexOf('>', lt);
      const stop = end < 0 ? n : end + 1;
      out.push(src.slice(lt, stop));
      i = stop;
      continue;
    }
    if (!tm) {
      // A lone "<" is text.
      seg(i, lt + 1, escText);
      i = lt + 1;
      continue;
    }
    seg(i, lt, escText);
    const tagEnd = tag(src, lt + tm[0].length, out, seg);
    out.splice(out.length, 0);
    i = tagEnd;
    const name = tm[2].toLowerCase();
    if (!tm[1] && (name === 'script' || name === 'style') && src[tagEnd - 2] !== '/') {
      // Case-insensitive search from here (lower-casing the whole page for each script was quadratic).
      const closeRe = name === 'script' ? /<\/script/gi : /<\/style/gi;
      closeRe.lastIndex = tagEnd;
      const close = closeRe.exec(src)?.index ?? -1;
      const stop = close < 0 ? n : close;
      const before = out.length;
      seg(tagEnd, stop, (s) => s, false);
      // A script's string escapes hide a value from the raw scan ("eve\u0040example.com"): what the
      // script means is verified too, so such a value fails the document instead of passing.
      if (name === 'script') {
        const emitted = out.slice(before).join('');
        if (emitted.includes('\\')) {
          const meant = unescapeRun(emitted, 'js-escape');
          if (meant !== emitted) doc.verifyTexts.push(meant);
        }
      }
      i = stop;
    }
  }
  return out.join('');
}

/** Copies a start or end tag, redacting attribute values; returns the offset after its `>`. */
function tag(src: string, from: number, out: string[], seg: (a: number, b: number, esc: (s: string) => string) => void): number {
  const n = src.length;
  // The "<name" part.
  let start = src.lastIndexOf('<', from);
  out.push(src.slice(start, from));
  let i = from;
  while (i < n) {
    const c = src[i];
    if (c === '>') {
      out.push('>');
      return i + 1;
    }
    if (c === '=') {
      out.push('=');
      i++;
      while (i < n && /\s/.test(src[i])) out.push(src[i++]);
      const q = src[i];
      if (q === '"' || q === "'") {
        const end = src.indexOf(q, i + 1);
        const stop = end < 0 ? n : end;
        out.push(q);
        seg(i + 1, stop, escAttr);
        if (end >= 0) out.push(q);
        i = end < 0 ? n : end + 1;
      } else {
        start = i;
        while (i < n && !/[\s>]/.test(src[i])) i++;
        seg(start, i, (s) => escAttr(s).replace(/[\s`=]/g, (ch) => `&#${ch.charCodeAt(0)};`));
      }
      continue;
    }
    // Up to the next "=" or ">" everything is copied as it is.
    let j = i + 1;
    while (j < n && src.charCodeAt(j) !== 0x3e && src.charCodeAt(j) !== 0x3d) j++;
    out.push(src.slice(i, j));
    i = j;
  }
  return n;
}
