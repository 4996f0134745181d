/**
 * Anchors: an exact gate for rules without keywords (the PII packs). A rule that declares
 * `anchors = '''[0-9]'''` promises that every match of its regex contains one of those characters; the
 * engine then finds the anchor characters of a chunk in one pass (shared by every rule with the same
 * anchors) and runs the rule's regex only on windows around them, instead of over the whole chunk.
 *
 * The promise is not trusted: `analyzeRegex` reads the regex and proves it at load (a rule whose
 * regex can match without an anchor character is an error naming the field). The same reading bounds
 * how far a match can start before its first anchor (`pre`), how many characters a match attempt
 * examines behind its start (`back`, look-behinds and \b) and ahead of it (`reach`, the match and its
 * look-aheads). With those bounds the windowed scan finds exactly the matches of a scan of the whole
 * chunk: every attempt it makes sees the same characters it would see in the whole chunk, and no match
 * can start outside the windows. Hence unbounded repetition (`+`, `*`, `{n,}`) rules anchors out.
 */

/** A set of UTF-16 code units as sorted, disjoint [lo, hi] ranges. */
type Ranges = [number, number][];

type Node =
  | { t: 'char'; set: Ranges }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; index?: number; body: Node }
  | { t: 'look'; behind: boolean; negative: boolean; body: Node }
  | { t: 'quant'; body: Node; min: number; max: number }
  | { t: 'backref'; ref: number | string }
  | { t: 'assert'; kind: '^' | '$' | 'b' };

const MAX_UNIT = 0xffff;

function normalizeRanges(r: Ranges): Ranges {
  const s = r.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Ranges = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function complement(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [a, b] of normalizeRanges(r)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_UNIT) out.push([next, MAX_UNIT]);
  return out;
}

