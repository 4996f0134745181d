import { randomEnough, shannonEntropy } from './entropy.js';
import { fingerprint } from './fingerprint.js';
import { SharedKeywords } from './prefilter.js';
import { allowTables, compileStored, hasChecks } from './schema.js';
import { checkRuleSet, reportedPath, type Allowlist, type Chunk, type Confidence, type Finding, type RuleSet, type RuleSpec } from './types.js';
import { getValidator, verdictOf, type Validator } from './validators.js';
import { compileContext, type ContextScorer } from './context.js';
import { splitEngine } from './normalize.js';
import { locate, spansOf } from './position.js';
import { RegexGuard, RuleBudgetError, type GuardItem } from './safe-regex.js';
import { anchorRuns, compileAnchorGate, DENSE_ANCHORS, eachWindow, longRuns, type AnchorGate } from './anchors.js';

/**
 * Why these bounds: a single-line rule's regex runs on the keyword's line, clipped to this many
 * characters each side of the keyword, so a multi-MB minified line costs a window, not the line.
 */
export const LINE_WINDOW = 1024;
/** A multi-line rule (private key blocks) may run this far past its keyword. Chunks overlap by more. */
export const MULTILINE_WINDOW = 32 * 1024;

/** The inline markers people already use in gitleaks and detect-secrets, plus our own. */
export const INLINE_MARKERS = ['spillguard:allow', 'gitleaks:allow', 'pragma: allowlist secret'];

export interface CompiledRule {
  spec: RuleSpec;
  re: RegExp;
  multiline: boolean;
  keywordIds: number[];
  validator?: Validator;
  allow: AllowTable[];
  pathRes?: RegExp[];
  /** Context words around a match raise its confidence (PII rules; context.ts). */
  context?: ContextScorer;
  /** A user rule: it runs in the regex worker under a time budget (safe-regex.ts). */
  guarded?: boolean;
  /** A keyword-less rule with `anchors`: runs only on windows around them (anchors.ts). */
  gate?: AnchorGate;
}

/** One of a rule's allowlist tables (RuleSpec.allowlists), compiled. */
export interface AllowTable {
  and: boolean;
  paths: RegExp[];
  regexes: RegExp[];
  target: Allowlist['allowTarget'];
  stopwords: string[];
  commits: string[];
}

export interface Engine {
  readonly rules: readonly RuleSpec[];
  /** Findings of every rule (or of `only`) in one chunk, in order of position. Pure. */
  scanChunk(chunk: Chunk, only?: ReadonlySet<string>): Finding[];
}

/**
 * A rule whose regex can cross a line break runs on a long window past its keyword; others run on the
 * keyword's line. A lone `\r` does not make a rule multi-line: `[ \t]*\r?$` (CRLF-tolerant end of
 * line) matches within the line, and counting it made three config rules with very common keywords
 * (password, secret=, token=) scan 32 KiB windows — a fifth of all regex time on the benchmark corpus.
 */
const isMultiline = (spec: RuleSpec) => spec.flags.includes('s') || /\[\\s\\S\]|\[\\S\\s\]|\\n/.test(spec.regex);

export interface EngineOptions {
  /** Milliseconds a user rule may run on one chunk before it is stopped (safe-regex.ts). */
  ruleBudgetMs?: number;
}

export function createEngine(ruleSet: RuleSet, opts: EngineOptions = {}): Engine {
  checkRuleSet('createEngine', ruleSet);
  // User rules (RuleSpec.untrusted) run in a worker under a time budget; built-in rules run here.
  const guard = ruleSet.rules.some((r) => r.untrusted) ? new RegexGuard(opts.ruleBudgetMs) : undefined;
  // PII rules match on NFKC-normalised text (normalize.ts); a rule set without them is the plain engine.
  const inner = splitEngine(ruleSet, (rs, keywords) => createPlainEngine(rs, guard, keywords));
  if (!guard) return inner;
  return {
    rules: inner.rules,
    scanChunk(chunk, only) {
      const found = inner.scanChunk(chunk, only);
      const stops = guard.takeStops();
      if (stops.length) throw new RuleBudgetError(stops, found);
      return found;
    },
  };
}

