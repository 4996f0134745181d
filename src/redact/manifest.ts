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
  constructor(readonly file: string, append: boolean) {
    if (append && fs.existsSync(file)) {
      const text = fs.readFileSync(file);
      const cut = text.lastIndexOf(0x0a) + 1;
      if (cut !== text.length) fs.truncateSync(file, cut);
      this.fd = fs.openSync(file, 'a');
    } else this.fd = fs.openSync(file, 'w');
  }
  write(e: ManifestEntry): void {
    fs.writeSync(this.fd, JSON.stringify(e) + '\n');
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}