const DIGIT: Ranges = [[48, 57]];
const WORD: Ranges = [[48, 57], [65, 90], [95, 95], [97, 122]];
const SPACE: Ranges = normalizeRanges([
  [9, 13], [32, 32], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f],
  [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
const LINE_TERMINATORS: Ranges = [[10, 10], [13, 13], [0x2028, 0x2029]];

/**
 * With the `i` flag a character also matches its other case. ASCII letters get theirs; anything from
 * U+00B5 on (where case mappings leave ASCII or are irregular) is widened to every non-ASCII unit,
 * which can only make a class look bigger than it is: the proofs below stay sound.
 */
function caseless(r: Ranges): Ranges {
  const out: Ranges = [...r];
  for (const [a, b] of r) {
    const lo = Math.max(a, 65);
    const hi = Math.min(b, 90);
    if (lo <= hi) out.push([lo + 32, hi + 32]);
    const lo2 = Math.max(a, 97);
    const hi2 = Math.min(b, 122);
    if (lo2 <= hi2) out.push([lo2 - 32, hi2 - 32]);
    if (b >= 0xb5) out.push([0x80, MAX_UNIT]);
    // K and S fold to the Kelvin sign and the long s in some engines' tables.
    if ((a <= 107 && b >= 107) || (a <= 75 && b >= 75) || (a <= 115 && b >= 115) || (a <= 83 && b >= 83)) out.push([0x80, MAX_UNIT]);
  }
  return normalizeRanges(out);
}

export class RegexSyntaxError extends Error {}

/** A parser for the JavaScript regex syntax the rule packs use (no `u`/`v` flag features beyond `\u{…}`). */
class Parser {
  private i = 0;
  groups = 0;
  readonly names = new Map<string, number>();
  constructor(
    private readonly src: string,
    private readonly flags: string,
  ) {}

  parse(): Node {
    const n = this.alternation();
    if (this.i < this.src.length) throw new RegexSyntaxError(`unexpected "${this.src[this.i]}" at ${this.i}`);
    return n;
  }

  private peek(k = 0): string {
    return this.src[this.i + k] ?? '';
  }

  private alternation(): Node {
    const alts = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      items.push(this.quantifier(atom));
    }
    return items.length === 1 ? items[0] : { t: 'seq', items };
  }

  private quantifier(atom: Node): Node {
    let min: number;
    let max: number;
    const c = this.peek();
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return atom; // a literal "{" (Annex B)
      min = Number(m[1]);
      max = m[2] ? (m[3] ? Number(m[3]) : Infinity) : min;
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.peek() === '?') this.i++; // lazy: same bounds
    return this.quantifier({ t: 'quant', body: atom, min, max });
  }

  private charNode(set: Ranges): Node {
    return { t: 'char', set: this.flags.includes('i') ? caseless(set) : normalizeRanges(set) };
  }

  private atom(): Node {
    const c = this.src[this.i++];
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charNode(this.classBody());
      case '.':
        return this.charNode(this.flags.includes('s') ? [[0, MAX_UNIT]] : complement(LINE_TERMINATORS));
      case '^':
        return { t: 'assert', kind: '^' };
      case '$':
        return { t: 'assert', kind: '$' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`nothing to repeat at ${this.i - 1}`);
      default: {
        const code = c.charCodeAt(0);
        return this.charNode([[code, code]]);
      }
    }
  }

  private group(): Node {
    let node: Node;
    if (this.peek() === '?') {
      const two = this.src.slice(this.i, this.i + 3);
      if (two.startsWith('?:')) {
        this.i += 2;
        node = { t: 'group', body: this.alternation() };
      } else if (two.startsWith('?=') || two.startsWith('?!')) {
        this.i += 2;
        node = { t: 'look', behind: false, negative: two[1] === '!', body: this.alternation() };
      } else if (two === '?<=' || two === '?<!') {
        this.i += 3;
        node = { t: 'look', behind: true, negative: two[2] === '!', body: this.alternation() };
      } else if (two.startsWith('?<')) {
        const m = /^\?<([A-Za-z_$][\w$]*)>/.exec(this.src.slice(this.i));
        if (!m) throw new RegexSyntaxError(`bad group name at ${this.i}`);
        this.i += m[0].length;
        const index = ++this.groups;
        this.names.set(m[1], index);
        node = { t: 'group', index, body: this.alternation() };
      } else throw new RegexSyntaxError(`unsupported group syntax at ${this.i}`);
    } else {
      const index = ++this.groups;
      node = { t: 'group', index, body: this.alternation() };
    }
    if (this.src[this.i++] !== ')') throw new RegexSyntaxError('unterminated group');
    return node;
  }

  /** One escape outside a class. */
  private escape(): Node {
    const c = this.src[this.i++];
    if (c === undefined) throw new RegexSyntaxError('trailing backslash');
    if (c === 'b' || c === 'B') return { t: 'assert', kind: 'b' };
    if (c === 'k' && this.peek() === '<') {
      const m = /^<([A-Za-z_$][\w$]*)>/.exec(this.src.slice(this.i));
      if (!m) throw new RegexSyntaxError('bad \\k reference');
      this.i += m[0].length;
      return { t: 'backref', ref: m[1] };
    }
    if (c >= '1' && c <= '9') {
      const m = /^\d*/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      return { t: 'backref', ref: Number(c + m[0]) };
    }
    return this.charNode(this.escapeSet(c, false));
  }

  /** The set an escape stands for (after the backslash, `c` already consumed). */
  private escapeSet(c: string, inClass: boolean): Ranges {
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'n':
        return [[10, 10]];
      case 'r':
        return [[13, 13]];
      case 't':
        return [[9, 9]];
      case 'v':
        return [[11, 11]];
      case 'f':
        return [[12, 12]];
      case '0':
        return [[0, 0]];
      case 'b':
        if (inClass) return [[8, 8]];
        break;
      case 'c': {
        const l = this.peek();
        if (/[A-Za-z]/.test(l)) {
          this.i++;
          const code = l.charCodeAt(0) % 32;
          return [[code, code]];
        }
        return [[92, 92], [99, 99]];
      }
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.i));
        if (m) {
          this.i += 2;
          const code = parseInt(m[0], 16);
          return [[code, code]];
        }
        return [[120, 120]];
      }
      case 'u': {
        const m = /^(?:[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]+\})/.exec(this.src.slice(this.i));
        if (m) {
          this.i += m[0].length;
          const code = parseInt(m[0].replace(/[{}]/g, ''), 16);
          // An astral code point is two units; any unit will do for the proofs below.
          return code > MAX_UNIT ? [[0xd800, 0xdfff]] : [[code, code]];
        }
        return [[117, 117]];
      }
      case 'p':
      case 'P':
        if (this.flags.includes('u') || this.flags.includes('v')) {
          const m = /^\{[^}]*\}/.exec(this.src.slice(this.i));
          if (m) this.i += m[0].length;
          return [[0, MAX_UNIT]];
        }
        break;
    }
    const code = c.charCodeAt(0);
    return [[code, code]];
  }

  private classBody(): Ranges {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const out: Ranges = [];
    const item = (): Ranges | undefined => {
      const c = this.src[this.i++];
      if (c === undefined) throw new RegexSyntaxError('unterminated class');
      if (c === '\\') return this.escapeSet(this.src[this.i++] ?? '', true);
      const code = c.charCodeAt(0);
      return [[code, code]];
    };
    while (this.peek() !== ']') {
      if (this.i >= this.src.length) throw new RegexSyntaxError('unterminated class');
      const a = item()!;
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '' && a.length === 1 && a[0][0] === a[0][1]) {
        const save = this.i;
        this.i++;
        const b = item()!;
        if (b.length === 1 && b[0][0] === b[0][1]) {
          if (b[0][0] < a[0][0]) throw new RegexSyntaxError('range out of order in class');
          out.push([a[0][0], b[0][0]]);
          continue;
        }
        // `[\w-x]`-like: the dash is literal (Annex B).
        this.i = save;
      }
      out.push(...a);
    }
    this.i++;
    return negate ? complement(out) : normalizeRanges(out);
  }
}

