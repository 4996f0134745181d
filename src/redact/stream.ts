import { Transform, type TransformCallback } from 'node:stream';
import { escapesIn, safeCut, stripAnsi } from './ansi.js';
import { mask } from '../reporters/mask.js';
import { applyRedactions } from './redactor.js';
import { lowerBound } from './formats/relocate.js';
import type { Redactor } from './session.js';
import type { Operator } from './types.js';

/** One masked secret of a stream: where (line, offsets in the stream) and what kind, never the value. */
export interface StreamRecord {
  rule: string;
  kind: string;
  entity: string;
  operator: Operator;
  line: number;
  start: number;
  end: number;
  fingerprint: string | null;
  /** The value as reports show it: a short prefix at most (`AKIA*****`). */
  masked: string;
}

export interface LineRedactorOptions {
  /** Name findings are reported under (allowlist paths match it). */
  name?: string;
  /** Longest stretch without a line break processed at once; longer lines go in windows. */
  window?: number;
  /** Context read past a window's end, so a secret across the cut is found whole. */
  overlap?: number;
  onRecord?: (r: StreamRecord) => void;
}

/**
 * Private-key blocks are the secrets that span lines in logs. Output is held from a block's first
 * line until its end line arrives (or HOLD_MAX characters pass, or the stream goes quiet), so the
 * whole block is matched and masked; every other line flows through as soon as it is complete.
 */
const BLOCK_START = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----|PuTTY-User-Key-File-[23]:/g;
const HOLD_MAX = 64 * 1024;

/**
 * Text in, redacted text out, line by line, in bounded memory: `\n` and `\r` end a line (CRLF and
 * progress bars pass through unchanged), ANSI escapes are stripped for matching and kept in the
 * output, and a line longer than `window` is processed in overlapping windows.
 */
export class LineRedactor {
  private pending = '';
  private offset = 0;
  private line = 1;
  private readonly window: number;
  private readonly overlap: number;
  readonly counts: Record<string, number> = {};
  found = 0;

  constructor(
    private readonly redactor: Redactor,
    private readonly opts: LineRedactorOptions = {},
  ) {
    this.window = opts.window ?? 1 << 20;
    this.overlap = opts.overlap ?? 64 * 1024;
  }

  get held(): number {
    return this.pending.length;
  }

  /** Takes more text; returns what can be written now. */
  push(text: string): string {
    this.pending += text;
    const out: string[] = [];
    for (;;) {
      const p = this.pending;
      const lastBreak = Math.max(p.lastIndexOf('\n'), p.lastIndexOf('\r'));
      if (lastBreak >= 0) {
        let upto = lastBreak + 1;
        upto = this.holdPoint(p, upto);
        if (upto > 0) {
          out.push(this.process(p.slice(0, upto), upto));
          this.pending = p.slice(upto);
          continue;
        }
      }
      if (this.pending.length > this.window + this.overlap) {
        out.push(this.windowed());
        continue;
      }
      break;
    }
    return out.join('');
  }

  /**
   * A quiet stream: what is held, except a trailing run without white space (up to 4 KiB), which may
   * be the first part of a secret still being written; a prompt (`Password: `) still shows.
   */
  flushIdle(): string {
    const p = this.pending;
    let cut = p.length;
    while (cut > 0 && p.length - cut < 4096 && !/\s/.test(p[cut - 1])) cut--;
    if (p.length - cut >= 4096) cut = p.length;
    if (cut === 0) return '';
    const head = p.slice(0, cut);
    this.pending = p.slice(cut);
    return this.process(head, head.length);
  }

  /** Everything still held (end of input, or a quiet stream). */
  flush(): string {
    if (!this.pending) return '';
    const p = this.pending;
    this.pending = '';
    return this.process(p, p.length);
  }

  /** Where to stop emitting: before an unfinished private-key block, unless it has run too long. */
  private holdPoint(p: string, upto: number): number {
    BLOCK_START.lastIndex = Math.max(0, upto - HOLD_MAX);
    let start = -1;
    for (let m = BLOCK_START.exec(p); m && m.index < upto; m = BLOCK_START.exec(p)) start = m.index;
    if (start < 0) return upto;
    const rest = p.slice(start, upto);
    if (/-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|---- END SSH2 ENCRYPTED PRIVATE KEY ----|Private-MAC:/.test(rest)) return upto;
    const lineStart = Math.max(p.lastIndexOf('\n', start - 1), p.lastIndexOf('\r', start - 1)) + 1;
    return lineStart;
  }

