import { describe, expect, it } from 'vitest';
import { loadPacks, BUILTIN_RULES_DIR } from '../src/config/rules.js';
import { compileWords, plainWordsRegex } from '../src/engine/context.js';
import { prng } from './helpers/prng.js';

const packs = loadPacks(BUILTIN_RULES_DIR, true);
const lists = packs.rules.flatMap((r) => [
  [r.id, r.context],
  [`${r.id} (negative)`, r.negativeContext],
]).filter((x): x is [string, string[]] => Array.isArray(x[1]) && x[1].length > 0);

const matches = (re: RegExp, s: string) => {
  re.lastIndex = 0;
  const out: string[] = [];
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(`${m.index}:${m[0]}`);
  return out;
};

/** Strings made of the words' own pieces, case flips, joiners and boundary characters. */
function samples(words: string[], seed: number): string[] {
  const r = prng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const pieces = [...words, ...words.map((w) => w.toUpperCase()), ...words.map((w) => w.slice(0, 2)), ...words.map((w) => w.slice(1))];
  const joins = [' ', '_', '-', '', '\n', 'x', 'X', 's', 'S', '.', ':', '1', 'é', 'a', 'Z'];
  const out = [...words.flatMap((w) => [w, `my${w[0].toUpperCase()}${w.slice(1)}`, `${w}s`, `${w}x`, `x${w}`, w.replace(/ /g, '_'), w.replace(/ /g, '')])];
  for (let i = 0; i < 400; i++) {
    let s = '';
    for (let k = 2 + Math.floor(r() * 6); k > 0; k--) s += pick(joins) + (r() < 0.5 ? pick(pieces) : pick(pieces).replace(/^./, (c) => c.toUpperCase()));
    out.push(s);
  }
  return out;
}

describe('context words', () => {
  for (const [name, words] of lists) {
    it(`the fast matcher finds what the plain one does: ${name}`, () => {
      const fast = compileWords(words);
      const plain = plainWordsRegex(words);
      for (const s of samples(words, name.length)) expect(matches(fast, s), JSON.stringify(s)).toEqual(matches(plain, s));
    });
  }

  it('falls back to the plain form when two words could start alike after case folding', () => {
    // "ß" upper-cases to "SS": its class holds "S", which "ss…" also starts with.
    const words = ['ßa', 'sa'];
    expect(compileWords(words).source).toBe(plainWordsRegex(words).source);
    // Whole words, camelCase steps, a plural "s" but no other ending.
    const text = 'Tel. telefonX hotel myFax faxes faxs';
    expect(matches(compileWords(['tel', 'telefon', 'fax']), text)).toEqual(['0:Tel', '5:telefon', '22:Fax', '32:faxs']);
    expect(matches(plainWordsRegex(['tel', 'telefon', 'fax']), text)).toEqual(['0:Tel', '5:telefon', '22:Fax', '32:faxs']);
  });
});