export interface RegexInfo {
  /** Every match contains at least this many characters of the anchor set (0: not provably any). */
  minAnchors: number;
  /** At most this many characters of a match come before its first anchor character. */
  pre: number;
  /** Longest match, in UTF-16 units. */
  width: number;
  /** A match attempt at x reads no character before x - back ... */
  back: number;
  /** ... and none at or after x + reach. */
  reach: number;
  /**
   * A run gate (0: none): every match starts with at least this many anchor characters in a row, and
   * then `back` counts from the run's start and `reach` from its end (see analyzeRun).
   */
  run?: number;
}

interface Stats {
  minW: number;
  maxW: number;
  /** Max chars examined from the node's start onwards (exclusive end offset). */
  reach: number;
  /** Max chars examined before the node's start. */
  back: number;
  /** Min number of surely-anchor characters in a match of the node. */
  minA: number;
  /** Max chars a match of the node consumes before its first anchor character (its width if none). */
  pre: number;
}

const isSubset = (set: Ranges, of: Ranges) => set.every(([a, b]) => of.some(([c, d]) => c <= a && b <= d));

/** Parses `source` (JavaScript syntax, with `flags`) and measures it against the anchor set. */
export function analyzeRegex(source: string, flags: string, anchors: Ranges): RegexInfo {
  const { root, stats } = measure(source, flags, anchors);
  const s = stats(root);
  return { minAnchors: s.minA, pre: s.pre, width: s.maxW, back: s.back, reach: Math.max(s.reach, s.maxW) };
}

/** Items of a sequence, groups opened (a group's alternatives are one item). */
function flatten(n: Node): Node[] {
  if (n.t === 'seq') return n.items.flatMap(flatten);
  if (n.t === 'group' && (n.body.t === 'seq' || n.body.t === 'group' || n.body.t === 'quant' || n.body.t === 'char')) return flatten(n.body);
  return [n];
}

/**
 * A run gate, for a regex whose one unbounded repetition is a run of anchor characters at the start
 * of every match (`(?<![\w+/])([A-Za-z0-9+/]{200,}={0,2})`, a long base64 run): the regex must read
 * as zero-width items (look-arounds, assertions), then a quantifier `{L,}` (or `+`) over a class of
 * anchor characters, then items of bounded width and reach. Then every match starts at a position x
 * with L anchor characters at [x, x + L), so inside a maximal run of at least L of them, at most L
 * before its end; the run part stays inside that run (it consumes anchor characters only), and an
 * attempt at x reads no character before runStart - back nor at or after runEnd + reach. A scan of
 * the long runs, each with those margins, finds exactly the matches of a scan of the whole chunk.
 * Undefined when the regex does not read so (the flags u and v are left out: a class there can
 * stand for two units).
 */
