import type { Finding } from '../../engine/types.js';
import { jsonReason } from '../../errors.js';
import type { DocSession } from '../session.js';
import { Cursor, within } from './relocate.js';
import type { Where } from '../types.js';
import { bomLength, DocumentError, type FormatHandler, type FormatOptions } from './types.js';

/** `text` → `/text`; pointers stay pointers (RFC 6901). */
export function toPointer(field: string): string {
  return field.startsWith('/') || field === '' ? field : `/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

const escSeg = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

/** A value is selected when its pointer is one of the fields or lies under one. */
export function selector(fields: string[] | undefined): ((pointer: string) => boolean) | undefined {
  if (!fields?.length) return undefined;
  const ps = fields.map(toPointer);
  return (p) => ps.some((s) => p === s || s === '' || p.startsWith(`${s}/`));
}

/** Whether an RFC 6901 pointer names a value (of any type, `null` too) in a parsed JSON value. */
export function pointerExists(value: unknown, pointer: string): boolean {
  if (pointer === '') return true;
  if (!pointer.startsWith('/')) return false;
  let v = value;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(v)) {
      if (!/^(0|[1-9]\d*)$/.test(seg) || Number(seg) >= v.length) return false;
      v = v[Number(seg)];
    } else if (v !== null && typeof v === 'object') {
      if (!Object.prototype.hasOwnProperty.call(v, seg)) return false;
      v = (v as Record<string, unknown>)[seg];
    } else return false;
  }
  return true;
}

/**
 * Which `--field` selectors named a value in at least one record. A selector that named none chose
 * nothing to redact: with a typo (`--field txt`), every record would go out as it came in. Callers
 * report it, as `--columns` reports a column that is not there.
 */
export class FieldMatches {
  /** JSON records seen. */
  records = 0;
  private readonly pointers: string[];
  private readonly matched: boolean[];
  private pending: number;
  constructor(readonly fields: readonly string[]) {
    this.pointers = fields.map(toPointer);
    this.matched = fields.map(() => false);
    this.pending = fields.length;
  }
  /** One parsed record. */
  note(value: unknown): void {
    this.records++;
    if (!this.pending) return;
    for (let k = 0; k < this.pointers.length; k++)
      if (!this.matched[k] && pointerExists(value, this.pointers[k])) (this.matched[k] = true), this.pending--;
  }
  /** The selectors, as given, that named no value in any record (none when there was no record). */
  unmatched(): string[] {
    return this.records ? this.fields.filter((_, k) => !this.matched[k]) : [];
  }
  /** `--field txt matched no field in any of 3 records: nothing was redacted`, or undefined when all matched. */
  problem(where: 'records' | 'document'): string | undefined {
    const miss = this.unmatched();
    if (!miss.length) return undefined;
    const scope = where === 'document' ? 'in the document' : this.records === 1 ? 'in the one record' : `in any of ${this.records} records`;
    const tail = miss.length === this.fields.length ? 'nothing was redacted' : `nothing was redacted under ${miss.length === 1 ? 'it' : 'them'}`;
    return `${miss.map((f) => `--field ${f}`).join(', ')} matched no field ${scope}: ${tail}`;
  }
}

interface Frame {
  arr: boolean;
  index: number;
  key: string;
  expectKey: boolean;
}

/**
 * Redacts the string values of one JSON text in place: keys, numbers, whitespace and every byte of
 * an unselected value stay as they were; only a changed string is re-encoded. `src` must be valid
 * JSON (the caller parsed it first), after a byte-order mark, which the loop passes over as it
 * passes over whitespace.
 */
export function redactJsonText(
  src: string,
  doc: DocSession,
  where: Where,
  select?: (p: string) => boolean,
  raw?: { findings: Finding[] | Cursor; base: number },
): { text: string; dropRecord: boolean; edits: number[] } {
  const stack: Frame[] = [];
  const out: string[] = [];
  // Changed values as [start, end, new length] in raw offsets (`raw.base` added), for verification.
  const edits: number[] = [];
  const cursor = raw && raw.findings instanceof Cursor ? raw.findings : undefined;
  let last = 0;
  let dropRecord = false;
  const n = src.length;
  /** The pointer of the value being read, or of one of the frames enclosing it (`depth` frames deep). */
  const pointer = (depth = stack.length) =>
    stack
      .slice(0, depth)
      .map((f) => escSeg(f.arr ? f.index : f.key))
      .join('/')
      .replace(/^(?=.)/, '/');
  /**
   * The value at src[from, to) (a string with its quotes, or a number), decoded to `value`: redacted
   * when chosen, and replaced by the redacted text as a JSON string when it changed.
   */
  const redactValue = (from: number, to: number, value: string, escaped: boolean) => {
    const quoted = src.charCodeAt(from) === 0x22;
    const [vs, ve] = quoted ? [from + 1, to - 1] : [from, to];
    // A value without escapes is exactly its raw text: when the raw scan found nothing in it, nothing changes.
    if (!select && !escaped && cursor && !cursor.has(raw!.base + vs, raw!.base + ve)) return;
    const p = pointer();
    if (select && !select(p)) return;
    const extra = raw ? within(raw.findings, raw.base + vs, raw.base + ve, value, false, escaped ? jsonStringMap(src, vs, ve) : undefined) : undefined;
    // A value without escapes is exactly its raw text, which the raw scan covered.
    const r = doc.redact(value, { ...where, field: p }, { extra, engine: raw ? 'redact' : 'main', scan: !raw || escaped });
    if (select) doc.verifyTexts.push(r.text);
    if (r.dropRecord) dropRecord = true;
    if (!r.changed) return;
    const enc = JSON.stringify(r.text);
    out.push(src.slice(last, from), enc);
    if (raw) edits.push(raw.base + from, raw.base + to, enc.length);
    last = to;
  };
  for (let i = 0; i < n; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < n; j++) {
        const d = src.charCodeAt(j);
        if (d === 0x5c) j++, (escaped = true);
        else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top && !top.arr && top.expectKey) {
        top.key = escaped ? (JSON.parse(src.slice(i, j + 1)) as string) : src.slice(i + 1, j);
        top.expectKey = false;
        // Keys are never rewritten, and verification reads the raw output, where escapes can hide a
        // value (`"a\u0040example.com"`): the decoded key is what a reader gets, so it is verified too.
        // Under --field only the chosen values are verified: a key of an object chosen whole
        // (`--field /meta`, `{"meta":{"bob@…":1}}`) is part of what was chosen, and is verified
        // whether escaped or not (the key naming the field itself is not: the user named it).
        if (select ? select(pointer(stack.length - 1)) : escaped) doc.verifyTexts.push(top.key);
      } else {
        redactValue(i, j + 1, escaped ? (JSON.parse(src.slice(i, j + 1)) as string) : src.slice(i + 1, j), escaped);
      }
      i = j;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      // A number can be personal data too (`"card": 4111111111111111`). It cannot hold a tag, so a
      // number a rule finds becomes a JSON string of its redacted digits; every other stays as it is.
      let j = i + 1;
      while (j < n && /[-+.eE0-9]/.test(src[j])) j++;
      redactValue(i, j, src.slice(i, j), false);
      i = j - 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ arr: c === 0x5b, index: 0, key: '', expectKey: c === 0x7b });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top) top.arr ? top.index++ : (top.expectKey = true);
    }
  }
  if (last === 0) return { text: src, dropRecord, edits };
  out.push(src.slice(last));
  return { text: out.join(''), dropRecord, edits };
}

function parseOrFail(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DocumentError(`${what}: invalid JSON: ${jsonReason(e)}`);
  }
}

/** `.json`: string values (keys untouched), optionally only under `--field` pointers. */
export const jsonHandler: FormatHandler = {
  name: 'json',
  process(input, doc, opts: FormatOptions) {
    const src = input as string;
    const value = parseOrFail(src.slice(bomLength(src)), 'document');
    if (opts.fields?.length) {
      // A selector naming nothing in the document would let it go out unredacted: it fails, as --columns does.
      const fields = new FieldMatches(opts.fields);
      fields.note(value);
      const problem = fields.problem('document');
      if (problem) throw new DocumentError(problem);
    }
    doc.ownEscapes = 'js-escape';
    const findings = new Cursor(doc.rawFindings(src));
    if (opts.fields?.length) doc.verifyScoped = true;
    const r = redactJsonText(src, doc, {}, selector(opts.fields), { findings, base: 0 });
    for (let k = 0; k < r.edits.length; k += 3) doc.edit(r.edits[k], r.edits[k + 1], r.edits[k + 2]);
    return { output: r.text };
  },
};

/**
 * `.jsonl`: each line a record, in order; a `drop-record` finding leaves its record out (counted).
 * Blank lines pass through. A line that is not JSON fails the document: writing it redacted as text
 * would hand the next stage a record it cannot parse. So does a `--field` that names no value in any
 * record: it chose nothing, and the document would go out unredacted.
 */
export const jsonlHandler: FormatHandler = {
  name: 'jsonl',
  process(input, doc, opts: FormatOptions) {
    const src = input as string;
    const select = selector(opts.fields);
    doc.ownEscapes = 'js-escape';
    const findings = new Cursor(doc.rawFindings(src));
    if (select) doc.verifyScoped = true;
    const fields = opts.fields?.length ? new FieldMatches(opts.fields) : undefined;
    const out: string[] = [];
    let records = 0;
    // The first record starts after a byte-order mark, which goes out with the first copied stretch.
    let pos = bomLength(src);
    let line = 0;
    // Unchanged stretches of lines are copied as one slice.
    let copied = 0;
    while (pos < src.length) {
      const nl = src.indexOf('\n', pos);
      const end = nl < 0 ? src.length : nl + 1;
      line++;
      const start = pos;
      const bodyEnd = nl < 0 ? end : nl > start && src.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      pos = end;
      if (!/\S/.test(src.slice(start, bodyEnd))) continue;
      const body = src.slice(start, bodyEnd);
      const value = parseOrFail(body, `line ${line}`);
      fields?.note(value);
      const r = redactJsonText(body, doc, { record: line }, select, { findings, base: start });
      if (r.dropRecord) {
        doc.droppedRecords++;
        doc.edit(start, end, 0);
        out.push(src.slice(copied, start));
        copied = end;
        continue;
      }
      records++;
      if (r.text === body) continue;
      for (let k = 0; k < r.edits.length; k += 3) doc.edit(r.edits[k], r.edits[k + 1], r.edits[k + 2]);
      out.push(src.slice(copied, start), r.text);
      copied = bodyEnd;
    }
    const problem = fields?.problem('records');
    if (problem) throw new DocumentError(problem);
    if (copied === 0) return { output: src, records };
    out.push(src.slice(copied));
    return { output: out.join(''), records };
  },
};

/** For a JSON string's content src[from, to): map[k] = raw offset (from `from`) of decoded offset k. */
export function jsonStringMap(src: string, from: number, to: number): number[] {
  const map: number[] = [];
  for (let i = from; i < to; ) {
    if (src.charCodeAt(i) !== 0x5c) {
      map.push(i - from);
      i++;
    } else if (src[i + 1] === 'u') {
      map.push(i - from);
      i += 6;
    } else {
      map.push(i - from);
      i += 2;
    }
  }
  map.push(to - from);
  return map;
}
