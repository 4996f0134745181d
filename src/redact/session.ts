import { scanDecoded, unescapeMapped, type Scheme } from '../engine/decode.js';
import { createEngine, type Engine } from '../engine/engine.js';
import { locate, spansOf } from '../engine/position.js';
import { checkConfidence, checkKinds, checkRuleSet, shapeOf, CONFIDENCES, KINDS, type Chunk, type Confidence, type Finding, type Kind, type RuleSet, type RuleSpec } from '../engine/types.js';
import { allowlistFilter, confidenceFilter, inlineFilter, type AllowlistFilter, type Filter } from '../filters/index.js';
import { chunkText } from '../sources/chunker.js';
import { SpillguardError } from '../errors.js';
import { emptyRedactConfig, type RedactConfig } from './config.js';
import { entityOf, isPlaceholder, manifestFingerprint, render, type OperatorContext } from './operators.js';
import { applyRedactions, type ApplyOptions } from './redactor.js';
import { OPERATORS, type Operator, type Planned, type RedactionRecord, type Where } from './types.js';
import { MIN_KEY_BYTES } from '../engine/fingerprint.js';
import { isMultiline, verifyRules, type VerifyRules } from './verify.js';

export interface RedactorOptions {
  /** Every rule to run, of any kind; `kinds` and `injection` choose among them. */
  rules: RuleSet;
  /** Kinds whose findings are redacted (default secret and pii). */
  kinds?: readonly Kind[];
  /** Screen for prompt injection with the `injection` rules (default true). */
  injection?: boolean;
  config?: RedactConfig;
  /** Overrides from the command line: kind or rule id → operator. */
  operators?: Record<string, Operator>;
  /** Pseudonym key (SPILLGUARD_KEY or --key-file), read by the caller. */
  key?: Buffer;
  minConfidence?: Confidence;
  /** Leftovers at or above this confidence fail verification (default low: any leftover). */
  verifyThreshold?: Confidence;
}

/**
 * A value found inside an escape run, at the escapes that spell it rather than the whole run: one
 * run reaches over prose between its escapes (`bob&#64;acme.com, ring me… sk&#95;live&#95;…`), which
 * replacing it whole would destroy. Every place the run spells the value is a finding (scan keeps
 * one per run). Base64 and hex runs, nested encodings, and a value not spelt out in the run (matched
 * on normalised text) keep the run's span.
 */
function narrowDecoded(chunk: Chunk, f: Finding): Finding[] {
  const scheme = f.origin.decoded as Scheme | undefined;
  const from = f.span.start - chunk.offset;
  const u = scheme && f.secret ? unescapeMapped(chunk.text.slice(from, f.span.end - chunk.offset), scheme) : undefined;
  if (!u) return [f];
  const ranges: { start: number; end: number }[] = [];
  for (let i = u.text.indexOf(f.secret); i >= 0; i = u.text.indexOf(f.secret, i + f.secret.length)) {
    // The end is the end of the escape spelling the value's last character.
    let k = i + f.secret.length;
    while (k < u.text.length && u.map[k] === u.map[k - 1]) k++;
    ranges.push({ start: from + u.map[i], end: from + u.map[k] });
  }
  if (!ranges.length) return [f];
  return spansOf(chunk, ranges).map((span) => ({ ...f, span }));
}