export function analyzeRun(source: string, flags: string, anchors: Ranges): RegexInfo | undefined {
  if (flags.includes('u') || flags.includes('v')) return undefined;
  const { root, stats } = measure(source, flags, anchors);
  const items = flatten(root);
  const q = items.findIndex((n) => n.t === 'quant');
  const run = items[q];
  if (!run || run.t !== 'quant' || run.max !== Infinity || run.min < 1 || run.body.t !== 'char' || !isSubset(run.body.set, anchors)) return undefined;
  const L = run.min;
  let back = 0;
  let reach = 0;
  for (const it of items.slice(0, q)) {
    const st = stats(it);
    if (st.maxW !== 0) return undefined;
    back = Math.max(back, st.back);
    // A look-ahead before the run reads from x <= runEnd - L.
    reach = Math.max(reach, st.reach - L);
  }
  // After the run: from its end (y <= runEnd), bounded; look-behinds there read back from y >= x + L.
  let w = 0;
  for (const it of items.slice(q + 1)) {
    const st = stats(it);
    reach = Math.max(reach, w + st.reach);
    back = Math.max(back, st.back - L);
    w += st.maxW;
  }
  if (!Number.isFinite(reach) || !Number.isFinite(back)) return undefined;
  return { minAnchors: L, pre: 0, width: L, back, reach: Math.max(reach, w), run: L };
}

