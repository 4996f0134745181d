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
const caselessChar = (c: string) => (c.toLowerCase() !== c.toUpperCase() ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escape(c));
/** Each letter as a two-case class: the regex stays case-sensitive so that camelCase boundaries can be seen. */
const caseless = (w: string) => [...w].map(caselessChar).join('');
/** "date of birth" also matches `date_of_birth`, `Date-of-Birth`, `dateOfBirth` and `dateofbirth`. */
const wordPattern = (w: string) => w.split(/\s+/).map(caseless).join('[\\s_-]*');
/** Longest first: where two words start at the same place, the longer one is taken. */
const byLength = (ws: string[]) => [...ws].sort((a, b) => b.length - a.length);
/**
 * A context word is a whole token, plural allowed: `tel` in "Tel." but not in "hotel" or "telling";
 * `name` in "first_name" and "firstName", never in "username"; `sin` never in "since".
 * This is the definition; `compileWords` builds the same matcher in a faster shape.
 */
export const plainWordsRegex = (ws: string[]) =>
  new RegExp(`(?:(?<![A-Za-z0-9])|(?<=[a-z])(?=[A-Z]))(?:${byLength(ws).map(wordPattern).join('|')})[sS]?(?![a-z])`, 'g');

/**
 * The same matches as `plainWordsRegex`, faster (2-4x on the text around PII candidates, where every
 * scored match runs it): the words grouped by their first two letters, and the word-boundary test
 * made after those two letters, as a look-behind. A regex that begins with an assertion is tried at
 * every position; one that begins with letters lets the regex engine skip to where they occur. At a
 * given position at most one group can match (their heads are checked to be disjoint, else the plain
 * form is used), and within a group the words keep their longest-first order: the same word wins.
 */
export function compileWords(ws: string[]): RegExp {
  const groups = new Map<string, { head: string[]; rests: string[] }>();
  for (const w of byLength(ws)) {
    const tokens = w.split(/\s+/);
    const chars = [...tokens[0]];
    // Head characters must be single UTF-16 units: the look-behind counts units.
    const k = chars.length >= 2 && chars[1].length === 1 ? 2 : 1;
    const head = chars.slice(0, k);
    if (head[0].length !== 1) return plainWordsRegex(ws);
    const key = head.map(caselessChar).join('');
    const rest = [caseless(chars.slice(k).join('')), ...tokens.slice(1).map(caseless)].join('[\\s_-]*');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { head, rests: [] }));
    g.rests.push(rest);
  }
  // What each head character's class matches: the characters of its lower- and upper-case forms.
  const classOf = (c: string) => new Set([...c.toLowerCase(), ...c.toUpperCase(), c]);
  const all = [...groups.values()];
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i].head;
      const b = all[j].head;
      let disjoint = false;
      for (let x = 0; x < Math.min(a.length, b.length) && !disjoint; x++) {
        const ca = classOf(a[x]);
        disjoint = ![...classOf(b[x])].some((c) => ca.has(c));
      }
      if (!disjoint) return plainWordsRegex(ws);
    }
  // The boundary before the head, tested after it: not after a letter or digit, or a camelCase step.
  const boundary = (k: number) =>
    k === 2 ? '(?<=(?<![A-Za-z0-9])[\\s\\S]{2}|[a-z][A-Z][\\s\\S])' : '(?<=(?<![A-Za-z0-9])[\\s\\S]|[a-z][A-Z])';
  const alts = [...groups.entries()].map(([key, g]) => `${key}${boundary(g.head.length)}(?:${g.rests.join('|')})`);
  return new RegExp(`(?:${alts.join('|')})[sS]?(?![a-z])`, 'g');
}

const rank = (c: Confidence) => CONFIDENCES.length - 1 - CONFIDENCES.indexOf(c);
const fromRank = (r: number) => CONFIDENCES[CONFIDENCES.length - 1 - Math.max(0, Math.min(CONFIDENCES.length - 1, r))];

export interface ContextScorer {
  /**
   * Confidence of a match at [start, end) of `text`, from `base` and the words around it; undefined
   * drops the match (context required and absent, or only negative context). `atStart` says whether
   * text[0] is the first character of the input, so that its first line can be read as a header.
   */
  score(text: string, start: number, end: number, base: Confidence, atStart: boolean): Confidence | undefined;
  /**
   * Present when a whole chunk can be ruled out at once: false when no match in `text` can get the
   * context it needs, so the rule need not run on it. A rule that requires context with a window of 0
   * looks only at its column's header: outside a table that begins the input, it can never match.
   */
  possible?(text: string, atStart: boolean): boolean;
}

export function compileContext(spec: RuleSpec & ContextSpec): ContextScorer | undefined {
  if (!spec.context?.length && !spec.negativeContext?.length) return undefined;
  const positive = spec.context?.length ? compileWords(spec.context) : undefined;
  const negative = spec.negativeContext?.length ? compileWords(spec.negativeContext) : undefined;
  const win = spec.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
  const required = spec.requireContext === true;

  // Distinct words found, counted up to `limit`: confidence rises by at most two, and negative context
  // only asks whether there is one, so the search stops there.
  const distinct = (re: RegExp, s: string, minIndex: number, limit: number): number => {
    re.lastIndex = 0;
    let first: string | undefined;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      if (m.index < minIndex) continue;
      const word = m[0].toLowerCase().replace(/[\s_-]+/g, '').replace(/s$/, '');
      if (first === undefined) first = word;
      else if (word !== first) {
        re.lastIndex = 0;
        return 2;
      }
      if (limit === 1) {
        re.lastIndex = 0;
        return 1;
      }
    }
    return first === undefined ? 0 : 1;
  };

  return {
    ...(required && win === 0 ? { possible: (text: string, atStart: boolean) => atStart && tableOf(text).delim !== undefined } : {}),
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
      const found = positive ? distinct(positive, around, minIndex, 2) : 0;
      if (found === 0) {
        if (required) return undefined;
        if (negative && distinct(negative, around, minIndex, 1) > 0) return undefined;
      }
      return fromRank(rank(base) + found);
    },
  };
}

/** Single-entry cache: whether the chunk last asked about starts with a table header, and its cells. */
let headerCache: { text: string; delim?: string; cells: string[] } | undefined;
function tableOf(text: string): { delim?: string; cells: string[] } {
  if (!headerCache || headerCache.text !== text) headerCache = { text, ...readHeader(text) };
  return headerCache;
}

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
  const { delim, cells: header } = tableOf(text);
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