/**
 * The schema proves a rule's anchors at load; a RuleSpec built in code may not have been through it.
 * Without a valid gate the rule runs over the whole chunk, which finds the same matches.
 */
function gateOf(spec: RuleSpec): AnchorGate | undefined {
  try {
    return compileAnchorGate(spec.regex, spec.flags, spec.anchors!, spec.anchorBounds);
  } catch {
    return undefined;
  }
}

/** A rule compiled for matching; exported for the regex worker, which runs user rules the same way. */
export function compileRule(spec: RuleSpec): CompiledRule {
  return {
    spec,
    re: new RegExp(spec.regex, `gd${spec.flags}`),
    multiline: isMultiline(spec),
    keywordIds: [],
    validator: spec.validate ? getValidator(spec.validate) : undefined,
    allow: spec.allowlists.filter(hasChecks).map((a) => ({
      and: a.condition === 'and',
      paths: a.paths.map(compileStored),
      regexes: a.regexes.map(compileStored),
      target: a.allowTarget,
      stopwords: a.stopwords,
      commits: a.commits ?? [],
    })),
    pathRes: spec.paths?.map(compileStored),
    context: compileContext(spec),
    gate: spec.anchors && spec.keywords.length === 0 ? gateOf(spec) : undefined,
  };
}

/**
 * Whether a rule runs on a path, and against which of its allowlist tables: undefined when its
 * `paths` leave the path out or a table allows every match there (an OR table whose path matches, an
 * AND table that checks nothing else); else the tables left to test on each match (allowMatch), whose
 * path checks are settled: an OR table's path did not match, an AND table's did.
 */
export function ruleAt(rule: CompiledRule, path: string): AllowTable[] | undefined {
  if (rule.pathRes && !rule.pathRes.some((re) => re.test(path))) return undefined;
  if (!rule.allow.some((t) => t.paths.length)) return rule.allow;
  const left: AllowTable[] = [];
  for (const t of rule.allow) {
    if (t.paths.length) {
      const hit = t.paths.some((re) => re.test(path));
      if (hit && !t.and) return undefined;
      if (!hit && t.and) continue;
      if (!t.regexes.length && !t.stopwords.length && !t.commits.length) {
        if (hit) return undefined;
        continue;
      }
    }
    left.push(t);
  }
  return left;
}

/**
 * What a rule's tables (as ruleAt left them) say of one match: true when one allows it; else the
 * commits in which one does, for the allowlist filter to settle (history scans a blob once for every
 * commit that holds it); else undefined. `text` gives the match or its line(s), for tables that test them.
 */
function allowMatch(tables: AllowTable[], secret: string, text: (target: 'match' | 'line') => string): true | string[] | undefined {
  let commits: string[] | undefined;
  for (const t of tables) {
    // The checks besides paths and commits: `any` for OR, `all` for AND (none set: true).
    let any = false;
    let all = true;
    if (t.stopwords.length) {
      const low = secret.toLowerCase();
      const hit = t.stopwords.some((w) => low.includes(w));
      any ||= hit;
      all &&= hit;
    }
    if (t.regexes.length) {
      const s = t.target === 'secret' ? secret : text(t.target);
      const hit = t.regexes.some((re) => re.test(s));
      any ||= hit;
      all &&= hit;
    }
    const rest = t.and ? all : any;
    if (rest && !(t.and && t.commits.length)) return true;
    // OR: the commits alone would allow it; AND: the commits are the check still open.
    if (t.commits.length && (rest || !t.and)) (commits ??= []).push(...t.commits);
  }
  return commits;
}

