/**
 * Types shared by every stage of the pipeline:
 * Source --Chunk--> Engine --Finding--> Filters --Finding--> Sink.
 */

export type Kind = 'secret' | 'pii' | 'injection';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type Confidence = 'high' | 'medium' | 'low';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const CONFIDENCES: readonly Confidence[] = ['high', 'medium', 'low'];
export const KINDS: readonly Kind[] = ['secret', 'pii', 'injection'];

/** Where a chunk of text came from. Sources fill what they know; the engine copies it onto findings. */
export interface Origin {
  /** Path relative to the scan root (or the name given to stdin), always with `/` separators. */
  path: string;
  /** Git history: the commit that introduced the blob, and its metadata. */
  commit?: string;
  author?: string;
  email?: string;
  date?: string;
  message?: string;
  blob?: string;
  /** JSONL / structured documents: record number (1-based) and field pointer. */
  record?: number;
  field?: string;
  /** Archive member path, e.g. `package/dist/index.js` for `outer.tgz!package/dist/index.js`. */
  member?: string;
  /** Set when the text was decoded (base64, hex, …) from the span the finding points at. */
  decoded?: string;
}

/**
 * The path a report shows for an origin: the file, then `!` and the member inside it (archives, source
 * maps). Rule paths, allowlist paths and baselines all test this one string, so a rule scoped to `.conf`
 * files or an allowlist of `.py` files means the same inside a wheel as on disk.
 */
export function reportedPath(o: Origin): string {
  return o.member ? `${o.path}!${o.member}` : o.path;
}

/**
 * A window of text. `offset`, `line` and `column` locate its first character in the whole
 * input so that findings carry absolute positions, whichever chunk they were found in.
 */
export interface Chunk {
  text: string;
  origin: Origin;
  /** Absolute offset (UTF-16 code units) of text[0] in the input. */
  offset: number;
  /** 1-based line of text[0]. */
  line: number;
  /** 1-based column (Unicode code points) of text[0]. */
  column: number;
  /**
   * Chunks of one input overlap: each holds some context before and after the part it owns.
   * A match belongs to the chunk whose [ownedStart, ownedEnd) holds its first character, so a
   * secret on a boundary is found exactly once, and never as a truncated tail or head.
   * Undefined means 0 and text.length.
   */
  ownedStart?: number;
  ownedEnd?: number;
}

export interface Span {
  /** Absolute offsets (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
  /** 1-based line and column (Unicode code points) of the first character. */
  line: number;
  column: number;
  /** 1-based line and column just past the last character (SARIF's convention). */
  endLine: number;
  endColumn: number;
}

export interface Finding {
  ruleId: string;
  kind: Kind;
  severity: Severity;
  confidence: Confidence;
  description: string;
  span: Span;
  origin: Origin;
  /** The matched secret, in memory only: reporters mask it unless asked not to. */
  secret: string;
  /** Hash of rule id and secret: stable when lines move, files are renamed or commits squashed. */
  fingerprint: string;
  /** Name of the offline validator that accepted the secret, if any. */
  validatedBy?: string;
  /** Inline ignore marker found on the finding's line, for the inline-ignore filter. */
  inlineIgnore?: string;
  /** Test or sample value (documentation ranges, test cards): still reported, marked. */
  test?: boolean;
  /** Entity-specific extras (e.g. `e164` for phones), never the raw secret. */
  extra?: Record<string, string>;
  /**
   * On very long lines (minified bundles): a short window of text around the finding, every known
   * secret in it masked. For people (text output); never in SARIF.
   */
  snippet?: string;
  /** A finding in a bundle with a source map beside it: where the map says the code came from. */
  original?: OriginalPosition;
  /**
   * Commits (lower-case SHAs) in which one of the rule's allowlist tables allows this finding
   * (gitleaks `commits`). Settled by the allowlist filter, per occurrence: history scans a blob once
   * for every commit that holds it, so the engine cannot know the commit.
   */
  allowCommits?: string[];
  /**
   * The line(s) of the whole regex match, and the match itself: set only when a global allowlist
   * table tests them (`regexTarget = "line"` / `"match"`), for the filter. They hold the raw secret:
   * never reported.
   */
  lineText?: string;
  matchText?: string;
}

