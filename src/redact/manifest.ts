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
    const e = parseEntry(line);
    if (e) out.set(e.input, e);
  }
  return out;
}

/** One manifest line; undefined for a blank one or one torn by a kill mid-write (that document is simply done again). */
function parseEntry(line: string): ManifestEntry | undefined {
  if (!line.trim()) return undefined;
  try {
    const e = JSON.parse(line) as ManifestEntry;
    return e && typeof e.input === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Appends entries as documents finish, so a run killed midway leaves a manifest that --resume can
 * trust. On resume a torn last line (killed mid-write) is cut off first, and the run appends after
 * the earlier runs' entries; when it finishes, the file is rewritten with one entry per document
 * (a document done again, or failed again, would otherwise be listed once per run).
 */
export class ManifestWriter {
  private fd: number;
  /** Resuming: the length of the earlier runs' entries, and this run's documents in input order, resumed ones marked. */
  private readonly earlier?: number;
  private readonly order: [input: string, resumed: boolean][] = [];
  /**
   * Lines not yet written: entries are written in small batches (one system call for many lines),
   * at most FLUSH_MS after the first of them. A run killed in between loses those entries, and
   * --resume does those documents again: the same outputs, written again.
   */
  private pending: string[] = [];
  private pendingBytes = 0;
  private since = 0;
  /** Flushes lines still pending FLUSH_MS after the first, when no later entry comes to do it (a long document next). */
  private timer?: NodeJS.Timeout;
  constructor(readonly file: string, append: boolean) {
    if (append && fs.existsSync(file)) {
      const text = fs.readFileSync(file);
      const cut = text.lastIndexOf(0x0a) + 1;
      if (cut !== text.length) fs.truncateSync(file, cut);
      this.fd = fs.openSync(file, 'a');
      this.earlier = cut;
    } else this.fd = fs.openSync(file, 'w');
  }
  /** A document --resume skipped: its entry is an earlier run's, already in the file. */
  resumed(input: string): void {
    if (this.earlier) this.order.push([input, true]);
  }
  write(e: ManifestEntry): void {
    if (this.earlier) this.order.push([e.input, false]);
    const line = JSON.stringify(e) + '\n';
    if (!this.pending.length) {
      this.since = performance.now();
      this.timer = setTimeout(() => this.flush(), FLUSH_MS).unref();
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES || performance.now() - this.since >= FLUSH_MS) this.flush();
  }
  flush(): void {
    clearTimeout(this.timer);
    if (!this.pending.length) return;
    fs.writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }
  close(): void {
    this.flush();
    fs.closeSync(this.fd);
    if (this.earlier) this.compact(this.earlier);
  }

  /**
   * One entry per document, in this run's input order as a fresh run writes them: a resumed
   * document's from the earlier runs (the last of them), the others' from this run. Documents this
   * run did not see (a narrower path list) keep their entries, after. Written to a temporary file
   * and renamed over the manifest: a kill in between leaves the appended file, in which the last
   * entry of a document wins (readManifest).
   */
  private compact(earlier: number): void {
    const text = fs.readFileSync(this.file);
    const before = new Map<string, string>();
    for (const line of text.subarray(0, earlier).toString('utf8').split('\n')) {
      const input = parseEntry(line)?.input;
      if (input !== undefined) before.set(input, line);
    }
    const fresh = text.subarray(earlier).toString('utf8').split('\n');
    const out: string[] = [];
    const seen = new Set<string>();
    let k = 0;
    for (const [input, resumed] of this.order) {
      const line = resumed ? before.get(input) : fresh[k++];
      if (line !== undefined) out.push(line);
      seen.add(input);
    }
    for (const [input, line] of before) if (!seen.has(input)) out.push(line);
    // A fixed name: one left by a kill is written over by the next run.
    const tmp = `${this.file}.spillguard-tmp`;
    fs.writeFileSync(tmp, out.map((l) => l + '\n').join(''));
    fs.renameSync(tmp, this.file);
  }
}