function createPlainEngine(ruleSet: RuleSet, guard: RegexGuard | undefined, keywords: SharedKeywords): Engine {
  const shape = sameShape(ruleSet.rules);
  const compiled: CompiledRule[] = ruleSet.rules.map(shape).map((spec) => ({
    ...compileRule(spec),
    guarded: guard !== undefined && spec.untrusted === true,
    keywordIds: spec.keywords.map((k) => keywords.id(k)),
  }));
  const hasSupersedes = compiled.some((r) => r.spec.supersedes?.length);
  // A global allowlist table that tests the match or its line needs that text on the finding: the
  // allowlist filter sees findings, not the chunk.
  const globalTargets = new Set(allowTables(ruleSet.allowlist).filter((t) => t.regexes.length).map((t) => t.allowTarget));
  const keepMatch = globalTargets.has('match');
  const keepLine = globalTargets.has('line');
  // Indexed by the shared ids: keywords of the other engine (if any) have no rules here.
  const rulesOf: CompiledRule[][] = [];
  const unkeyed: CompiledRule[] = [];
  for (const r of compiled) {
    if (r.keywordIds.length === 0) unkeyed.push(r);
    for (const k of r.keywordIds) (rulesOf[k] ??= []).push(r);
  }

  function scanChunk(chunk: Chunk, only?: ReadonlySet<string>): Finding[] {
    const text = chunk.text;
    const path = reportedPath(chunk.origin);
    // The rule's allowlist tables on this chunk, or undefined if it does not run here. A user rule's
    // path and allowlist regexes are user regexes too: the worker checks them.
    const at = (r: CompiledRule) => (only && !only.has(r.spec.id) ? undefined : r.guarded ? r.allow : ruleAt(r, path));

    const raw: RawMatch[] = [];
    const { hits, found } = keywords.scan(text);
    // Group keyword positions per rule, so each rule's windows are merged once.
    const perRule = new Map<CompiledRule, number[][]>();
    for (const k of found) {
      const positions = hits[k];
      const rules = rulesOf[k];
      if (!positions || positions.length === 0 || !rules) continue;
      for (const r of rules) {
        let list = perRule.get(r);
        if (!list) perRule.set(r, (list = []));
        list.push(positions);
      }
    }
    const guarded: CompiledRule[] = [];
    const work: GuardItem[] = [];
    let lines: LineIndex | undefined;
    for (const [rule, lists] of perRule) {
      const allow = at(rule);
      if (!allow) continue;
      const positions = lists.length === 1 ? lists[0] : lists.flat().sort((a, b) => a - b);
      const wins = windows(lines ??= new LineIndex(text), positions, rule.multiline);
      if (rule.guarded) {
        guarded.push(rule);
        work.push({ spec: rule.spec, windows: wins });
        continue;
      }
      for (const [ws, we] of wins) runRule(rule, text, ws, we, raw, allow, chunk.offset === 0);
    }
    // Anchor runs of the chunk, found once per anchor set and shared by the rules that declare it.
    let runsOf: Map<string, Int32Array> | undefined;
    for (const rule of unkeyed) {
      const allow = at(rule);
      if (!allow) continue;
      // A rule that cannot get the context it requires anywhere in this chunk (context.ts) does not run.
      if (!rule.guarded && rule.context?.possible && !rule.context.possible(text, chunk.offset === 0)) continue;
      if (rule.guarded) {
        guarded.push(rule);
        work.push({ spec: rule.spec, windows: null });
      } else if (rule.gate) {
        const gate = rule.gate;
        runsOf ??= new Map();
        const key = gate.run ? `${gate.key}\0${gate.run}` : gate.key;
        let runs = runsOf.get(key);
        if (!runs) runsOf.set(key, (runs = gate.run ? longRuns(text, gate.table, gate.run) : anchorRuns(text, gate)));
        if (gate.run) runLongRuns(rule, gate, text, runs, raw, allow, chunk.offset === 0);
        else runAnchored(rule, gate, text, runs, raw, allow, chunk.offset === 0);
      } else runRule(rule, text, 0, text.length, raw, allow, chunk.offset === 0);
    }
    if (guard && work.length) {
      for (const m of guard.run(chunk, work, chunk.offset === 0)) raw.push({ ...m, rule: guarded[m.item] });
    }

    const from = chunk.ownedStart ?? 0;
    const to = chunk.ownedEnd ?? text.length;
    const owned = from === 0 && to === text.length ? raw : raw.filter((m) => m.matchStart >= from && m.matchStart < to);
    const kept = hasSupersedes ? dropSuperseded(owned) : owned;
    if (kept.length === 0) return [];
    kept.sort((a, b) => a.start - b.start || a.end - b.end);
    const spans = spansOf(chunk, kept);
    const findings: Finding[] = [];
    const seen = new Set<string>();
    kept.forEach((m, i) => {
      const key = `${m.rule.spec.id}\0${m.start}\0${m.end}`;
      if (seen.has(key)) return;
      seen.add(key);
      const span = spans[i];
      const spec = m.rule.spec;
      const secret = detach(m.secret);
      const f: Finding = {
        ruleId: spec.id,
        kind: spec.kind,
        severity: spec.severity,
        confidence: m.confidence,
        description: spec.description,
        span,
        origin: chunk.origin,
        secret,
        fingerprint: fingerprint(spec.id, secret),
      };
      if (m.validatedBy) f.validatedBy = m.validatedBy;
      if (m.test) f.test = true;
      if (m.extra) f.extra = m.extra;
      if (m.allowCommits) f.allowCommits = m.allowCommits;
      if (keepMatch) f.matchText = detach(text.slice(m.matchStart, m.matchEnd));
      if (keepLine) f.lineText = detach(lineAt(text, m.matchStart, m.matchEnd));
      const marker = inlineMarker(text, m.start, m.end);
      if (marker) f.inlineIgnore = marker;
      findings.push(f);
    });
    return findings;
  }

  return { rules: ruleSet.rules, scanChunk };
}

