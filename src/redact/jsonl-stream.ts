import { Transform, type TransformCallback } from 'node:stream';
import { FieldMatches, redactJsonText, selector } from './formats/json.js';
import { bomLength } from './formats/types.js';
import { DocSession, type Redactor } from './session.js';
import { joinLeftovers, verifyByWindows } from './verify.js';

export interface JsonlStreamStats {
  records: number;
  droppedRecords: number;
  /** Records not written because verification still found something in them. */
  withheld: { line: number; rules: string[] }[];
  /** Lines that were not JSON: written redacted as text, so nothing leaks and the order holds. */
  invalid: number[];
  /** Lines that were not valid UTF-8: redacted and written with U+FFFD for the bytes that were not. */
  notUtf8: number[];
  counts: Record<string, number>;
  injection: { line: number; rule: string }[];
  /**
   * With `fields`: which of them named a value in at least one JSON record. Complete when the stream
   * has ended; `fields.problem('records')` says which named none (a typo lets every record through).
   */
  fields?: FieldMatches;
}

/**
 * JSONL in, JSONL out: the same records in the same order, each redacted in place (only the chosen
 * string values change; ids, tenants and access tags pass through byte for byte), one record held
 * in memory at a time.
 */
export class JsonlRedactStream extends Transform {
  readonly stats: JsonlStreamStats = { records: 0, droppedRecords: 0, withheld: [], invalid: [], notUtf8: [], counts: {}, injection: [] };
  // Keep a byte-order mark in the text: record() passes it through.
  private readonly strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly lossy = new TextDecoder('utf-8', { ignoreBOM: true });
  /**
   * Bytes of the unfinished last line. Whole lines are split off as bytes (no multi-byte UTF-8
   * sequence holds a 0x0A) and decoded strictly, so a line that is not UTF-8 is reported by its
   * number instead of being rewritten with replacement characters unnoticed.
   */
  private pending: Buffer[] = [];
  private line = 0;
  private readonly select: ((p: string) => boolean) | undefined;
  constructor(
    private readonly redactor: Redactor,
    private readonly opts: { name?: string; fields?: string[] } = {},
  ) {
    super({ decodeStrings: false });
    this.select = selector(opts.fields);
    if (opts.fields?.length) this.stats.fields = new FieldMatches(opts.fields);
  }
  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const last = buf.lastIndexOf(0x0a);
      if (last < 0) this.pending.push(buf);
      else {
        const block = this.pending.length ? Buffer.concat([...this.pending, buf.subarray(0, last + 1)]) : buf.subarray(0, last + 1);
        this.pending = last + 1 < buf.length ? [buf.subarray(last + 1)] : [];
        const out: string[] = [];
        // The whole block in one call, as before; line by line only to find which lines are not UTF-8.
        const text = this.decodeBlock(block);
        if (text !== undefined)
          for (let pos = 0; pos < text.length; ) {
            const nl = text.indexOf('\n', pos);
            out.push(this.record(text.slice(pos, nl + 1)));
            pos = nl + 1;
          }
        else
          for (let pos = 0; pos < block.length; ) {
            const nl = block.indexOf(0x0a, pos);
            out.push(this.record(this.decode(block.subarray(pos, nl + 1))));
            pos = nl + 1;
          }
        this.push(out.join(''));
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      const rest = Buffer.concat(this.pending);
      this.pending = [];
      if (rest.length) this.push(this.record(this.decode(rest)));
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  private decodeBlock(bytes: Buffer): string | undefined {
    try {
      return this.strict.decode(bytes);
    } catch {
      return undefined;
    }
  }

  /** One line's text; a line that is not UTF-8 is noted under the number record() gives it next. */
  private decode(bytes: Buffer): string {
    try {
      return this.strict.decode(bytes);
    } catch {
      this.stats.notUtf8.push(this.line + 1);
      return this.lossy.decode(bytes);
    }
  }

  private record(raw: string): string {
    const line = ++this.line;
    // A byte-order mark goes out before the first record whatever becomes of it, as in a .jsonl file.
    const lead = line === 1 ? raw.slice(0, bomLength(raw)) : '';
    const body = raw.slice(lead.length).replace(/\r?\n$/, '');
    if (!body.trim()) return raw;
    const doc = new DocSession(this.redactor, this.opts.name ?? '<stdin>');
    let text: string;
    let drop = false;
    let valid = true;
    try {
      const value: unknown = JSON.parse(body);
      this.stats.fields?.note(value);
    } catch {
      valid = false;
    }
    if (valid) {
      doc.ownEscapes = 'js-escape';
      const r = redactJsonText(body, doc, { record: line }, this.select, { findings: doc.rawFindings(body, { record: line }), base: 0 });
      text = r.text;
      drop = r.dropRecord;
      for (let k = 0; k < r.edits.length; k += 3) doc.edit(r.edits[k], r.edits[k + 1], r.edits[k + 2]);
    } else {
      this.stats.invalid.push(line);
      text = doc.redact(body, { record: line }).text;
    }
    for (const i of doc.injection) this.stats.injection.push({ line, rule: i.rule });
    if (drop) {
      this.stats.droppedRecords++;
      return lead;
    }
    const name = this.opts.name ?? '<stdin>';
    // Verify before emitting: as for a document (document.ts), a record left as it was whose scan found
    // nothing to redact needs no second scan, and a changed one is re-scanned around its changes.
    const extra = doc.verifyTexts.flatMap((t) => this.redactor.leftovers(t, name));
    const left =
      valid && this.select
        ? extra
        : joinLeftovers(
            valid && text === body && doc.rawRedactable === 0 ? [] : (valid && verifyByWindows(this.redactor, doc, body, text)) || this.redactor.leftovers(text, name, valid ? 'js-escape' : undefined),
            // Escaped keys, decoded (json.ts): the raw output hides what they hold.
            extra,
          );
    if (left.length) {
      this.stats.withheld.push({ line, rules: [...new Set(left.map((f) => f.ruleId))] });
      return lead;
    }
    for (const r of doc.records) this.stats.counts[r.entity] = (this.stats.counts[r.entity] ?? 0) + 1;
    this.stats.records++;
    return lead + text + raw.slice(lead.length + body.length);
  }
}
