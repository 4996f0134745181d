import { COMMON_TRIGRAMS } from './trigram-rank.js';

/**
 * Keyword prefilter: one pass over a chunk finds where each rule's keywords occur, so that a rule's
 * regex runs only near its keywords. Case-insensitive for ASCII letters.
 *
 * Why this shape (measured on the benchmark corpus, `npm run bench`, ~520 keywords): a hand-written
 * scan beats the npm Aho-Corasick packages several times over on V8, because almost every position
 * is rejected by one table lookup. The lookup is on three characters, as a bitset of 2^21 bits
 * (256 KiB, with both letter cases set, so the hot loop never lowercases): with two characters a
 * fifth of all positions of real code hit a bucket ("to", "se", "pa"…) and the scan ran at ~55 MB/s.
 * Which three: each keyword is indexed by its least common trigram in source text
 * (trigram-rank.ts), "ssw" of "password" rather than "pas", "kfj" of "t3blbkfj": 1.5% of the
 * corpus's positions then hit, against 4.4% when every keyword was indexed by its first three
 * characters. Only those go through the pair -> third-character index to the few keywords indexed
 * so; most of those still fail on the next character ("con" of "const" against "confluent"): a
 * second bitset over the trigram's last two characters and the one after rejects them before any
 * list is walked.
 */
export interface KeywordHits {
  /** hits[k] = sorted positions of keyword k in the chunk; undefined when it does not occur. */
  hits: readonly (number[] | undefined)[];
  /** The keywords that occur, in ascending order. */
  found: number[];
}

const lower = (c: number) => (c >= 65 && c <= 90 ? c | 32 : c);
/** Both cases of an ASCII letter (keywords are stored lowercased). */
const cases = (c: number) => (c >= 97 && c <= 122 ? [c, c - 32] : [c]);
const ANY_ASCII = Array.from({ length: 128 }, (_, c) => c);

export class Prefilter {
  readonly keywords: string[];
  private readonly codes: Uint16Array[];
  /** Where in keyword k its indexed trigram starts. */
  private readonly offsets: Int32Array;
  /** Bit (c0 << 14 | c1 << 7 | c2) set when some keyword is indexed by those three ASCII characters (any case). */
  private readonly tri = new Int32Array(1 << 16);
  /** Bit (c1 << 14 | c2 << 7 | c3) set when some keyword indexed by (c0, c1, c2) has c3 right after them. */
  private readonly quad = new Int32Array(1 << 16);
  /** Bit (c0 << 14 | c1 << 7 | c2) set when some keyword ends with the trigram it is indexed by. */
  private readonly atEnd = new Int32Array(1 << 16);
  /** (c0 << 7 | c1) -> pair id (0 = none). */
  private readonly pairIndex = new Uint16Array(128 * 128);
  /** (pair id << 7 | c2) -> triple id (0 = none); triples[id] = keywords indexed by those three. */
  private readonly tripleIndex: Uint16Array;
  private readonly triples: number[][] = [[]];
  /** Two-character keywords per pair id. */
  private readonly shortOf: number[][] = [[]];
  private readonly hasShort: Uint8Array;
  /** Keywords without three ASCII characters in a row are found with indexOf on a lowered copy. */
  private readonly slow: number[] = [];
  /**
   * One array of position lists for every call, emptied where the last call filled it. Why: a fresh
   * array per chunk, sized to all ~490 keywords, was most of what the engine allocated on git
   * history (thousands of small blobs), profiled with `npm run bench`.
   */
  private readonly hitLists: (number[] | undefined)[];
  private lastFound: number[] = [];

