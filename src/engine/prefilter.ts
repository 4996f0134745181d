/**
 * Keyword prefilter: one pass over a chunk finds where each rule's keywords occur, so that a rule's
 * regex runs only near its keywords. Case-insensitive for ASCII letters.
 *
 * Why this shape (measured on the benchmark corpus, `npm run bench`, ~470 keywords): a hand-written
 * scan beats the npm Aho-Corasick packages several times over on V8, because almost every position
 * is rejected by one table lookup. The lookup is on the first *three* characters, as a bitset of
 * 2^21 bits (256 KiB, with both letter cases set, so the hot loop never lowercases): with the
 * first two characters alone a fifth of all positions of real code hit a bucket ("to", "se", "pa"…)
 * and the scan ran at ~55 MB/s; with three, ~3% do and it runs at ~180 MB/s. Only those then go
 * through the pair -> third-character index to the few keywords that start so. Of those, most
 * still fail on the fourth character ("con" of "const" against "confluent"): a second bitset over
 * characters 2-4 of the keywords of four or more rejects them before any list is walked, which cut
 * the hit path by about two thirds on the benchmark corpus.
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

export class Prefilter {
  readonly keywords: string[];
  private readonly codes: Uint16Array[];
  /** Bit (c0 << 14 | c1 << 7 | c2) set when some keyword starts with those three ASCII characters (any case). */
  private readonly tri = new Int32Array(1 << 16);
  /** Bit (c1 << 14 | c2 << 7 | c3) set when some keyword of 4+ characters has those as its characters 2-4. */
  private readonly quad = new Int32Array(1 << 16);
  /** Bit (c0 << 14 | c1 << 7 | c2) set when a keyword of exactly three characters is those. */
  private readonly exact3 = new Int32Array(1 << 16);
  /** (c0 << 7 | c1) -> pair id (0 = none). */
  private readonly pairIndex = new Uint16Array(128 * 128);
  /** (pair id << 7 | c2) -> triple id (0 = none); triples[id] = keywords starting with those three. */
  private readonly tripleIndex: Uint16Array;
  private readonly triples: number[][] = [[]];
  /** Two-character keywords per pair id. */
  private readonly shortOf: number[][] = [[]];
  private readonly hasShort: Uint8Array;
  /** Keywords whose first three chars are not all ASCII are found with indexOf on a lowered copy. */
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
    const thirds: Map<number, number[]>[] = [new Map()];
    keywords.forEach((k, i) => {
      const c0 = lower(k.charCodeAt(0));
      const c1 = lower(k.charCodeAt(1));
      const c2 = k.length > 2 ? lower(k.charCodeAt(2)) : -1;
      if (k.length < 2 || c0 > 127 || c1 > 127 || c2 > 127) {
        this.slow.push(i);
        return;
      }
      let p = this.pairIndex[(c0 << 7) | c1];
      if (!p) {
        p = this.shortOf.length;
        this.shortOf.push([]);
        thirds.push(new Map());
        for (const a of cases(c0)) for (const b of cases(c1)) this.pairIndex[(a << 7) | b] = p;
      }
      if (c2 < 0) this.shortOf[p].push(i);
      else {
        const list = thirds[p].get(c2) ?? [];
        list.push(i);
        thirds[p].set(c2, list);
      }
      // A two-character keyword matches whatever follows it.
      const c2s = c2 < 0 ? Array.from({ length: 128 }, (_, x) => x) : cases(c2);
      for (const a of cases(c0)) for (const b of cases(c1)) for (const c of c2s) setBit(this.tri, (a << 14) | (b << 7) | c);
      if (k.length === 3) for (const a of cases(c0)) for (const b of cases(c1)) for (const c of c2s) setBit(this.exact3, (a << 14) | (b << 7) | c);
      if (k.length >= 4) {
        const c3 = lower(k.charCodeAt(3));
        // A fourth character beyond ASCII never matches the ASCII-only test below: send such keywords down the list walk.
        const c3s = c3 > 127 ? Array.from({ length: 128 }, (_, x) => x) : cases(c3);
        for (const b of cases(c1)) for (const c of cases(c2)) for (const d of c3s) setBit(this.quad, (b << 14) | (c << 7) | d);
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
    const { tri, quad, exact3, pairIndex, tripleIndex, triples, codes, hasShort, shortOf } = this;
    let c0 = n > 0 ? text.charCodeAt(0) : 0;
    let c1 = n > 1 ? text.charCodeAt(1) : 0;
    for (let i = 0; i + 1 < n; i++) {
      const c2 = i + 2 < n ? text.charCodeAt(i + 2) : 0;
      if ((c0 | c1 | c2) < 128) {
        const key = (c0 << 14) | (c1 << 7) | c2;
        if ((tri[key >> 5] & (1 << (key & 31))) !== 0) {
          const p = pairIndex[(c0 << 7) | c1];
          if (hasShort[p] === 1) for (const k of shortOf[p]) add(hits, found, k, i);
          const c3 = i + 3 < n ? text.charCodeAt(i + 3) & 127 : 0;
          const key4 = (c1 << 14) | (c2 << 7) | c3;
          const t =
            (quad[key4 >> 5] & (1 << (key4 & 31))) !== 0 || (exact3[key >> 5] & (1 << (key & 31))) !== 0 ? tripleIndex[(p << 7) | c2] : 0;
          if (t !== 0) {
            const list = triples[t];
            for (let q = 0; q < list.length; q++) {
              const k = list[q];
              const kc = codes[k];
              const len = kc.length;
              if (i + len > n) continue;
              let j = 3;
              while (j < len && lower(text.charCodeAt(i + j)) === kc[j]) j++;
              if (j === len) add(hits, found, k, i);
            }
          }
        }
      } else if (c2 >= 128 && (c0 | c1) < 128) {
        // A two-character keyword right before a non-ASCII character.
        const p = pairIndex[(c0 << 7) | c1];
        if (hasShort[p] === 1) for (const k of shortOf[p]) add(hits, found, k, i);
      }
      c0 = c1;
      c1 = c2;
    }
  }
}

function setBit(set: Int32Array, key: number): void {
  set[key >> 5] |= 1 << (key & 31);
}

function add(hits: (number[] | undefined)[], found: number[], k: number, at: number): void {
  const list = hits[k];
  if (list) list.push(at);
  else {
    hits[k] = [at];
    found.push(k);
  }
}
