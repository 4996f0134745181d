import crypto, { createHash } from 'node:crypto';
import { textEncoding, type TextEncoding } from '../sources/read.js';
import { HANDLERS, DocumentError, type FormatOptions } from './formats/index.js';
import type { ManifestEntry } from './manifest.js';
import { DocSession, type Redactor } from './session.js';
import { joinLeftovers, verifyByWindows } from './verify.js';

// The one-shot crypto.hash (Node 20.12+) skips a Hash object per call: ten thousand documents hash twice each.
const oneShot = (crypto as { hash?: (alg: string, data: Buffer | string, enc: 'hex') => string }).hash;
export const sha256 = (b: Buffer | string): string => (oneShot ? oneShot('sha256', b, 'hex') : createHash('sha256').update(b).digest('hex'));

export interface DocumentResult {
  entry: ManifestEntry;
  /** The redacted output, when the document passed verification. */
  output?: Buffer;
  /** Prompt-injection findings: the caller may quarantine it. */
  injected: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function encodeText(s: string, enc: TextEncoding): Buffer {
  if (enc === 'utf-8') return Buffer.from(s, 'utf8');
  const b = Buffer.from(s, 'utf16le');
  return enc === 'utf-16be' ? b.swap16() : b;
}

/**
 * One document through the pipeline: decode, redact by format, verify, hash. Pure apart from the
 * engines: reading and writing files is the caller's business, so workers and --stdin share it.
 */
export async function redactDocument(redactor: Redactor, input: Buffer, rel: string, format: string, fopts: FormatOptions = {}): Promise<DocumentResult> {
  const handler = HANDLERS[format];
  const entry: ManifestEntry = {
    input: rel, output: null, status: 'ok', format, inputSha256: sha256(input), bytes: input.length,
    counts: {}, redactions: [], kept: [], injection: [],
  };
  const fail = (status: ManifestEntry['status'], reason: string): DocumentResult => {
    entry.status = status;
    entry.reason = reason;
    return { entry, injected: false };
  };
  let text: string | undefined;
  // UTF-16 text (Excel's "Unicode Text", PowerShell, SQL Server exports) is read as `scan` reads it
  // and written back in its encoding: its NUL bytes made it a skipped "binary file".
  const enc = handler.binary ? undefined : textEncoding(input);
  if (!handler.binary) {
    if (!enc) return fail('skipped', 'binary file');
    try {
      text = (enc === 'utf-8' ? utf8 : new TextDecoder(enc, { fatal: true, ignoreBOM: true })).decode(input);
    } catch {
      return fail('failed', `not valid ${enc === 'utf-8' ? 'UTF-8' : enc.toUpperCase()} text`);
    }
  }
  const doc = new DocSession(redactor, rel);
  let result;
  try {
    result = await handler.process(text ?? input, doc, fopts);
  } catch (e) {
    if (e instanceof DocumentError) return fail('failed', e.message);
    throw e;
  }
  if (text !== undefined) doc.locate(text);
  // An unchanged text is written from the bytes read, not encoded again.
  const output = typeof result.output !== 'string' ? result.output : result.output === text ? input : encodeText(result.output, enc ?? 'utf-8');
  // Handlers walk documents in order, so records already are in document order.
  entry.redactions = doc.records;
  entry.kept = doc.kept;
  entry.injection = doc.injection;
  for (const r of entry.redactions) entry.counts[r.entity] = (entry.counts[r.entity] ?? 0) + 1;
  if (result.records !== undefined) entry.records = result.records;
  if (doc.droppedRecords) entry.droppedRecords = doc.droppedRecords;
  if (doc.notes.length) entry.notes = doc.notes;

  // Verify before emitting: what is still found in the output fails the document. An unchanged
  // document whose whole text was scanned as it is written (plain text; or a raw scan that found
  // nothing to redact) would only give the same scan again.
  const outText = typeof result.output === 'string' ? result.output : result.output.toString('utf8');
  const wholeText = format === 'txt' || format === 'md';
  const rawScanned = format === 'json' || format === 'jsonl' || format === 'csv' || format === 'tsv' || format === 'html';
  const unchanged = outText === text && !doc.verifyTexts.length && (wholeText || (rawScanned && doc.rawRedactable === 0));
  if (!unchanged) {
    // The output's own scan: the neighbourhood of each replacement, the rest from the input's scan (verify.ts).
    const whole = doc.verifyScoped ? [] : ((text !== undefined && verifyByWindows(redactor, doc, text, outText)) || redactor.leftovers(outText, rel, doc.ownEscapes));
    const left = joinLeftovers(whole, doc.verifyTexts.flatMap((t) => redactor.leftovers(t, rel)));
    if (left.length) {
      entry.status = 'leftover';
      entry.reason = `verification found ${left.length} finding(s) left in the output; not written`;
      entry.leftovers = left.map((f) => ({ rule: f.ruleId, kind: f.kind, line: f.span.line, column: f.span.column, fingerprint: redactor.fingerprint(f) }));
      return { entry, injected: entry.injection.length > 0 };
    }
  }
  // An output byte for byte the same as its input has the input's hash.
  entry.outputSha256 = output === input || output.equals(input) ? entry.inputSha256 : sha256(output);
  entry.outputBytes = output.length;
  return { entry, output, injected: entry.injection.length > 0 };
}
