import fs from 'node:fs';
import type { InjectionRecord } from './session.js';
import type { RedactionRecord } from './types.js';

/**
 * One line of the manifest (JSONL), per document. It records what was redacted and where, never a
 * raw value: see docs/redact.md for the schema.
 */
export interface ManifestEntry {
  input: string;
  output: string | null;
  status: 'ok' | 'quarantined' | 'failed' | 'leftover' | 'skipped';
  format?: string;
  reason?: string;
  inputSha256?: string;
  outputSha256?: string;
  bytes?: number;
  outputBytes?: number;
  /** Hash of the settings that shape the output (rules, operators, key id, version): --resume compares it. */
  settings?: string;
  records?: number;
  droppedRecords?: number;
  /** Redactions per entity type. */
  counts: Record<string, number>;
  redactions: RedactionRecord[];
  /** Findings under the `keep` operator: reported, left in the text. */
  kept: RedactionRecord[];
  injection: InjectionRecord[];
  /** Verification: what was still found in the output (the document was not written). */
  leftovers?: { rule: string; kind: string; line: number; column: number; fingerprint: string | null }[];
  notes?: string[];
}

const FLUSH_MS = 20;
const FLUSH_BYTES = 64 * 1024;

/** Manifest lines already written, by input path (the last entry wins); a torn last line is ignored. */
export function readManifest(file: string): Map<string, ManifestEntry> {
  const out = new Map<string, ManifestEntry>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as ManifestEntry;
      if (e && typeof e.input === 'string') out.set(e.input, e);
    } catch {
      /* a line torn by a kill mid-write: that document is simply done again */
    }
  }
  return out;
}

/**
 * Appends entries as documents finish, so a run killed midway leaves a manifest that --resume can
 * trust. On resume a torn last line (killed mid-write) is cut off first.
 */
export class ManifestWriter {
  private fd: number;
  /**
   * Lines not yet written: entries are written in small batches (one system call for many lines),
   * at most FLUSH_MS after the first of them. A run killed in between loses those entries, and
   * --resume does those documents again: the same outputs, written again.
   */
  private pending: string[] = [];
  private pendingBytes = 0;
  private since = 0;
  constructor(readonly file: string, append: boolean) {
    if (append && fs.existsSync(file)) {
      const text = fs.readFileSync(file);
      const cut = text.lastIndexOf(0x0a) + 1;
      if (cut !== text.length) fs.truncateSync(file, cut);
      this.fd = fs.openSync(file, 'a');
    } else this.fd = fs.openSync(file, 'w');
  }
  write(e: ManifestEntry): void {
    const line = JSON.stringify(e) + '\n';
    if (!this.pending.length) this.since = performance.now();
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES || performance.now() - this.since >= FLUSH_MS) this.flush();
  }
  flush(): void {
    if (!this.pending.length) return;
    fs.writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }
  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}