/** Findings that are already a CI system's mask (`***`) are not secrets: masking them again helps no one. */
export const isCiMask = (secret: string) => /^["']?\*{3,}["']?$/.test(secret);

const rank = (c: Confidence) => CONFIDENCES.length - CONFIDENCES.indexOf(c);

/**
 * Library callers get a TypeError naming the option: a misspelt confidence (`'Medium'`) ranked below
 * every finding, so nothing at all was redacted, silently.
 */
function checkRedactorOptions(opts: RedactorOptions): void {
  checkRuleSet('redact', opts.rules);
  for (const name of ['minConfidence', 'verifyThreshold'] as const) checkConfidence('redact', name, opts[name]);
  checkKinds('redact', opts.kinds);
  checkOperators(opts.operators, opts.rules);
  // A config file's path (as loadRules takes it) or a hand-made object failed on the first finding.
  const c = opts.config as Partial<RedactConfig> | undefined;
  if (c !== undefined && !(isRecord(c) && isRecord(c.kinds) && isRecord(c.rules) && isRecord(c.entities) && typeof c.pseudonymLength === 'number'))
    throw new TypeError(`redact: config must be a [redact] table as loadRedactConfig() or parseRedactConfig() returns (got ${shapeOf(c)})`);
  // The CLI's rule for --key-file and SPILLGUARD_KEY holds for library callers too.
  if (opts.key !== undefined) {
    if (!Buffer.isBuffer(opts.key)) throw new TypeError(`redact: key must be a string or a Buffer (got ${opts.key === null ? 'null' : typeof opts.key})`);
    if (opts.key.length < MIN_KEY_BYTES) throw new RangeError(`redact: key must be at least ${MIN_KEY_BYTES} bytes long (got ${opts.key.length})`);
  }
}

const isRecord = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * As `--operator` is checked: a key that is neither a kind nor a rule of the set (`emial`) set
 * nothing, and the findings it was meant for were written with the default operator.
 */
function checkOperators(operators: unknown, ruleSet: RuleSet): void {
  if (operators === undefined) return;
  if (!isRecord(operators))
    throw new TypeError(`redact: operators must be an object of kind or rule id → operator, e.g. { pii: 'mask' } (got ${JSON.stringify(operators)})`);
  const ids = new Set(ruleSet.rules.map((r) => r.id));
  for (const [name, op] of Object.entries(operators)) {
    if (!OPERATORS.includes(op)) throw new TypeError(`redact: operators.${name} must be one of ${OPERATORS.join(', ')} (got ${JSON.stringify(op)})`);
    if (!KINDS.includes(name as Kind) && !ids.has(name))
      throw new TypeError(`redact: operators.${name}: "${name}" is neither a kind (${KINDS.join(', ')}) nor the id of a rule in the rule set`);
  }
}

/**
 * A compiled redaction policy: engines, filters, operators and key. Pure apart from the engines'
 * own state; one instance serves many documents (and one per worker thread).
 */
export type EngineView = 'main' | 'redact' | 'injection' | 'multiline';

export class Redactor {
  /**
   * One engine for every rule (user rules bring a regex worker with them: one, not one per view);
   * the views restrict it to the redactable rules or to the injection rules.
   */
  readonly engine: Engine;
  readonly ruleSet: RuleSet;
  readonly kinds: readonly Kind[];
  /** Rule ids of each view; undefined = every rule. */
  private readonly views: Record<EngineView, ReadonlySet<string> | undefined>;
  readonly screening: boolean;
  private readonly cfg: RedactConfig;
  private readonly opCtx: OperatorContext;
  private readonly specs = new Map<string, RuleSpec>();
  private readonly entityCache = new Map<string, string>();
  readonly minConfidence: Confidence;
  readonly verifyThreshold: Confidence;
  private readonly overrides: Record<string, Operator>;
  private readonly allowFilter: AllowlistFilter;

  constructor(readonly opts: RedactorOptions) {
    checkRedactorOptions(opts);
    this.kinds = opts.kinds ?? ['secret', 'pii'];
    const screen = opts.injection ?? true;
    const redactRules = opts.rules.rules.filter((r) => this.kinds.includes(r.kind));
    const injRules = screen ? opts.rules.rules.filter((r) => r.kind === 'injection' && !this.kinds.includes('injection')) : [];
    this.screening = injRules.length > 0;
    const allowlist = opts.rules.allowlist;
    this.ruleSet = { rules: [...redactRules, ...injRules], allowlist };
    this.engine = createEngine(this.ruleSet);
    this.allowFilter = allowlistFilter(allowlist);
    this.views = {
      main: undefined,
      redact: injRules.length ? new Set(redactRules.map((r) => r.id)) : undefined,
      injection: new Set(injRules.map((r) => r.id)),
      // Redactable rules whose matches can run lines past their keyword: verification scans them whole (verify.ts).
      multiline: new Set(redactRules.filter((r) => r.keywords.length && isMultiline(r)).map((r) => r.id)),
    };
    for (const r of this.ruleSet.rules) this.specs.set(r.id, r);
    this.cfg = opts.config ?? emptyRedactConfig();
    this.opCtx = { key: opts.key, pseudonymLength: this.cfg.pseudonymLength };
    this.minConfidence = opts.minConfidence ?? 'low';
    this.verifyThreshold = opts.verifyThreshold ?? 'low';
    this.overrides = opts.operators ?? {};
    for (const [name, op] of Object.entries({ ...this.cfg.rules, ...this.cfg.kinds, ...this.overrides })) {
      if (op === 'pseudonym' && !opts.key)
        throw new SpillguardError('usage', `operator "pseudonym" for "${name}" needs a key: set SPILLGUARD_KEY or pass --key-file`, { flag: 'key-file' });
    }
  }

  /** The documents' paths, tested against the user's allowlist paths in one go rather than one document at a time. */
  primePaths(paths: string[]): void {
    try {
      this.allowFilter.prime(paths);
    } catch {
      // A pattern over its budget: tested again document by document, it fails those documents as it would unprimed.
    }
  }

  /** Rule > kind > default: secrets `tag`; PII `pseudonym` with a key, else `tag`; injection `keep`. */
  operatorFor(f: Pick<Finding, 'ruleId' | 'kind'>): Operator {
    const o = this.overrides[f.ruleId] ?? this.cfg.rules[f.ruleId] ?? this.overrides[f.kind] ?? this.cfg.kinds[f.kind];
    if (o) return o;
    if (f.kind === 'injection') return 'keep';
    if (f.kind === 'pii') return this.opts.key ? 'pseudonym' : 'tag';
    return 'tag';
  }

  entity(ruleId: string): string {
    let e = this.entityCache.get(ruleId);
    if (!e) this.entityCache.set(ruleId, (e = entityOf(ruleId, this.cfg.entities, this.specs.get(ruleId))));
    return e;
  }

  /** Findings in one text, after the global allowlist, overlap, inline-ignore and confidence filters. */
  find(text: string, path: string, view: EngineView = 'main', own?: Scheme): Finding[] {
    const raw: Finding[] = [];
    for (const chunk of chunkText(text, { path })) raw.push(...this.scanChunk(chunk, view, own));
    return this.filter(raw);
  }

  /**
   * One chunk through the view's rules, plus what its encoded runs hold (base64, hex, percent, JS
   * escapes, HTML entities), as `scan` reads them: `sk&#95;live&#95;…` or a base64 `.env` in a text
   * is redacted at its encoded span, and verification finds it when it is left. Sorted by start.
   * `own`: the escapes of the document's own format (JSON's, HTML's), which its handler reads
   * decoded or verifies decoded: not decoded twice (a Python-written JSONL escapes every non-ASCII
   * character, an HTML page may spell its text in references: decoding them all again took most
   * of the time).
   */
  private scanChunk(chunk: Chunk, view: EngineView, own?: Scheme): Finding[] {
    const plain = this.engine.scanChunk(chunk, this.views[view]);
    // Screening and the private-key blocks verification scans whole look at the text as it is.
    if (view === 'injection' || view === 'multiline') return plain;
    // No plain findings given: `scan` drops a decoded value also found plain in the same run, but
    // an escape run can hold the plain spelling and an encoded one (`sk_live_… sk&#95;live&#95;…`).
    const decoded = scanDecoded(this.engine, chunk, [], { only: this.views.redact, skipEscapes: own });
    if (!decoded.length) return plain;
    // Where a rule already reads the escapes (pii-email-urlencoded), its finding speaks for the span.
    const seen = new Set(plain.map((f) => `${f.span.start}\0${f.span.end}`));
    const found = decoded.flatMap((f) => narrowDecoded(chunk, f)).filter((f) => !seen.has(`${f.span.start}\0${f.span.end}`));
    return found.length ? plain.concat(found).sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end) : plain;
  }

  /**
   * Findings of the windows [from, to) of `text` (ascending, disjoint, each starting and ending at a
   * line break or LINE_BOUND into a line), from one scan of the windows put end to end: a scan has
   * a fixed cost, and verification (verify.ts) has a window or two per document. Offsets are
   * absolute in `text`; lines and columns are not (the caller locates what it keeps). Undefined
   * when a match runs from one window into the next: in `text` it would run into other text.
   *
   * Context scoring reads a text's first line as a table's column headers when the scan starts at
   * the text's start: with `head`, the text's first `head` characters (its first line) go first, as
   * they are before the windows in `text` (matches in that line are not the windows'). Without it,
   * the windows are scanned as text that does not start at the start, unless the first one does.
   */
  findInWindows(text: string, path: string, view: EngineView, windows: readonly (readonly [number, number])[], head = 0, own?: Scheme): Finding[] | undefined {
    if (!windows.length) return [];
    const lead = head > 0 && windows[0][0] >= head ? head : 0;
    const parts: string[] = lead ? [text.slice(0, lead)] : [];
    // Where each window starts in the scanned text, and in `text`.
    const at: number[] = [];
    let len = lead;
    for (const [from, to] of windows) {
      at.push(len);
      parts.push(text.slice(from, to));
      len += to - from;
    }
    // A scan from the text's start (offset 0) reads the first line as headers; otherwise it must not.
    const offset = lead || windows[0][0] === 0 ? 0 : windows[0][0];
    // A first window that stops inside the text's first line would make a first line of its own
    // with the next window's text: only a scan of the whole text reads the right one.
    if (offset === 0 && !lead && windows.length > 1) {
      const nl = text.indexOf('\n');
      if (nl < 0 || nl >= windows[0][1]) return undefined;
    }
    const chunk = { text: parts.join(''), origin: { path }, offset, line: 1, column: 1, ownedStart: lead };
    const out: Finding[] = [];
    for (const f of this.scanChunk(chunk, view, own)) {
      const s = f.span.start - offset;
      const e = f.span.end - offset;
      let lo = 0;
      let hi = at.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (at[mid] <= s) lo = mid;
        else hi = mid - 1;
      }
      const k = lo;
      const end = k + 1 < at.length ? at[k + 1] : len;
      if (e > end) return undefined;
      const shift = windows[k][0] - at[k];
      out.push({ ...f, span: { ...f.span, start: s + shift, end: e + shift } });
    }
    return this.filter(out);
  }

  private filter(raw: Finding[]): Finding[] {
    if (!raw.length) return raw;
    // The scan's filters, less one: where spans overlap, scanning keeps the more specific finding
    // and drops the other, but redaction must remove both, so overlaps are settled (as a union)
    // by the redactor instead.
    let kept = this.allowFilter(raw).kept;
    kept = inlineFilter(kept).kept;
    if (this.minConfidence !== 'low') kept = confidenceFilter(this.minConfidence)(kept).kept;
    return kept.filter((f) => !isCiMask(f.secret));
  }

  plan(findings: readonly Finding[]): { planned: Planned[]; kept: Finding[] } {
    const planned: Planned[] = [];
    const kept: Finding[] = [];
    for (const f of findings) {
      const op = this.operatorFor(f);
      if (op === 'keep') {
        kept.push(f);
        continue;
      }
      const entity = this.entity(f.ruleId);
      const replacement = op === 'pseudonym' || op === 'hash' ? this.memo(`${op}\0${entity}\0${f.extra?.e164 ?? ''}\0${f.secret}`, () => render(op, f, entity, this.opCtx)) : render(op, f, entity, this.opCtx);
      planned.push({ finding: f, start: f.span.start, end: f.span.end, operator: op, entity, replacement });
    }
    return { planned, kept };
  }

  fingerprint(f: Finding): string | null {
    if (f.kind === 'secret' || !this.opCtx.key) return manifestFingerprint(f, this.opCtx);
    return this.memo(`fp\0${f.ruleId}\0${f.extra?.e164 ?? ''}\0${f.secret}`, () => manifestFingerprint(f, this.opCtx));
  }

  /**
   * Keyed digests (pseudonyms, hashes, PII fingerprints) of values seen before: one HMAC's set-up
   * costs more than a lookup, and the same addresses and numbers come back document after document.
   * Bounded; the values are in memory anyway, as findings.
   */
  private readonly memoMap = new Map<string, string | null>();
  private memo<T extends string | null>(key: string, make: () => T): T {
    const hit = this.memoMap.get(key);
    if (hit !== undefined) return hit as T;
    const v = make();
    if (this.memoMap.size >= 50_000) this.memoMap.clear();
    this.memoMap.set(key, v);
    return v;
  }

  /**
   * A field as the manifest and redaction records show it. A JSON key, a CSV header or an e-mail
   * header name can hold a value itself (`{"ann@…": "…"}`, a first data row read as the header), and
   * records never hold a raw value: what the rules find in it is replaced as it would be in the text.
   * Pointers are read a segment at a time, which repeat from record to record and document to document.
   */
  fieldLabel(field: string): string {
    return field.startsWith('/') ? field.split('/').map((seg) => this.segmentLabel(seg)).join('/') : this.segmentLabel(field);
  }

  private segmentLabel(seg: string): string {
    if (!seg) return seg;
    return this.memo(`field\0${seg}`, () => {
      const { planned } = this.plan(this.find(seg, '', 'redact').filter((f) => this.kinds.includes(f.kind)));
      return planned.length ? applyRedactions(seg, planned).text : seg;
    });
  }

  /** What verification counts as left over: redactable findings at or above the threshold. */
  leftovers(text: string, path: string, own?: Scheme): Finding[] {
    return this.find(text, path, 'redact', own).filter((f) => this.isLeftover(f));
  }

  /** A finding that verification counts as left over (see leftovers). */
  isLeftover(f: Finding): boolean {
    return this.kinds.includes(f.kind) && this.operatorFor(f) !== 'keep' && rank(f.confidence) >= rank(this.verifyThreshold) && !isPlaceholder(f.secret);
  }

  private verifyRulesCache?: VerifyRules;
  /** What windowed verification needs to know of the redactable rules (verify.ts), computed once. */
  get verifyRules(): VerifyRules {
    return (this.verifyRulesCache ??= verifyRules(this.opts.rules.rules.filter((r) => this.kinds.includes(r.kind))));
  }
}