  constructor(keywords: string[]) {
    this.keywords = keywords;
    this.codes = keywords.map((k) => Uint16Array.from(k, (ch) => lower(ch.charCodeAt(0))));
    this.offsets = new Int32Array(keywords.length);
    const thirds: Map<number, number[]>[] = [new Map()];
    const pairOf = (c0: number, c1: number): number => {
      let p = this.pairIndex[(c0 << 7) | c1];
      if (!p) {
        p = this.shortOf.length;
        this.shortOf.push([]);
        thirds.push(new Map());
        for (const a of cases(c0)) for (const b of cases(c1)) this.pairIndex[(a << 7) | b] = p;
      }
      return p;
    };
    this.codes.forEach((kc, i) => {
      if (kc.length === 2 && kc[0] < 128 && kc[1] < 128) {
        // A two-character keyword matches whatever follows it.
        this.shortOf[pairOf(kc[0], kc[1])].push(i);
        setKeys(this.tri, cases(kc[0]), cases(kc[1]), ANY_ASCII);
        return;
      }
      const o = rarestTrigram(kc);
      if (o < 0) {
        this.slow.push(i);
        return;
      }
      this.offsets[i] = o;
      const [c0, c1, c2] = [kc[o], kc[o + 1], kc[o + 2]];
      const byThird = thirds[pairOf(c0, c1)];
      const list = byThird.get(c2) ?? [];
      list.push(i);
      byThird.set(c2, list);
      setKeys(this.tri, cases(c0), cases(c1), cases(c2));
      if (o + 3 === kc.length) setKeys(this.atEnd, cases(c0), cases(c1), cases(c2));
      else {
        const c3 = kc[o + 3];
        // The scan folds the next character to 7 bits: one beyond ASCII is registered under every value.
        setKeys(this.quad, cases(c1), cases(c2), c3 > 127 ? ANY_ASCII : cases(c3));
      }
    });
    this.tripleIndex = new Uint16Array(this.shortOf.length * 128);
    thirds.forEach((m, p) => {
      for (const [c2, list] of m) {
        const t = this.triples.length;
        this.triples.push(list);
        for (const c of cases(c2)) this.tripleIndex[(p << 7) | c] = t;
      }
    });
    this.hasShort = Uint8Array.from(this.shortOf, (s) => (s.length ? 1 : 0));
    this.hitLists = new Array(keywords.length).fill(undefined);
  }

  /** Valid until the next call: the lists are reused. */
  scan(text: string): KeywordHits {
    const hits = this.hitLists;
    for (const k of this.lastFound) hits[k] = undefined;
    const found: number[] = [];
    this.lastFound = found;
    this.scanAscii(text, hits, found);
    const n = text.length;
    if (this.slow.length) {
      const lowered = text.toLowerCase();
      // toLowerCase can lengthen a string (U+0130); positions are only trusted when it did not.
      const aligned = lowered.length === n;
      for (const k of this.slow) {
        const kw = this.keywords[k];
        const list: number[] = [];
        if (aligned) for (let p = lowered.indexOf(kw); p >= 0; p = lowered.indexOf(kw, p + 1)) list.push(p);
        else for (let p = 0; p + kw.length <= n; p++) if (text.slice(p, p + kw.length).toLowerCase() === kw) list.push(p);
        if (list.length) {
          hits[k] = list;
          found.push(k);
        }
      }
    }
    return { hits, found: found.sort((a, b) => a - b) };
  }

  /**
   * The hot loop, alone in its method. Why: V8 optimises it on-stack while the first big chunk is
   * still in the loop, before the code after the loop ever ran; when that code sat in the same
   * function, the optimised loop deoptimised on reaching it, on every call (1,430 times in one
   * benchmark scan, a quarter of the prefilter's time on a first pass).
   */
  private scanAscii(text: string, hits: (number[] | undefined)[], found: number[]): void {
    const n = text.length;
    if (n < 2) return;
    const { tri, quad, atEnd, pairIndex, tripleIndex, triples, codes, offsets, hasShort, shortOf } = this;
    // The key of the trigram at i, its characters folded into 7 bits each: a character beyond ASCII
    // aliases an ASCII one here, so a hit re-reads the three and checks them (hits are ~1.5% of
    // positions; the test this saves at every position made the bare loop ~20% faster, the
    // prefilter ~9%, on the benchmark corpus).
    let key = ((text.charCodeAt(0) & 127) << 7) | (text.charCodeAt(1) & 127);
    const last = n - 2;
    for (let i = 0; i < last; i++) {
      key = ((key << 7) | (text.charCodeAt(i + 2) & 127)) & 0x1fffff;
      if ((tri[key >> 5] & (1 << (key & 31))) === 0) continue;
      const c0 = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      if ((c0 | c1) > 127) continue;
      const p = pairIndex[key >> 7];
      // A two-character keyword matches whatever follows it, non-ASCII too.
      if (hasShort[p] === 1) for (const k of shortOf[p]) add(hits, found, k, i);
      const c2 = text.charCodeAt(i + 2);
      if (c2 > 127) continue;
      const c3 = i + 3 < n ? text.charCodeAt(i + 3) & 127 : 0;
      const key4 = ((key << 7) | c3) & 0x1fffff;
      if ((quad[key4 >> 5] & (1 << (key4 & 31))) === 0 && (atEnd[key >> 5] & (1 << (key & 31))) === 0) continue;
      const t = tripleIndex[(p << 7) | c2];
      if (t === 0) continue;
      const list = triples[t];
      for (let q = 0; q < list.length; q++) {
        const k = list[q];
        const kc = codes[k];
        const o = offsets[k];
        const s = i - o;
        const len = kc.length;
        if (s < 0 || s + len > n) continue;
        let j = 0;
        while (j < o && lower(text.charCodeAt(s + j)) === kc[j]) j++;
        if (j < o) continue;
        j = o + 3;
        while (j < len && lower(text.charCodeAt(s + j)) === kc[j]) j++;
        if (j === len) add(hits, found, k, s);
      }
    }
    // The last two characters hold no trigram: only a two-character keyword can start there.
    const c0 = text.charCodeAt(last);
    const c1 = text.charCodeAt(last + 1);
    if ((c0 | c1) < 128) {
      const p = pairIndex[(c0 << 7) | c1];
      if (hasShort[p] === 1) for (const k of shortOf[p]) add(hits, found, k, last);
    }
  }
}

