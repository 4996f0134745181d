import type { DocSession } from '../session.js';
import { redactHtml } from './html.js';
import { DocumentError, type FormatHandler } from './types.js';

/**
 * E-mail (RFC 5322 / MIME). The message is handled as bytes (a latin1 string, one char per byte) so
 * that every byte not redacted is written back as it was. Header values are redacted (encoded words
 * decoded first); text parts are decoded (base64, quoted-printable; UTF-8, US-ASCII or ISO-8859-1),
 * redacted and re-encoded the same way; nested messages are walked. Parts that are not text
 * (attachments, images) cannot be checked, so they are not copied: each is replaced by a short
 * text part naming what was removed, and the manifest notes it.
 */
export const emlHandler: FormatHandler = {
  name: 'eml',
  binary: true,
  process(input, doc) {
    const bytes = input as Buffer;
    return { output: Buffer.from(message(bytes.toString('latin1'), doc, '', 0), 'latin1') };
  },
};

const MAX_DEPTH = 8;

interface Header {
  name: string;
  /** The whole field, folded lines and line break included. */
  raw: string;
  nameEnd: number;
}

function splitHead(s: string): { head: string; sep: string; body: string } {
  const m = /\r?\n\r?\n/.exec(s);
  if (!m) return { head: s, sep: '', body: '' };
  return { head: s.slice(0, m.index), sep: m[0], body: s.slice(m.index + m[0].length) };
}

function parseHeaders(head: string): Header[] {
  const out: Header[] = [];
  const lines = head.split(/(?<=\n)/);
  for (const line of lines) {
    if (/^[ \t]/.test(line) && out.length) {
      out[out.length - 1].raw += line;
      continue;
    }
    const colon = line.indexOf(':');
    out.push({ name: colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '', raw: line, nameEnd: colon });
  }
  return out;
}