/**
 * Copies of the specs that all have the same properties in the same order. Why: specs come from JSON
 * and TOML with whichever optional fields each rule sets, so V8 saw dozens of object shapes at every
 * `spec.…` read in the hot path and de-optimised scanChunk over and over (profiled on git history
 * with `npm run bench`); objects built key by key in one order share one shape.
 */
function sameShape(specs: readonly RuleSpec[]): (spec: RuleSpec) => RuleSpec {
  const keys = [...new Set(specs.flatMap((s) => Object.keys(s)))].sort();
  return (spec) => {
    const o: Record<string, unknown> = {};
    for (const k of keys) o[k] = (spec as unknown as Record<string, unknown>)[k];
    return o as unknown as RuleSpec;
  };
}

/**
 * `supersedes`: a rule that names another replaces that rule's match on an overlapping span
 * (Clerk's `sk_live_` over Stripe's when "clerk" is on the line). Part of what a rule matches, so
 * it is settled here, per chunk, before findings exist.
 */
function dropSuperseded(matches: RawMatch[]): RawMatch[] {
  const winners = matches.filter((m) => m.rule.spec.supersedes?.length);
  if (winners.length === 0) return matches;
  return matches.filter(
    (m) => !winners.some((w) => w !== m && w.rule.spec.supersedes!.includes(m.rule.spec.id) && w.start < m.end && m.start < w.end),
  );
}

export interface RawMatch {
  rule: CompiledRule;
  /** The whole regex match, text[matchStart, matchEnd); start and end delimit the secret. */
  matchStart: number;
  matchEnd: number;
  start: number;
  end: number;
  secret: string;
  confidence: Confidence;
  validatedBy?: string;
  test?: boolean;
  extra?: Record<string, string>;
  /** Commits in which the rule's allowlist allows the match (Finding.allowCommits). */
  allowCommits?: string[];
}

/**
 * The chunk's newline offsets, found once and shared by every rule's windows. Why: finding each
 * keyword's line by walking characters cost up to 2 x LINE_WINDOW reads per keyword hit, which on
 * minified bundles (a hit every few hundred characters of one long line) was most of the engine's
 * own time (measured with `npm run bench`); a binary search over this index costs a few steps.
 */