function measure(source: string, flags: string, anchors: Ranges): { root: Node; stats: (n: Node) => Stats } {
  const parser = new Parser(source, flags);
  const root = parser.parse();
  const groups = new Map<number, Node>();
  const collect = (n: Node) => {
    if (n.t === 'group' && n.index !== undefined) groups.set(n.index, n);
    if (n.t === 'seq') n.items.forEach(collect);
    else if (n.t === 'alt') n.alts.forEach(collect);
    else if (n.t === 'group' || n.t === 'look' || n.t === 'quant') collect(n.body);
  };
  collect(root);
  const memo = new Map<Node, Stats>();
  const visiting = new Set<Node>();

  const stats = (n: Node): Stats => {
    const hit = memo.get(n);
    if (hit) return hit;
    if (visiting.has(n)) throw new RegexSyntaxError('a backreference refers to its own group');
    visiting.add(n);
    const s = compute(n);
    visiting.delete(n);
    memo.set(n, s);
    return s;
  };

  const compute = (n: Node): Stats => {
    switch (n.t) {
      case 'char': {
        const a = isSubset(n.set, anchors);
        return { minW: 1, maxW: 1, reach: 1, back: 0, minA: a ? 1 : 0, pre: a ? 0 : 1 };
      }
      case 'assert':
        // ^ and $ read the character beside them (or, without the m flag, whether there is one);
        // \b and \B read both neighbours.
        if (n.kind === '^') return { minW: 0, maxW: 0, reach: 0, back: 1, minA: 0, pre: 0 };
        if (n.kind === '$') return { minW: 0, maxW: 0, reach: 1, back: 0, minA: 0, pre: 0 };
        return { minW: 0, maxW: 0, reach: 1, back: 1, minA: 0, pre: 0 };
      case 'group':
        return stats(n.body);
      case 'look': {
        const b = stats(n.body);
        // A look-behind's body ends where it stands: it starts at least minW back, so reads at most
        // reach - minW ahead (its own look-aheads), and reaches back its width plus its body's own look-behinds.
        if (n.behind) return { minW: 0, maxW: 0, reach: b.reach - b.minW, back: b.maxW + b.back, minA: 0, pre: 0 };
        return { minW: 0, maxW: 0, reach: b.reach, back: b.back, minA: 0, pre: 0 };
      }
      case 'backref': {
        const index = typeof n.ref === 'number' ? n.ref : parser.names.get(n.ref);
        const g = index === undefined ? undefined : groups.get(index);
        if (!g) throw new RegexSyntaxError(`backreference to a missing group ${String(n.ref)}`);
        const gs = stats(g);
        // The group may be unset (then the reference matches empty): no anchor is promised.
        return { minW: 0, maxW: gs.maxW, reach: gs.maxW, back: 0, minA: 0, pre: gs.maxW };
      }
      case 'seq': {
        let minW = 0;
        let maxW = 0;
        let reach = 0;
        let back = 0;
        let minA = 0;
        let pre = 0;
        let anchored = false;
        // Positive look-aheads whose anchors the rest of the sequence must consume: `(?=[A-Z]{0,7}\d)`
        // before eight consumed characters promises a digit within them.
        let promised = 0;
        const rest = n.items.map((_, i) => n.items.slice(i + 1).reduce((sum, it) => sum + stats(it).minW, 0));
        n.items.forEach((item, i) => {
          const s = stats(item);
          reach = Math.max(reach, maxW + s.reach);
          back = Math.max(back, s.back - minW);
          let a = s.minA;
          let ap = s.pre;
          if (item.t === 'look' && !item.behind && !item.negative) {
            const b = stats(item.body);
            if (b.minA > 0 && b.reach <= rest[i]) {
              promised = Math.max(promised, b.minA);
              a = b.minA;
              ap = b.pre;
            }
          }
          if (!anchored) {
            pre = Math.max(pre, maxW + ap);
            if (a > 0) anchored = true;
          }
          minW += s.minW;
          maxW += s.maxW;
          minA += s.minA;
        });
        if (!anchored) pre = maxW;
        // The promised anchors are among the consumed ones: the larger count holds, not the sum.
        return { minW, maxW, reach: Math.max(reach, maxW), back, minA: Math.max(minA, promised), pre };
      }
      case 'alt': {
        const ss = n.alts.map(stats);
        return {
          minW: Math.min(...ss.map((s) => s.minW)),
          maxW: Math.max(...ss.map((s) => s.maxW)),
          reach: Math.max(...ss.map((s) => s.reach)),
          back: Math.max(...ss.map((s) => s.back)),
          minA: Math.min(...ss.map((s) => s.minA)),
          pre: Math.max(...ss.map((s) => s.pre)),
        };
      }
      case 'quant': {
        const s = stats(n.body);
        const maxW = n.max === 0 ? 0 : s.maxW === 0 ? 0 : s.maxW * n.max;
        const reach = n.max === 0 ? 0 : s.maxW === 0 ? s.reach : (n.max - 1) * s.maxW + s.reach;
        const minA = n.min * s.minA;
        // The first iteration carries the anchor when the body always has one; otherwise assume the worst.
        const pre = n.min >= 1 && s.minA > 0 ? s.pre : maxW;
        return { minW: n.min * s.minW, maxW, reach, back: n.max === 0 ? 0 : s.back, minA, pre };
      }
    }
  };

  return { root, stats };
}

/** A compiled anchor gate: how to find the anchors of a chunk, and how far around them the rule runs. */
export interface AnchorGate {
  /** The anchor class as written (`[0-9]`, `@`): rules with the same one share a chunk's scan. */
  key: string;
  /** Finds the next anchor character. */
  first: RegExp;
  /** 1 for each anchor code unit. */
  table: Uint8Array;
  minAnchors: number;
  pre: number;
  width: number;
  back: number;
  reach: number;
  /** A run gate's minimum run (0: a plain gate). */
  run: number;
}

/**
 * Parses an `anchors` value: one character (`@`) or one character class (`[0-9]`, `[:.-]`), in regex
 * syntax. Returns its set of code units, or throws with a message for the schema.
 */
