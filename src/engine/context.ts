/**
 * Context scoring for rules that list context words (the PII packs): confidence rises with the number
 * of distinct context words near a match, a rule may demand one (`requireContext`), and words that
 * mark a look-alike (`negativeContext`: "order", "invoice", "version") drop a match that has no
 * positive word. In delimited text (CSV, TSV) the header of the match's column counts as context,
 * so a `dob` column makes the dates under it dates of birth.
 */
import { checkValidatorOptions, type OptionValue, type ValidatorOptions } from './pii.js';
import { CONFIDENCES, type Confidence, type RuleSpec } from './types.js';

export const DEFAULT_CONTEXT_WINDOW = 50;
/** A line longer than this is not searched for its column: minified files are not tables. */
const MAX_CSV_LINE = 8192;

/** Rule fields this module adds to the schema (parsed by `parseContextFields`). */
export const CONTEXT_FIELDS = ['context', 'negativeContext', 'contextWindow', 'requireContext', 'options'] as const;

export interface ContextSpec {
  context?: string[];
  negativeContext?: string[];
  contextWindow?: number;
  requireContext?: boolean;
  options?: ValidatorOptions;
}

type Err = (message: string, field?: string) => Error;

function words(v: unknown, field: string, e: Err): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.trim().length < 2))
    throw e('must be a list of words of 2 or more characters', field);
  return (v as string[]).map((w) => w.trim().toLowerCase());
}

/** Schema hook: validates and returns the context fields of one rule (errors name the field). */
export function parseContextFields(raw: Record<string, unknown>, validate: string | undefined, e: Err): ContextSpec {
  const out: ContextSpec = {};
  const context = words(raw.context, 'context', e);
  if (context) out.context = context;
  const negative = words(raw.negativeContext, 'negativeContext', e);
  if (negative) out.negativeContext = negative;
  if (raw.contextWindow !== undefined) {
    const w = raw.contextWindow;
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 1000) throw e('must be a whole number from 0 to 1000', 'contextWindow');
    out.contextWindow = w;
  }
  if (raw.requireContext !== undefined) {
    if (typeof raw.requireContext !== 'boolean') throw e('must be true or false', 'requireContext');
    if (raw.requireContext && !context?.length) throw e('needs a non-empty `context` list', 'requireContext');
    out.requireContext = raw.requireContext;
  }
  if (raw.options !== undefined) {
    const o = raw.options;
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw e('must be a table', 'options');
    for (const [k, v] of Object.entries(o)) {
      const okValue = ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
      if (!okValue) throw e('must be a string, number, boolean or list of strings', `options.${k}`);
    }
    const bad = checkValidatorOptions(validate, o as Record<string, OptionValue>);
    if (bad) throw e(bad.message, bad.field);
    out.options = Object.freeze({ ...(o as Record<string, OptionValue>) });
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Each letter as a two-case class: the regex stays case-sensitive so that camelCase boundaries can be seen. */
const caseless = (w: string) =>
  [...w].map((c) => (c.toLowerCase() !== c.toUpperCase() ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escape(c))).join('');
/** "date of birth" also matches `date_of_birth`, `Date-of-Birth`, `dateOfBirth` and `dateofbirth`. */
const wordPattern = (w: string) => w.split(/\s+/).map(caseless).join('[\\s_-]*');
/**
 * A context word is a whole token, plural allowed: `tel` in "Tel." but not in "hotel" or "telling";
 * `name` in "first_name" and "firstName", never in "username"; `sin` never in "since".
 */
const compileWords = (ws: string[]) =>
  new RegExp(
    `(?:(?<![A-Za-z0-9])|(?<=[a-z])(?=[A-Z]))(?:${[...ws].sort((a, b) => b.length - a.length).map(wordPattern).join('|')})[sS]?(?![a-z])`,
    'g',
  );

const rank = (c: Confidence) => CONFIDENCES.length - 1 - CONFIDENCES.indexOf(c);
const fromRank = (r: number) => CONFIDENCES[CONFIDENCES.length - 1 - Math.max(0, Math.min(CONFIDENCES.length - 1, r))];

export interface ContextScorer {
  /**
   * Confidence of a match at [start, end) of `text`, from `base` and the words around it; undefined
   * drops the match (context required and absent, or only negative context). `atStart` says whether
   * text[0] is the first character of the input, so that its first line can be read as a header.
   */
  score(text: string, start: number, end: number, base: Confidence, atStart: boolean): Confidence | undefined;
}

export function compileContext(spec: RuleSpec & ContextSpec): ContextScorer | undefined {
  if (!spec.context?.length && !spec.negativeContext?.length) return undefined;
  const positive = spec.context?.length ? compileWords(spec.context) : undefined;
  const negative = spec.negativeContext?.length ? compileWords(spec.negativeContext) : undefined;
  const win = spec.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
  const required = spec.requireContext === true;

  const distinct = (re: RegExp, s: string, into: Set<string>, minIndex = 0) => {
    re.lastIndex = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) if (m.index >= minIndex) into.add(m[0].toLowerCase().replace(/[\s_-]+/g, '').replace(/s$/, ''));
  };

  return {
    score(text, start, end, base, atStart) {
      // In a table (CSV, TSV), the cell's column header is its label, and the neighbouring cells (or the
      // header line just above a short row) are not; elsewhere, the words around the match are.
      const header = atStart ? columnHeader(text, start) : undefined;
      let around: string;
      let minIndex = 0;
      if (header !== undefined) around = header;
      else {
        const from = Math.max(0, start - win - 1);
        around = text.slice(from, start) + '\n' + text.slice(end, Math.min(text.length, end + win));
        // The extra character only serves the look-behind; a word starting on it may be cut off on its left.
        minIndex = from > 0 ? 1 : 0;
      }
      const found = new Set<string>();
      if (positive) distinct(positive, around, found, minIndex);
      if (found.size === 0) {
        if (required) return undefined;
        if (negative) {
          const neg = new Set<string>();
          distinct(negative, around, neg, minIndex);
          if (neg.size > 0) return undefined;
        }
      }
      return fromRank(rank(base) + Math.min(found.size, 2));
    },
  };
}