/** A position in an original source, as named by a source map (1-based line and column). */
export interface OriginalPosition {
  path: string;
  line: number;
  column: number;
}

/** A rule as written in a TOML pack, after schema validation. */
export interface RuleSpec {
  id: string;
  kind: Kind;
  severity: Severity;
  confidence: Confidence;
  description: string;
  regex: string;
  /** JavaScript regex flags beyond the engine's own (`i`, `s`, `m`). */
  flags: string;
  secretGroup: number;
  keywords: string[];
  /**
   * A character class every match contains (`[0-9]`, `@`): a keyword-less rule then runs only on
   * windows around those characters instead of the whole chunk (anchors.ts). Checked against the regex at load.
   */
  anchors?: string;
  /**
   * Derived from `regex` and `anchors` by the schema at load (stored in the built-in rule cache), so
   * that engines do not read the regex again: how many anchors a match holds, how far it starts before
   * the first, its length, and how far an attempt reads behind and ahead of its start (anchors.ts).
   * `of` identifies the regex, flags and anchors measured: a rule copied with another regex is measured again.
   */
  anchorBounds?: { minAnchors: number; pre: number; width: number; back: number; reach: number; run?: number; of: string };
  entropy?: number;
  /**
   * Minimum share (0-1] of the mean entropy of a random string with the secret's length and alphabet
   * (hex, alphanumeric, base64, printable): a length- and charset-aware threshold (entropy.ts).
   */
  entropyRatio?: number;
  validate?: string;
  /** What to do when the validator rejects a candidate: drop it, or keep it at low confidence. */
  onInvalid: 'drop' | 'low';
  /** Only run on paths matching these globs (gitleaks `path`). */
  paths?: string[];
  /** The rule's own: a secret containing one of these (lower-case) is not a match. */
  stopwords: string[];
  /** `[rules.allowlist]` and `[[rules.allowlists]]`: a match that any of these tables allows is dropped. */
  allowlists: Allowlist[];
  tags: string[];
  /** Rule ids whose matches this rule's match replaces on an overlapping span. */
  supersedes?: string[];
  /** Markdown: how to rotate and remove this kind of secret. */
  help?: string;
  examples: { match: string[]; noMatch: string[] };
  /** Where the rule was defined, for error messages. */
  source: string;
  /**
   * Set on rules from a user's configuration or pack (not the built-in packs): the engine runs them
   * in a worker under a time budget, so a catastrophic regex cannot hang a scan (safe-regex.ts).
   */
  untrusted?: boolean;
  /** Context scoring (src/engine/context.ts): words near a match raise confidence. */
  context?: string[];
  /** Words that mark a look-alike (order numbers, versions): a match with only these nearby is dropped. */
  negativeContext?: string[];
  /** Characters before and after the match searched for context words (default 50). */
  contextWindow?: number;
  /** Drop matches without a context word nearby. */
  requireContext?: boolean;
  /** Options for the validator (e.g. `regions` for phone numbers, `privateRanges` for IPs). */
  options?: Readonly<Record<string, string | number | boolean | string[]>>;
}

/**
 * One allowlist table: gitleaks' `[[rules.allowlists]]` and `[[allowlists]]`, or the older single
 * `[rules.allowlist]` and `[allowlist]`. Each table decides on its own; a finding is allowed when
 * any table allows it. A table that checks nothing (no commits, paths, regexes or stopwords) allows nothing.
 */
export interface Allowlist {
  /** Regexes on the reported path. */
  paths: string[];
  /** Regexes on the text `allowTarget` names. */
  regexes: string[];
  /** Lower-case words: a secret containing one is allowed. */
  stopwords: string[];
  /** What `regexes` test (gitleaks `regexTarget`): the secret, the whole regex match, or its line(s). */
  allowTarget: 'secret' | 'match' | 'line';
  /**
   * gitleaks `condition`: with 'or' (or none) any check the table sets allows a finding; with 'and'
   * only all of them together do.
   */
  condition?: 'or' | 'and';
  /** Lower-case commit SHAs (gitleaks `commits`): findings of a history scan in these commits. */
  commits?: string[];
  /** Global tables only (gitleaks `targetRules`): the rules the table applies to; none, every rule. */
  targetRules?: string[];
}