  /** Redacts text[0, upto) of `text` (a whole batch of lines), advancing the stream position. */
  private process(text: string, upto: number): string {
    const { text: out } = this.redactRange(text, upto);
    this.advance(text.slice(0, upto));
    return out;
  }

  /** A long line: one window, owning its first `window` characters, reading `overlap` beyond. */
  private windowed(): string {
    const p = this.pending;
    const cut = safeCut(p, this.window);
    const view = p.slice(0, Math.min(p.length, cut + this.overlap));
    const { text: out, consumed } = this.redactRange(view, cut);
    this.advance(p.slice(0, consumed));
    this.pending = p.slice(consumed);
    return out;
  }

  /**
   * Finds in `view` the findings that start before raw offset `own`, applies them, and returns the
   * output up to the end of the owned part (extended past `own` to the end of a secret that crosses it).
   */
  private redactRange(view: string, own: number): { text: string; consumed: number } {
    const r = this.redactor;
    const { text: plain, map } = stripAnsi(view);
    const plainOwn = map ? lowerBound(map, own) : own;
    const found = r.find(plain, this.opts.name ?? '<stdin>').filter((f) => f.span.start < plainOwn && r.kinds.includes(f.kind));
    let consumed = own;
    if (!found.length) return { text: view.slice(0, own), consumed };
    const { planned } = r.plan(found);
    const applied0 = applyRedactions(plain, planned, map ? { raw: view, map, keepInside: escapesIn } : {});
    let end = own;
    for (const a of applied0.applied) end = Math.max(end, a.rawEnd);
    consumed = end;
    // Output: the rebuilt text up to where the raw input `consumed` ends (nothing after it changed).
    const text = applied0.text.slice(0, applied0.text.length - (view.length - consumed));
    for (const a of applied0.applied) {
      const f = a.winner.finding;
      this.found++;
      this.counts[a.winner.entity] = (this.counts[a.winner.entity] ?? 0) + 1;
      this.opts.onRecord?.({
        rule: f.ruleId, kind: f.kind, entity: a.winner.entity, operator: a.winner.operator,
        line: this.line + f.span.line - 1, start: this.offset + a.rawStart, end: this.offset + a.rawEnd, fingerprint: r.fingerprint(f), masked: mask(f.secret, f.kind),
      });
    }
    return { text, consumed };
  }

  private advance(emitted: string): void {
    this.offset += emitted.length;
    for (let i = emitted.indexOf('\n'); i >= 0; i = emitted.indexOf('\n', i + 1)) this.line++;
  }
}

export interface TextStreamOptions extends LineRedactorOptions {
  /** Write held lines after this much quiet (ms), so a live log never stalls on an unfinished block. */
  idleFlushMs?: number;
}

/** A Transform: bytes or text in, redacted UTF-8 text out, line by line. */
export class TextRedactStream extends Transform {
  readonly lines: LineRedactor;
  // A byte-order mark passes through, as every other byte that is not a secret does.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private timer: NodeJS.Timeout | undefined;
  constructor(redactor: Redactor, private readonly sopts: TextStreamOptions = {}) {
    super({ decodeStrings: false });
    this.lines = new LineRedactor(redactor, sopts);
  }
  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.timer) clearTimeout(this.timer);
    try {
      const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
      const out = this.lines.push(text);
      if (out) this.push(out);
      if (this.lines.held) {
        const idle = () => {
          // Quiet because the reader is slow (our output buffer is full), not because the source is: keep holding.
          if (this.readableLength >= this.readableHighWaterMark) {
            this.timer = setTimeout(idle, this.sopts.idleFlushMs ?? 1000);
            this.timer.unref?.();
            return;
          }
          const rest = this.lines.flushIdle();
          if (rest) this.push(rest);
        };
        this.timer = setTimeout(idle, this.sopts.idleFlushMs ?? 1000);
        this.timer.unref?.();
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
  override _flush(cb: TransformCallback): void {
    if (this.timer) clearTimeout(this.timer);
    try {
      const out = this.lines.push(this.decoder.decode()) + this.lines.flush();
      if (out) this.push(out);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