class LineIndex {
  private nl: number[] | undefined;
  constructor(readonly text: string) {}
  private newlines(): number[] {
    if (!this.nl) {
      const nl: number[] = [];
      const t = this.text;
      for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) nl.push(i);
      this.nl = nl;
    }
    return this.nl;
  }
  /** Index of the first newline at or after p (nl.length if none). */
  private firstAtOrAfter(p: number): number {
    const nl = this.newlines();
    let lo = 0;
    let hi = nl.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nl[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /** Same as lineStartBounded(text, p, max). */
  start(p: number, max: number): number {
    const i = this.firstAtOrAfter(p);
    const s = i > 0 ? this.nl![i - 1] + 1 : 0;
    return Math.max(s, p - max, 0);
  }
  /** Same as lineEndBounded(text, p, max). */
  end(p: number, max: number): number {
    const i = this.firstAtOrAfter(p);
    const e = i < this.nl!.length ? this.nl![i] : this.text.length;
    return Math.min(e, p + max, this.text.length);
  }
}

/** Merged [start, end) windows around keyword positions. */
function windows(lines: LineIndex, positions: number[], multiline: boolean): [number, number][] {
  const out: [number, number][] = [];
  const n = lines.text.length;
  for (const p of positions) {
    const last = out[out.length - 1];
    if (last && p < last[1] && !multiline) {
      // Already inside the previous window: extend it to this keyword's reach on the same line.
      last[1] = Math.max(last[1], lines.end(p, LINE_WINDOW));
      continue;
    }
    const start = lines.start(p, LINE_WINDOW);
    const end = multiline ? Math.min(n, p + MULTILINE_WINDOW) : lines.end(p, LINE_WINDOW);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

function lineStartBounded(text: string, p: number, max: number): number {
  const stop = Math.max(0, p - max);
  for (let i = p - 1; i >= stop; i--) if (text.charCodeAt(i) === 10) return i + 1;
  return stop;
}

function lineEndBounded(text: string, p: number, max: number): number {
  const stop = Math.min(text.length, p + max);
  for (let i = p; i < stop; i++) if (text.charCodeAt(i) === 10) return i;
  return stop;
}

/**
 * A rule with anchors on one chunk: its regex runs only where a match can start (anchors.ts), each
 * window's slice wide enough that every attempt reads what it would read in the whole chunk, and the
 * scan position carried from window to window as one scan of the chunk would carry it. Same matches
 * as `runRule` over the whole chunk, in the same order.
 */
function runAnchored(rule: CompiledRule, gate: AnchorGate, text: string, runs: Int32Array, out: RawMatch[], allow: AllowTable[], atStart: boolean): void {
  if (runs.length === 0) return;
  const n = text.length;
  // Where anchors are everywhere (a CSV of numbers, a log), windows would cover the chunk anyway: one
  // scan of it does the same work in one call.
  if (runs.length / 2 > n / DENSE_ANCHORS) {
    runRule(rule, text, 0, n, out, allow, atStart);
    return;
  }
  let p = 0;
  eachWindow(runs, gate, (lo, hi) => {
    const from = lo > p ? lo : p;
    if (from <= hi) p = runRule(rule, text, Math.max(0, lo - gate.back), Math.min(n, hi + gate.reach), out, allow, atStart, from, hi);
  });
}

/**
 * A rule with a run gate (anchors.ts, analyzeRun) on one chunk: its matches start in the long runs
 * of anchor characters, at most `run` before a run's end, so the regex runs on each such run with
 * the gate's margins, the scan position carried from run to run. Same matches as `runRule` over the
 * whole chunk, in the same order.
 */
function runLongRuns(rule: CompiledRule, gate: AnchorGate, text: string, runs: Int32Array, out: RawMatch[], allow: AllowTable[], atStart: boolean): void {
  const n = text.length;
  let p = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const s = runs[i];
    const e = runs[i + 1];
    const from = s > p ? s : p;
    const last = e - gate.run;
    if (from <= last) p = runRule(rule, text, Math.max(0, s - gate.back), Math.min(n, e + gate.reach), out, allow, atStart, from, last);
  }
}

/**
 * Runs a rule's regex on text[ws, we), from `from` (default ws), accepting matches that start at or
 * before `lastStart`; returns where the scan stopped (the end of the last match accepted, or `from`).
 * `allow`: the rule's allowlist tables on this chunk's path (ruleAt).
 */
export function runRule(
  rule: CompiledRule,
  text: string,
  ws: number,
  we: number,
  out: RawMatch[],
  allow: AllowTable[],
  atStart = false,
  from = ws,
  lastStart = Infinity,
): number {
  const re = rule.re;
  const sub = ws === 0 && we === text.length ? text : text.slice(ws, we);
  const spec = rule.spec;
  re.lastIndex = from - ws;
  let p = from;
  let m: RegExpExecArray | null;
  while ((m = re.exec(sub)) !== null) {
    if (ws + m.index > lastStart) break;
    if (m[0].length === 0) {
      re.lastIndex++;
      p = ws + re.lastIndex;
      continue;
    }
    p = ws + re.lastIndex;
    const g = spec.secretGroup;
    const secret = m[g];
    const idx = m.indices?.[g];
    if (secret === undefined || !idx || secret.length === 0) continue;
    if (spec.entropy !== undefined || spec.entropyRatio !== undefined) {
      const h = shannonEntropy(secret);
      if (spec.entropy !== undefined && h < spec.entropy) continue;
      if (spec.entropyRatio !== undefined && !randomEnough(secret, h, spec.entropyRatio)) continue;
    }
    if (spec.stopwords.length) {
      const low = secret.toLowerCase();
      if (spec.stopwords.some((w) => low.includes(w))) continue;
    }
    const matchStart = ws + m.index;
    const matchEnd = matchStart + m[0].length;
    let allowCommits: string[] | undefined;
    if (allow.length) {
      const allowed = allowMatch(allow, secret, (t) => (t === 'match' ? text.slice(matchStart, matchEnd) : lineAt(text, matchStart, matchEnd)));
      if (allowed === true) continue;
      allowCommits = allowed;
    }
    let confidence = spec.confidence;
    let validatedBy: string | undefined;
    let test: boolean | undefined;
    let extra: Record<string, string> | undefined;
    if (rule.validator) {
      const v = verdictOf(rule.validator(secret, spec.options));
      if (v.verdict === 'valid') {
        // With context words, a validator is a gate and context raises confidence; without, passing it is high.
        confidence = v.confidence ?? (rule.context ? spec.confidence : 'high');
        validatedBy = spec.validate;
        test = v.test;
        extra = v.extra;
      } else if (spec.onInvalid === 'drop') continue;
      else confidence = 'low';
    }
    if (rule.context) {
      const scored = rule.context.score(text, ws + idx[0], ws + idx[1], confidence, atStart);
      if (scored === undefined) continue;
      confidence = scored;
    }
    // Known test values (documentation phone ranges, processor test cards) stay reported, at the bottom.
    if (test) confidence = 'low';
    out.push({ rule, matchStart, matchEnd, start: ws + idx[0], end: ws + idx[1], secret, confidence, validatedBy, test, extra, allowCommits });
  }
  re.lastIndex = 0;
  return p;
}

/** The line(s) of text[start, end), as gitleaks' `regexTarget = "line"` reads them (bounded on very long lines). */
function lineAt(text: string, start: number, end: number): string {
  return text.slice(lineStartBounded(text, start, 4096), lineEndBounded(text, Math.max(start, end - 1), 4096));
}

/** Lines (1-based) of the inline-ignore markers a chunk owns, for `--report-unused`. Pure. */
export function inlineMarkerLines(chunk: Chunk): { line: number; marker: string }[] {
  const text = chunk.text;
  const from = chunk.ownedStart ?? 0;
  const to = chunk.ownedEnd ?? text.length;
  const hits: { at: number; marker: string }[] = [];
  for (const marker of INLINE_MARKERS)
    for (let p = text.indexOf(marker, from); p !== -1 && p < to; p = text.indexOf(marker, p + 1)) hits.push({ at: p, marker });
  if (hits.length === 0) return [];
  hits.sort((a, b) => a.at - b.at);
  const pos = locate(chunk, hits.map((h) => h.at));
  return hits.map((h, i) => ({ line: pos[i].line, marker: h.marker }));
}

/** The first inline-ignore marker on the lines the finding spans (bounded on very long lines). */
function inlineMarker(text: string, start: number, end: number): string | undefined {
  const from = lineStartBounded(text, start, 4096);
  const to = lineEndBounded(text, end, 4096);
  const line = text.slice(from, to);
  for (const mk of INLINE_MARKERS) if (line.includes(mk)) return mk;
  return undefined;
}

/**
 * V8 keeps a substring's parent alive; a finding that outlives its chunk must not pin a megabyte
 * window in memory, so the secret is copied out.
 */
function detach(s: string): string {
  return s.length > 12 ? Buffer.from(s, 'utf8').toString('utf8') : s;
}
