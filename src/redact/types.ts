import type { Finding, Kind, Severity } from '../engine/types.js';

/** What happens to a finding's span. See docs/redact.md for each operator's output. */
export type Operator = 'mask' | 'tag' | 'pseudonym' | 'hash' | 'drop-record' | 'keep';
export const OPERATORS: readonly Operator[] = ['mask', 'tag', 'pseudonym', 'hash', 'drop-record', 'keep'];

/** Where in a document a redaction happened: a record (JSONL line, CSV row) and a field (JSON pointer, column). */
export interface Where {
  record?: number;
  field?: string;
}

/**
 * One applied redaction, as the manifest records it: never the raw value. Offsets are UTF-16 code
 * units; for whole-text formats (txt, md, html, eml headers) they are absolute in the input text,
 * for structured fields (json, jsonl, csv) they are within the decoded field value.
 */
export interface RedactionRecord extends Where {
  rule: string;
  kind: Kind;
  entity: string;
  operator: Operator;
  severity: Severity;
  start: number;
  end: number;
  line?: number;
  column?: number;
  /** Where the replacement sits in the output (same coordinates as start/end). */
  outStart: number;
  outEnd: number;
  /** Rule-and-value hash (secrets); keyed HMAC for PII when a key is set, else null. */
  fingerprint: string | null;
  /** Rules whose overlapping spans this redaction absorbed (longest wins). */
  absorbed?: string[];
  /** A `drop-record` redaction that removed its record. */
  droppedRecord?: boolean;
}

/** What a finding's operator resolves to, before overlaps are settled. */
export interface Planned {
  finding: Finding;
  start: number;
  end: number;
  operator: Operator;
  entity: string;
  replacement: string;
}