export interface SegmentOptions extends ApplyOptions {
  /** Offset of the segment in the document: records then carry absolute offsets (and lines). */
  base?: number;
  /** Which engine: `main` (redaction + injection), or `redact` when injection is screened on the raw document. */
  engine?: 'main' | 'redact';
  /**
   * Findings of a scan of the surrounding raw document that fall in this segment, already in the
   * segment's coordinates: a JSON value or an HTML attribute alone loses the context that makes it a
   * secret (`"password": "…"`), so structured formats scan the raw document too.
   */
  extra?: Finding[];
  /** Scan the segment itself (default true); false when a raw scan already covered its exact text. */
  scan?: boolean;
  /** The segment is the whole document: its scan is the document's scan (see DocSession.scanned). */
  whole?: boolean;
  /** Record each replacement as an edit of the document at `base` (see DocSession.edit). */
  track?: boolean;
}

export interface InjectionRecord extends Where {
  rule: string;
  start: number;
  end: number;
  line?: number;
  column?: number;
  fingerprint: string | null;
}

/** Redactions, kept findings and injection hits of one document, as its handler walks it. */
export class DocSession {
  readonly records: RedactionRecord[] = [];
  readonly kept: RedactionRecord[] = [];
  readonly injection: InjectionRecord[] = [];
  droppedRecords = 0;
  /** Redactable findings a raw scan saw: when none and the output is unchanged, verification is moot. */
  rawRedactable = 0;
  /** Extra texts verification must re-scan (decoded parts the raw output hides, e.g. base64 bodies). */
  readonly verifyTexts: string[] = [];
  /**
   * --field / --columns chose what to redact: verification then re-scans the chosen values only
   * (in verifyTexts), since the rest of the document is passed through on purpose.
   */
  verifyScoped = false;
  /** The escapes of the document's format, which its handler decodes: raw scans and their verification leave them to it (Redactor.find). */
  ownEscapes?: Scheme;
  notes: string[] = [];
  /**
   * The redactable findings of the one scan of the whole input (a whole-text document, or the raw
   * scan of a structured one), in input offsets. With `edits`, verification re-scans only the
   * neighbourhood of each replacement and takes the rest of the output's findings from here.
   */
  scanned?: Finding[];
  /**
   * Output length minus input length of the replacements made so far in segments given a `base`
   * (segments of one text, visited in order): a segment at input offset `base` starts at `base +
   * outShift` in the output. A handler walking a new text (an e-mail's HTML part) resets it.
   */
  outShift = 0;
  /** Replacements as [inStart, inEnd, outLength] triples, in input order: the output is the input with these applied. */
  readonly edits: number[] = [];
  /** False when an edit came out of order or a second whole scan was made: verification then scans everything. */
  editsOk = true;
  constructor(
    readonly redactor: Redactor,
    readonly path: string,
  ) {}