/**
 * The global allowlist tables. The first is stored flat, as a lone `[allowlist]` is (and as callers
 * write it: `{ paths: [], regexes: [], stopwords: [], allowTarget: 'secret' }`), the others in `tables`.
 */
export interface GlobalAllowlist extends Allowlist {
  /** `[[allowlists]]` tables, and the tables of other configuration files, after the first. */
  tables?: Allowlist[];
  /** Entries of `paths` and `regexes` from a user's configuration: tested under a time budget (safe-regex.ts). */
  untrusted?: string[];
}

export interface RuleSet {
  rules: RuleSpec[];
  allowlist: GlobalAllowlist;
}

/** A misspelt confidence ('Medium') ranked above every finding: all of them were dropped, silently. */
export function checkConfidence(where: string, name: string, value: unknown): void {
  if (value !== undefined && !CONFIDENCES.includes(value as Confidence))
    throw new TypeError(`${where}: ${name} must be one of ${CONFIDENCES.join(', ')} (got ${JSON.stringify(value)})`);
}

/** A misspelt kind (['secrets']) filtered every rule out: a run that finds nothing, silently. */
export function checkKinds(where: string, kinds: unknown): void {
  if (kinds !== undefined && (!Array.isArray(kinds) || kinds.some((k) => !KINDS.includes(k))))
    throw new TypeError(`${where}: kinds must be a list of ${KINDS.join(', ')} (got ${JSON.stringify(kinds)})`);
}

/**
 * The options every scan entry point shares (scan, scanText, scanStream, scanStaged, scanHistory).
 * Git scans take `rules` as a function of the repository root too.
 */
export function checkScanOptions(where: string, opts: { rules?: unknown; kinds?: unknown; minConfidence?: unknown; baseline?: unknown }): void {
  if (opts.rules !== undefined && typeof opts.rules !== 'function') checkRuleSet(where, opts.rules);
  checkKinds(where, opts.kinds);
  checkConfidence(where, 'minConfidence', opts.minConfidence);
  const b = opts.baseline as { match?: unknown } | undefined;
  if (b !== undefined && typeof b?.match !== 'function')
    throw new TypeError(`${where}: baseline must be a lookup with a match(finding) method (got ${shapeOf(b)})`);
}

/**
 * An entry point's options must be an object: null failed deep inside ("Cannot read properties of
 * null"), and a string or an array (`scan('src')`, `scan(['src'])`) had no options in it, so the
 * call ran on its defaults — a scan of the working directory instead of `src`.
 */
export function checkOptionsObject(where: string, opts: unknown, example: string): void {
  if (opts === undefined || (typeof opts === 'object' && opts !== null && !Array.isArray(opts))) return;
  const got = typeof opts === 'function' ? 'a function' : JSON.stringify(opts);
  throw new TypeError(`${where}: options must be an object, e.g. ${example} (got ${got})`);
}

/**
 * Yes/no options must be booleans: a string was read for its truthiness, so `gitignore: 'false'`
 * still honoured .gitignore and `injection: 'no'` still screened.
 */
export function checkBooleans(where: string, opts: object | undefined, names: readonly string[]): void {
  for (const name of names) {
    const v = (opts as Record<string, unknown> | undefined)?.[name];
    if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`${where}: ${name} must be true or false (got ${JSON.stringify(v) ?? typeof v})`);
  }
}

/**
 * Library callers get a TypeError naming the option: passing `loadRules().rules` (the array) or a
 * set without its allowlist failed deep inside the engine ("Cannot read properties of undefined").
 */
export function checkRuleSet(where: string, rules: unknown): void {
  const r = rules as Partial<RuleSet> | null;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.rules) || typeof r.allowlist !== 'object' || r.allowlist === null)
    throw new TypeError(`${where}: rules must be a rule set { rules, allowlist } as loadRules() returns (got ${shapeOf(rules)})`);
}

/** What a value that should have been a structure is, for an error: 'an array', 'null', 'string', 'an object with rules, key'. */
export function shapeOf(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return `an object with ${Object.keys(v).join(', ') || 'no keys'}`;
}
