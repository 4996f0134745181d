import type { BaselineLookup, Dropped } from '../filters/index.js';
import type { Confidence, Finding, Kind, RuleSet } from '../engine/types.js';
import type { ReadError, Skipped } from '../sources/files.js';
import { decodeText, textEncoding } from '../sources/read.js';

/** Options every git mode shares. */
export interface GitScanOptions {
  /** Any folder inside the repository; default: the current directory. */
  cwd?: string;
  /**
   * Rules to use, or a function given the repository's top level that returns them (so the CLI
   * can load `.spillguard.toml` from the repository root while git is already working).
   * Default: the built-in packs plus `.spillguard.toml` at the top level.
   */
  rules?: RuleSet | ((root: string) => RuleSet);
  kinds?: readonly Kind[];
  minConfidence?: Confidence;
  baseline?: BaselineLookup;
  /** Bytes; blobs larger than this are skipped (listed). 0 = no limit. Default 50 MiB. */
  maxFileSize?: number;
}

export interface GitScanResult {
  findings: Finding[];
  suppressed: Dropped[];
  skipped: Skipped[];
  errors: ReadError[];
  stats: { files: number; bytes: number; durationMs: number; commits?: number };
  /** The repository's top level (the git directory for a bare repository): paths are relative to it. */
  root: string;
}

export { DEFAULT_GIT_MAX_FILE_SIZE } from './exec.js';

export async function resolveRuleSet(opts: GitScanOptions, root: string): Promise<RuleSet> {
  let rules: RuleSet;
  if (typeof opts.rules === 'function') rules = opts.rules(root);
  else if (opts.rules) rules = opts.rules;
  else {
    const { loadRules } = await import('../config/rules.js');
    rules = loadRules({ root, kinds: opts.kinds ?? ['secret'] });
  }
  if (!opts.kinds) return rules;
  return { rules: rules.rules.filter((r) => opts.kinds!.includes(r.kind)), allowlist: rules.allowlist };
}

/** As `scan` tells files (sources/read.ts): a NUL byte in the first 8000 bytes, unless they are UTF-16 text. */
export const isBinary = (b: Buffer): boolean => textEncoding(b) === undefined;

/** UTF-8 (invalid sequences as U+FFFD, as in every editor) or UTF-16, as textEncoding says. */
export const decode = (b: Buffer): string => decodeText(b, textEncoding(b) ?? 'utf-8');

/** The last line a span touches: a match ending with a newline does not touch the next line. */
export const lastLine = (f: Finding): number => (f.span.endColumn === 1 && f.span.endLine > f.span.line ? f.span.endLine - 1 : f.span.endLine);

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function byPosition(a: Finding, b: Finding): number {
  return cmp(a.origin.path, b.origin.path) || a.span.start - b.span.start || cmp(a.ruleId, b.ruleId);
}