export function parseAnchorClass(value: string): Ranges {
  // One character stands for itself ("." is a dot, not any character).
  if (value.length === 1) return [[value.charCodeAt(0), value.charCodeAt(0)]];
  const src = value.startsWith('[') || /^\\.$/.test(value) ? value : '';
  if (!src) throw new RegexSyntaxError('must be one character or one character class such as "@" or "[0-9]"');
  try {
    new RegExp(src);
  } catch (x) {
    throw new RegexSyntaxError(`does not compile: ${(x as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
  const p = new Parser(src, '');
  const n = p.parse();
  if (n.t !== 'char') throw new RegexSyntaxError('must be one character or one character class such as "@" or "[0-9]"');
  if (n.set.length === 0) throw new RegexSyntaxError('is an empty class');
  return n.set;
}

/**
 * Measures a regex against its anchors, or throws a RegexSyntaxError whose message the schema reports
 * on the `anchors` field. Costs a few milliseconds for a long regex, cold: the schema stores the result
 * on the rule (`RuleSpec.anchorBounds`, in the built-in rule cache too), and engines reuse it.
 */
export function anchorBounds(regex: string, flags: string, anchors: string): RegexInfo {
  const set = parseAnchorClass(anchors);
  let info: RegexInfo;
  try {
    info = analyzeRegex(regex, flags, set);
  } catch (x) {
    if (x instanceof RegexSyntaxError) throw new RegexSyntaxError(`cannot be checked against the regex: ${x.message}`);
    throw x;
  }
  if (info.minAnchors === 0) throw new RegexSyntaxError(`the regex can match text without any of ${anchors}`);
  if (!Number.isFinite(info.reach) || !Number.isFinite(info.pre)) {
    const run = analyzeRun(regex, flags, set);
    if (run) return run;
    throw new RegexSyntaxError(
      'the regex has unbounded repetition (*, +, {n,}); anchors need every repetition bounded, or one unbounded run of anchor characters that starts every match',
    );
  }
  return info;
}

/** Stored bounds, tied to what they were measured on (a copy of a rule with another regex measures again). */
export interface StoredBounds extends RegexInfo {
  of: string;
}

/** FNV-1a of the regex, its flags and the anchors: identifies what stored bounds were measured on. */
export function boundsKey(regex: string, flags: string, anchors: string): string {
  const s = `${anchors}\u0000${flags}\u0000${regex}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return `${(h >>> 0).toString(16)}:${s.length}`;
}

/** Schema validation: the bounds, or why the regex cannot use these anchors. */
export function checkAnchors(regex: string, flags: string, anchors: string): { bounds: StoredBounds } | { error: string } {
  try {
    return { bounds: { ...anchorBounds(regex, flags, anchors), of: boundsKey(regex, flags, anchors) } };
  } catch (x) {
    if (x instanceof RegexSyntaxError) return { error: x.message };
    throw x;
  }
}

/** A code unit in regex source, also inside a class: word characters as they are, others as \\uXXXX. */
const escapeChar = (c: number) => (/\w/.test(String.fromCharCode(c)) ? String.fromCharCode(c) : `\\u${c.toString(16).padStart(4, '0')}`);

/** Anchor sets are few ("[0-9]", "@", ":"): one 64 KiB table each, shared by the rules that use it. */
const tables = new Map<string, Uint8Array>();

/** The gate of a rule: its bounds (measured now unless stored ones fit) and the anchor finder. */
export function compileAnchorGate(regex: string, flags: string, anchors: string, stored?: StoredBounds): AnchorGate {
  const info = stored && stored.of === boundsKey(regex, flags, anchors) ? stored : anchorBounds(regex, flags, anchors);
  const set = parseAnchorClass(anchors);
  let table = tables.get(anchors);
  if (!table) {
    table = new Uint8Array(MAX_UNIT + 1);
    for (const [a, b] of set) table.fill(1, a, b + 1);
    tables.set(anchors, table);
  }
  // A lone character is searched as a literal (a fast native search), a set as a class built from its
  // ranges (not from the text written: `\\d` and `[0-9]` are the same set).
  const first =
    set.length === 1 && set[0][0] === set[0][1]
      ? new RegExp(escapeChar(set[0][0]), 'g')
      : new RegExp(`[${set.map(([a, b]) => (a === b ? escapeChar(a) : `${escapeChar(a)}-${escapeChar(b)}`)).join('')}]`, 'g');
  const { minAnchors, pre, width, back, reach } = info;
  return { key: anchors, first, table, minAnchors, pre, width, back, reach, run: info.run ?? 0 };
}

/**
 * Start and end of every maximal run of anchor characters in `text`, flat: [s0, e0, s1, e1, ...].
 * The regex finds a run's first character (`test`: no match object), a loop its end. A typed array,
 * grown by doubling: pushing tens of thousands of numbers onto an Array cost twice the scan itself.
 */
export function anchorRuns(text: string, gate: AnchorGate): Int32Array {
  const re = gate.first;
  const table = gate.table;
  const out = new RunList();
  const n = text.length;
  re.lastIndex = 0;
  while (re.test(text)) {
    const s = re.lastIndex - 1;
    let e = s + 1;
    while (e < n && table[text.charCodeAt(e)] === 1) e++;
    out.add(s, e);
    re.lastIndex = e;
  }
  re.lastIndex = 0;
  return out.done();
}

/** Runs as [s0, e0, s1, e1, ...] in a typed array grown by doubling. */
class RunList {
  private a = new Int32Array(256);
  private k = 0;
  add(s: number, e: number): void {
    if (this.k + 2 > this.a.length) {
      const grown = new Int32Array(this.a.length * 2);
      grown.set(this.a);
      this.a = grown;
    }
    this.a[this.k++] = s;
    this.a[this.k++] = e;
  }
  done(): Int32Array {
    return this.a.subarray(0, this.k);
  }
}

/**
 * Start and end of every maximal run of at least `min` anchor characters, flat as in anchorRuns.
 * Every such run holds a multiple of `min`: probing those positions alone finds them all, and in
 * prose (a letter at most probes, words of a few letters) reads a few characters per probe.
 */
export function longRuns(text: string, table: Uint8Array, min: number): Int32Array {
  const out = new RunList();
  const n = text.length;
  for (let p = 0; p < n; ) {
    if (table[text.charCodeAt(p)] !== 1) {
      p += min;
      continue;
    }
    let s = p;
    while (s > 0 && table[text.charCodeAt(s - 1)] === 1) s--;
    let e = p + 1;
    while (e < n && table[text.charCodeAt(e)] === 1) e++;
    if (e - s >= min) out.add(s, e);
    p = Math.ceil(e / min) * min;
  }
  return out.done();
}

/**
 * Windows of a chunk where a rule's match may start, from the anchor runs: `fn(lo, hi)` for each range
 * [lo, hi] of start positions, merged and in order. A run yields one when the anchors near it are enough
 * for a match (`minAnchors` within `width` characters); a match can start up to `pre` characters before
 * its first anchor. Ranges closer than `gap` are merged: fewer, longer regex calls (a call costs about
 * what scanning a few hundred characters does). Nothing is allocated: this runs per rule per chunk.
 */
export function eachWindow(runs: Int32Array, gate: AnchorGate, fn: (lo: number, hi: number) => void, gap = WINDOW_GAP): void {
  const k = gate.minAnchors;
  const w = gate.width;
  const pre = gate.pre;
  let curLo = -1;
  let curHi = -1;
  // A match's anchors all lie within `width` of its first one: for run i, count the anchors in
  // [s, e - 1 + width), i.e. runs i..j-1 (the span only grows with i: two pointers).
  let j = 0;
  let count = 0; // anchors in runs [i, j)
  for (let i = 0; i < runs.length; i += 2) {
    const s = runs[i];
    const e = runs[i + 1];
    if (k > 1) {
      const limit = e - 1 + w;
      while (j < runs.length && runs[j] < limit) {
        count += runs[j + 1] - runs[j];
        j += 2;
      }
      // Run i is always counted (s < limit); only the last counted run may stick out past the limit.
      const over = runs[j - 1] - limit;
      const enough = count - (over > 0 ? over : 0) >= k;
      count -= e - s;
      if (!enough) continue;
    }
    const lo = s > pre ? s - pre : 0;
    const hi = e - 1;
    if (curHi >= 0 && lo <= curHi + gap) {
      if (hi > curHi) curHi = hi;
    } else {
      if (curHi >= 0) fn(curLo, curHi);
      curLo = lo;
      curHi = hi;
    }
  }
  if (curHi >= 0) fn(curLo, curHi);
}

/**
 * More than one anchor run per this many characters (digits in a CSV of numbers or a log: one run in
 * 6 to 8 characters; prose with personal data: one in 140) and a rule scans the whole chunk instead:
 * its windows would cover most of it, in many more regex calls (measured: 1.1-3x slower that way).
 */
export const DENSE_ANCHORS = 16;

/** Start ranges closer than this are scanned in one regex call. */
export const WINDOW_GAP = 64;
