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
  entropy?: number;
  validate?: string;
  /** What to do when the validator rejects a candidate: drop it, or keep it at low confidence. */
  onInvalid: 'drop' | 'low';
  /** Only run on paths matching these globs (gitleaks `path`). */
  paths?: string[];
  stopwords: string[];
  allowRegexes: string[];
  /** Paths (globs) on which this rule's findings are allowed. */
  allowPaths: string[];
  /** Which text allowRegexes are tested against. */
  allowTarget: 'secret' | 'match' | 'line';
  tags: string[];
  /** Markdown: how to rotate and remove this kind of secret. */
  help?: string;
  examples: { match: string[]; noMatch: string[] };
  /** Where the rule was defined, for error messages. */
  source: string;
}

export interface GlobalAllowlist {
  paths: string[];
  regexes: string[];
  stopwords: string[];
  allowTarget: 'secret' | 'match' | 'line';
}

export interface RuleSet {
  rules: RuleSpec[];
  allowlist: GlobalAllowlist;
}