/** Single-entry cache: whether the chunk last asked about starts with a table header, and its cells. */
let headerCache: { text: string; delim?: string; cells: string[] } | undefined;

/** Splits a delimited line, honouring double quotes; returns each cell's start too. */
function splitCells(line: string, delim: string): { cells: string[]; starts: number[] } {
  const cells: string[] = [];
  const starts: number[] = [0];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === delim && !quoted) {
      cells.push(cur);
      starts.push(i + 1);
      cur = '';
    } else cur += c;
  }
  cells.push(cur);
  return { cells, starts };
}

const NAME_LIKE = /^[\p{L}_][\p{L}\p{N} _./()#-]{0,63}$/u;

/** The first line of `text` read as a table header: the delimiter that splits it into short, name-like cells. */
function readHeader(text: string): { delim?: string; cells: string[] } {
  const he = text.indexOf('\n');
  if (he < 0 || he > MAX_CSV_LINE) return { cells: [] };
  const line = text.slice(0, he).replace(/\r$/, '');
  for (const delim of [',', '\t', ';', '|']) {
    if (!line.includes(delim)) continue;
    const cells = splitCells(line, delim).cells.map((c) => c.trim());
    if (cells.length < 2 || cells.some((c) => c.length === 0 || c.length > 64)) continue;
    if (cells.filter((c) => NAME_LIKE.test(c)).length * 2 < cells.length) continue;
    return { delim, cells };
  }
  return { cells: [] };
}

/**
 * For a match in a data row of delimited text whose first line is a header with as many cells, the
 * header of the match's column ('' when that header names nothing, e.g. a number); undefined for prose,
 * JSON, logs, the header line itself and rows of another shape.
 */
export function columnHeader(text: string, pos: number): string | undefined {
  if (!headerCache || headerCache.text !== text) headerCache = { text, ...readHeader(text) };
  const { delim, cells: header } = headerCache;
  if (!delim) return undefined;
  let ls = pos;
  const stop = Math.max(0, pos - MAX_CSV_LINE);
  while (ls > stop && text.charCodeAt(ls - 1) !== 10) ls--;
  if (ls === 0 || text.charCodeAt(ls - 1) !== 10) return undefined;
  let le = text.indexOf('\n', pos);
  if (le < 0) le = text.length;
  if (le - ls > MAX_CSV_LINE) return undefined;
  const { cells, starts } = splitCells(text.slice(ls, le).replace(/\r$/, ''), delim);
  if (cells.length !== header.length) return undefined;
  let col = 0;
  while (col + 1 < starts.length && starts[col + 1] <= pos - ls) col++;
  const h = header[col].replace(/^"|"$/g, '');
  return NAME_LIKE.test(h) ? h : '';
}