  /**
   * Scans one segment and applies its redactions. Returns the new text (of `raw` when a map is
   * given), whether it changed, and whether a `drop-record` finding asks the caller to drop the record.
   */
  redact(text: string, where: Where = {}, opts: SegmentOptions = {}): { text: string; changed: boolean; dropRecord: boolean } {
    const r = this.redactor;
    let findings = opts.scan === false ? [] : r.find(text, this.path, opts.engine ?? 'main');
    if (opts.whole) this.setScanned(findings.filter((f) => r.kinds.includes(f.kind)));
    const at = (i: number) => (opts.map ? opts.map[i] : i) + (opts.base ?? 0);
    // Injection hits of this segment's own scan; those among `extra` were recorded by rawFindings.
    for (const f of findings)
      if (f.kind === 'injection' && !r.kinds.includes('injection')) this.injection.push({ ...this.label(where), rule: f.ruleId, start: at(f.span.start), end: at(f.span.end), fingerprint: r.fingerprint(f) });
    if (opts.extra?.length) {
      const seen = new Set(findings.map((f) => `${f.ruleId}\0${f.span.start}\0${f.span.end}`));
      findings = [...findings, ...opts.extra.filter((f) => !seen.has(`${f.ruleId}\0${f.span.start}\0${f.span.end}`))];
    }
    if (!findings.length) return { text: opts.raw ?? text, changed: false, dropRecord: false };
    // Screening only reports an injection hit; given an operator (its rule's or the kind's), it is replaced too.
    const red = findings.filter((f) => f.kind !== 'injection' || r.kinds.includes('injection') || r.operatorFor(f) !== 'keep');
    const { planned, kept } = r.plan(red);
    const base = opts.base ?? 0;
    // Where the segment starts in the output: earlier segments' replacements moved it.
    const outBase = opts.base === undefined ? 0 : base + this.outShift;
    const { text: out, applied } = planned.length ? applyRedactions(text, planned, opts) : { text: opts.raw ?? text, applied: [] };
    // A kept finding stays as it is, moved by the replacements before it in its segment.
    const outAt = (raw: number) => {
      let o = raw;
      for (const a of applied) if (a.rawEnd <= raw) o += a.repLen - (a.rawEnd - a.rawStart);
      return outBase + o;
    };
    const rawAt = (i: number) => (opts.map ? opts.map[i] : i);
    for (const f of kept) {
      const rs = rawAt(f.span.start);
      const re = rawAt(f.span.end);
      this.kept.push(this.record(f, 'keep', r.entity(f.ruleId), at(f.span.start), at(f.span.end), outAt(rs), outAt(rs) + (re - rs), where));
    }
    if (!applied.length) return { text: opts.raw ?? text, changed: false, dropRecord: false };
    let dropRecord = false;
    for (const a of applied) {
      const rec = this.record(a.winner.finding, a.winner.operator, a.winner.entity, base + a.rawStart, base + a.rawEnd, outBase + a.outStart, outBase + a.outEnd, where);
      if (a.absorbed.length) rec.absorbed = [...new Set(a.absorbed.map((p) => p.finding.ruleId))].sort();
      if (a.winner.operator === 'drop-record' && (a.winner.finding.severity === 'critical' || a.winner.finding.severity === 'high')) {
        dropRecord = true;
        rec.droppedRecord = true;
      }
      this.records.push(rec);
      if (opts.track) this.edit(base + a.rawStart, base + a.rawEnd, a.repLen);
      if (opts.base !== undefined) this.outShift += a.repLen - (a.rawEnd - a.rawStart);
    }
    return { text: out, changed: true, dropRecord };
  }

