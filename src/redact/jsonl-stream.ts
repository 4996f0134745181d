import { Transform, type TransformCallback } from 'node:stream';
import { redactJsonText, selector } from './formats/json.js';
import { bomLength } from './formats/types.js';
import { DocSession, type Redactor } from './session.js';
import { verifyByWindows } from './verify.js';

export interface JsonlStreamStats {
  records: number;
  droppedRecords: number;
  /** Records not written because verification still found something in them. */
  withheld: { line: number; rules: string[] }[];
  /** Lines that were not JSON: written redacted as text, so nothing leaks and the order holds. */
  invalid: number[];
  counts: Record<string, number>;
  injection: { line: number; rule: string }[];
}

/**
 * JSONL in, JSONL out: the same records in the same order, each redacted in place (only the chosen
 * string values change; ids, tenants and access tags pass through byte for byte), one record held
 * in memory at a time.
 */
export class JsonlRedactStream extends Transform {
  readonly stats: JsonlStreamStats = { records: 0, droppedRecords: 0, withheld: [], invalid: [], counts: {}, injection: [] };
  // Keeps a byte-order mark in the text: record() passes it through.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private pending = '';
  private line = 0;
  private readonly select: ((p: string) => boolean) | undefined;
  constructor(
    private readonly redactor: Redactor,
    private readonly opts: { name?: string; fields?: string[] } = {},
  ) {
    super({ decodeStrings: false });
    this.select = selector(opts.fields);
  }
  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.pending += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
      const last = this.pending.lastIndexOf('\n');
      if (last >= 0) {
        const block = this.pending.slice(0, last + 1);
        this.pending = this.pending.slice(last + 1);
        const out: string[] = [];
        for (let pos = 0; pos < block.length; ) {
          const nl = block.indexOf('\n', pos);
          out.push(this.record(block.slice(pos, nl + 1)));
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
      this.pending += this.decoder.decode();
      if (this.pending) this.push(this.record(this.pending));
      this.pending = '';
      cb();
    } catch (e) {
      cb(e as Error);
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
      JSON.parse(body);
    } catch {
      valid = false;
    }
    if (valid) {
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
    const left =
      valid && this.select
        ? doc.verifyTexts.flatMap((t) => this.redactor.leftovers(t, name))
        : valid && text === body && doc.rawRedactable === 0
          ? []
          : ((valid && verifyByWindows(this.redactor, doc, body, text)) || this.redactor.leftovers(text, name));
    if (left.length) {
      this.stats.withheld.push({ line, rules: [...new Set(left.map((f) => f.ruleId))] });
      return lead;
    }
    for (const r of doc.records) this.stats.counts[r.entity] = (this.stats.counts[r.entity] ?? 0) + 1;
    this.stats.records++;
    return lead + text + raw.slice(lead.length + body.length);
  }
}