/**
 * Keyword ids and one prefilter shared by engines built together: the PII rules' engine beside the
 * plain one (normalize.ts) reads the same hits when it gets the same text, which is all text that
 * normalising leaves unchanged. Why: each engine ran its own pass over every chunk; in `redact`
 * (secrets and PII) the two passes were ~1 s of a 9 s run, one pass over the union ~0.4 s.
 */
export class SharedKeywords {
  private readonly index = new Map<string, number>();
  private prefilter?: Prefilter;
  private lastText?: string;
  private last?: KeywordHits;

  /** The id of a keyword; every keyword is registered before the first scan. */
  id(keyword: string): number {
    let id = this.index.get(keyword);
    if (id === undefined) {
      if (this.prefilter) throw new Error('SharedKeywords: keyword registered after the first scan');
      this.index.set(keyword, (id = this.index.size));
    }
    return id;
  }

  get size(): number {
    return this.index.size;
  }

  /** As Prefilter.scan, and the same result again for the same text (valid until a scan of another text). */
  scan(text: string): KeywordHits {
    if (text === this.lastText) return this.last!;
    this.prefilter ??= new Prefilter([...this.index.keys()]);
    this.last = this.prefilter.scan(text);
    this.lastText = text;
    return this.last;
  }
}

/** Rank of each common trigram (0 = most common); a trigram not listed is rarer than all of them. */
let ranks: Map<string, number> | undefined;

/** Offset of the keyword's least common all-ASCII trigram (the first on ties), or -1 if it has none. */
export function rarestTrigram(kc: Uint16Array): number {
  ranks ??= new Map(Array.from({ length: COMMON_TRIGRAMS.length / 3 }, (_, r) => [COMMON_TRIGRAMS.slice(3 * r, 3 * r + 3), r]));
  let best = -1;
  let bestRank = -1;
  for (let o = 0; o + 3 <= kc.length; o++) {
    if (kc[o] > 127 || kc[o + 1] > 127 || kc[o + 2] > 127) continue;
    const rank = ranks.get(String.fromCharCode(kc[o], kc[o + 1], kc[o + 2])) ?? Infinity;
    if (rank > bestRank) {
      bestRank = rank;
      best = o;
    }
  }
  return best;
}

/** Sets the bit of every key (a << 14 | b << 7 | c) with a, b and c drawn from the three lists. */
function setKeys(set: Int32Array, as: number[], bs: number[], cs: number[]): void {
  for (const a of as) {
    for (const b of bs) {
      for (const c of cs) {
        const key = (a << 14) | (b << 7) | c;
        set[key >> 5] |= 1 << (key & 31);
      }
    }
  }
}

function add(hits: (number[] | undefined)[], found: number[], k: number, at: number): void {
  const list = hits[k];
  if (list) list.push(at);
  else {
    hits[k] = [at];
    found.push(k);
  }
}