const headerValue = (hs: Header[], name: string) => {
  const h = hs.find((x) => x.name === name);
  return h ? h.raw.slice(h.nameEnd + 1).replace(/\r?\n[ \t]/g, ' ').trim() : '';
};
const param = (v: string, p: string) => {
  const m = new RegExp(`;\\s*${p}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(v);
  return m ? (m[1] ?? m[2]) : undefined;
};

const latin1ToUtf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8');
const utf8ToLatin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

function decodeWords(v: string, field: string): string | undefined {
  if (!/=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=/.test(v)) return undefined;
  return v
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (_m, cs: string, enc: string, data: string) => {
      const buf = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpDecode(data.replace(/_/g, ' '));
      return wordCharset(buf, cs, field);
    });
}

/**
 * A changed header is written back as UTF-8, so an encoded word may be in any charset the platform
 * reads (windows-1252, ISO-8859-15, Shift_JIS…). One left encoded would hide its text from the
 * redaction and from verification alike (`=?windows-1252?B?…?=` went out as it came): a charset
 * that cannot be read fails the document, as it does for a body.
 */
/**
 * A header parameter (charset, transfer encoding) as an error may quote it. It comes from the
 * document, and errors reach stderr and the manifest: one that could hold a value (`bob@…`, a long
 * token) is described, not quoted.
 */
function label(value: string): string {
  const plausible = value.length <= 40 && /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/.test(value) && !/[A-Za-z0-9]{16}/.test(value);
  return plausible ? `"${value}"` : `of ${value.length} characters (not shown: it could hold personal data)`;
}

function wordCharset(buf: Buffer, cs: string, field: string): string {
  // RFC 2231 lets a language follow the charset: `UTF-8*en`.
  const charset = cs.split('*')[0];
  const known = decodeCharset(buf, charset);
  if (known !== undefined) return known;
  try {
    return new TextDecoder(charset).decode(buf);
  } catch {
    throw new DocumentError(`${field}: unsupported charset ${label(charset)} in an encoded word`);
  }
}

function decodeCharset(buf: Buffer, cs: string | undefined): string | undefined {
  const c = (cs ?? 'us-ascii').toLowerCase();
  if (c === 'utf-8' || c === 'utf8' || c === 'us-ascii' || c === 'ascii') return buf.toString('utf8');
  if (c === 'iso-8859-1' || c === 'latin1' || c === 'latin-1') return buf.toString('latin1');
  return undefined;
}
function encodeCharset(s: string, cs: string | undefined): Buffer {
  const c = (cs ?? 'us-ascii').toLowerCase();
  return c === 'iso-8859-1' || c === 'latin1' || c === 'latin-1' ? Buffer.from(s, 'latin1') : Buffer.from(s, 'utf8');
}

export function qpDecode(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '=') {
      if (s[i + 1] === '\r' && s[i + 2] === '\n') i += 2;
      else if (s[i + 1] === '\n') i += 1;
      else if (/^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
        bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(0x3d);
    } else bytes.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}

export function qpEncode(buf: Buffer, eol: string): string {
  let out = '';
  let line = '';
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === 0x0a) {
      out += line.replace(/[ \t]$/, (m) => `=${m.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`) + eol;
      line = '';
      continue;
    }
    if (b === 0x0d && buf[i + 1] === 0x0a) continue;
    const t = (b >= 33 && b <= 126 && b !== 61) || b === 32 || b === 9 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line.length + t.length > 75) {
      out += `${line}=${eol}`;
      line = '';
    }
    line += t;
  }
  return out + line;
}

function base64Lines(buf: Buffer, eol: string, trailing: string): string {
  const b = buf.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 76) lines.push(b.slice(i, i + 76));
  return lines.join(eol) + trailing;
}

/** The line break a body ends with: inside a multipart, the one before a delimiter belongs to it. */
const trailingBreak = (body: string) => /\r?\n$/.exec(body)?.[0] ?? '';

/** Redacts one message or MIME part: headers, then the body by its content type. */
function message(s: string, doc: DocSession, part: string, depth: number): string {
  if (depth > MAX_DEPTH) throw new DocumentError(`MIME parts nested deeper than ${MAX_DEPTH}`);
  const { head, sep, body } = splitHead(s);
  const headers = parseHeaders(head);
  const eol = /\r\n/.test(head + sep) ? '\r\n' : '\n';
  const type = headerValue(headers, 'content-type') || 'text/plain';
  const mime = type.split(';')[0].trim().toLowerCase();
  const cte = headerValue(headers, 'content-transfer-encoding').toLowerCase() || '7bit';
  const where = part || 'body';
  const nested = mime === 'message/rfc822' && (cte === '7bit' || cte === '8bit' || cte === 'binary');
  // A part that is not text is replaced whole, its headers too: they are not redacted (and counted
  // in the manifest) for an output that does not hold them.
  const kept = !sep || mime.startsWith('multipart/') || nested || mime.startsWith('text/');
  const outHead = kept ? headers.map((h) => redactHeader(h, doc, part)).join('') : '';
  if (!sep) return outHead;
  if (mime.startsWith('multipart/')) {
    const boundary = param(type, 'boundary');
    if (!boundary) throw new DocumentError(`${where}: multipart without a boundary`);
    return outHead + sep + multipart(body, boundary, doc, part, depth);
  }
  if (nested) {
    return outHead + sep + message(body, doc, `${part}${part ? '.' : ''}msg`, depth + 1);
  }
  if (mime.startsWith('text/')) {
    const charset = param(type, 'charset');
    // A body in another transfer encoding (x-uuencode in old archives) would be read, and verified,
    // still encoded: what it holds would pass unread.
    if (!['7bit', '8bit', 'binary', 'base64', 'quoted-printable'].includes(cte)) throw new DocumentError(`${where}: unsupported Content-Transfer-Encoding ${label(cte)}`);
    let raw: Buffer;
    if (cte === 'base64') raw = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    else if (cte === 'quoted-printable') raw = qpDecode(body);
    else raw = Buffer.from(body, 'latin1');
    const text = decodeCharset(raw, charset);
    if (text === undefined) throw new DocumentError(`${where}: unsupported charset ${label(charset ?? "")}`);
    // An HTML body is a page: redacted as one (character references decoded, replacements escaped),
    // or `jane&#64;example.com` would pass as text and `<EMAIL_8f3a2c>` would land in it as a tag.
    const r = mime === 'text/html' ? htmlPart(text, doc, where) : doc.redact(text, { field: where });
    if (!r.changed) {
      if (cte === 'base64' || cte === 'quoted-printable') doc.verifyTexts.push(text);
      return outHead + sep + body;
    }
    const enc = encodeCharset(r.text, charset);
    let outBody: string;
    if (cte === 'base64') outBody = base64Lines(enc, eol, trailingBreak(body));
    else if (cte === 'quoted-printable') outBody = qpEncode(enc, eol) + (trailingBreak(body) && !/\r?\n$/.test(r.text) ? trailingBreak(body) : '');
    else outBody = enc.toString('latin1');
    if (cte === 'base64' || cte === 'quoted-printable') doc.verifyTexts.push(r.text);
    return outHead + sep + outBody;
  }
  // Not text: cannot be checked, so it is not copied.
  const name = param(headerValue(headers, 'content-disposition'), 'filename') ?? param(type, 'name') ?? '';
  // A file name can hold personal data (`scan for ann@example.com.pdf`): the manifest's note and the
  // part left in its place both name the file redacted.
  const shown = name ? ` "${doc.redact(latin1ToUtf8(name), { field: where }).text}"` : '';
  doc.notes.push(`${where}: removed ${mime} part${shown} (not text, cannot be checked)`);
  const note = `[attachment removed by spillguard: ${mime}${shown}]`;
  return `Content-Type: text/plain; charset=utf-8${eol}Content-Transfer-Encoding: 8bit${eol}${eol}${utf8ToLatin1(note)}${trailingBreak(body)}`;
}

function htmlPart(text: string, doc: DocSession, where: string): { text: string; changed: boolean } {
  const out = redactHtml(text, doc, { field: where }, false);
  return { text: out, changed: out !== text };
}

function redactHeader(h: Header, doc: DocSession, part: string): string {
  if (!h.name || h.nameEnd < 0) return h.raw;
  const field = `${part ? `${part}:` : ''}${h.name}`;
  const valueRaw = h.raw.slice(h.nameEnd + 1);
  const words = decodeWords(latin1ToUtf8(valueRaw), field);
  if (words !== undefined) {
    const r = doc.redact(words, { field });
    if (!r.changed) return h.raw;
    const eol = /\r\n$/.test(h.raw) ? '\r\n' : /\n$/.test(h.raw) ? '\n' : '';
    const v = r.text.trim();
    const enc = /^[\x20-\x7e]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`;
    return `${h.raw.slice(0, h.nameEnd)}: ${enc}${eol}`;
  }
  const text = latin1ToUtf8(valueRaw);
  const r = doc.redact(text, { field });
  if (!r.changed) return h.raw;
  return h.raw.slice(0, h.nameEnd + 1) + utf8ToLatin1(r.text);
}

function multipart(body: string, boundary: string, doc: DocSession, part: string, depth: number): string {
  const delim = `--${boundary}`;
  const out: string[] = [];
  // Split at delimiter lines, keeping them (and the preamble and epilogue) as they are.
  const re = new RegExp(`(^|\\r?\\n)${delim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  let last = 0;
  let index = 0;
  let closed = false;
  let m: RegExpExecArray | null;
  let inPart = false;
  while ((m = re.exec(body))) {
    const chunk = body.slice(last, m.index);
    if (!inPart) out.push(doc.redact(latin1ToUtf8(chunk), { field: `${part || 'body'}:preamble` }).changed ? '' : chunk);
    else out.push(message(chunk.replace(/^\r?\n/, (x) => (out.push(x), '')), doc, `${part}${part ? '.' : ''}${++index}`, depth + 1));
    out.push(m[0]);
    last = m.index + m[0].length;
    inPart = true;
    if (m[2]) {
      closed = true;
      break;
    }
  }
  if (!closed) throw new DocumentError(`${part || 'body'}: multipart without its closing boundary`);
  const epilogue = body.slice(last);
  out.push(doc.redact(latin1ToUtf8(epilogue), { field: `${part || 'body'}:epilogue` }).changed ? '' : epilogue);
  return out.join('');
}