  /** Records that the output has `outLength` characters in place of the input's [inStart, inEnd). */
  edit(inStart: number, inEnd: number, outLength: number): void {
    const e = this.edits;
    if (inEnd < inStart || (e.length && inStart < e[e.length - 2])) this.editsOk = false;
    e.push(inStart, inEnd, outLength);
  }

  private setScanned(findings: Finding[]): void {
    if (this.scanned) this.editsOk = false;
    this.scanned = findings;
  }

  /**
   * Scans a raw document (or record) once with every rule: injection hits are recorded here, the
   * redactable findings are returned (sorted) for the segments to take as `extra`.
   */
  rawFindings(raw: string, where: Where = {}): Finding[] {
    const r = this.redactor;
    const out: Finding[] = [];
    let replaced: Finding[] | undefined;
    for (const f of r.find(raw, this.path, 'main', this.ownEscapes)) {
      if (r.kinds.includes(f.kind)) out.push(f);
      else if (f.kind === 'injection') {
        this.injection.push({ ...this.label(where), rule: f.ruleId, start: f.span.start, end: f.span.end, line: f.span.line, column: f.span.column, fingerprint: r.fingerprint(f) });
        // Given an operator, the segments replace it too (see redact); verification does not look for it.
        if (r.operatorFor(f) !== 'keep') (replaced ??= []).push(f);
      }
    }
    this.rawRedactable += out.length;
    out.sort((a, b) => a.span.start - b.span.start);
    this.setScanned(out);
    return replaced ? [...out, ...replaced].sort((a, b) => a.span.start - b.span.start) : out;
  }

  /** Prompt-injection screening over a raw document (HTML: hidden text lives in the markup). */
  screen(raw: string): void {
    const r = this.redactor;
    if (!r.screening) return;
    for (const f of r.find(raw, this.path, 'injection')) this.injection.push({ rule: f.ruleId, start: f.span.start, end: f.span.end, line: f.span.line, column: f.span.column, fingerprint: r.fingerprint(f) });
  }

  private record(f: Finding, operator: Operator, entity: string, start: number, end: number, outStart: number, outEnd: number, where: Where): RedactionRecord {
    return {
      rule: f.ruleId, kind: f.kind, entity, operator, severity: f.severity, ...this.label(where),
      start, end, outStart, outEnd, fingerprint: this.redactor.fingerprint(f),
    };
  }

  private label(where: Where): Where {
    return where.field === undefined ? where : { ...where, field: this.redactor.fieldLabel(where.field) };
  }

  /** Fills line and column of records with absolute offsets (no field), from the input text. */
  locate(input: string): void {
    const recs = [...this.records, ...this.kept, ...this.injection].filter((r) => r.field === undefined && r.record === undefined && r.line === undefined);
    if (!recs.length) return;
    const pts = recs.map((r) => r.start);
    const pos = locate({ text: input, origin: { path: this.path }, offset: 0, line: 1, column: 1 }, pts);
    recs.forEach((r, i) => {
      r.line = pos[i].line;
      r.column = pos[i].column;
    });
  }
}
