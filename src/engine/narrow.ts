import { normalizeText } from './normalize.js';
import type { RuleSet } from './types.js';

/**
 * The rules of a set that can find anything in the given texts. A rule with keywords runs only where
 * one of them occurs (the prefilter's contract: docs/rules.md), so a rule none of whose keywords
 * occurs in any of the texts finds nothing there and can be left out of the engine. Rules without
 * keywords are always kept.
 *
 * Why: building the engine (the keyword prefilter's tables, every rule compiled) costs tens of
 * milliseconds for the built-in packs, paid at every start. A pre-commit scan of a few files holds
 * the keywords of a handful of rules (8 of 295 on the benchmark's 10-file change), and the engine
 * for those is built in a fraction of the time. Looking for each keyword costs time in proportion
 * to the text, so this pays only on small inputs: callers decide (git/staged.ts).
 *
 * Keywords are looked for case-insensitively, in the text as given and as the PII rules see it
 * (normalised: normalize.ts), a superset of where the prefilter finds them: the narrowed engine
 * finds exactly what the whole one finds (test/narrow.test.ts).
 */
export function narrowRuleSet(ruleSet: RuleSet, texts: readonly string[]): RuleSet {
  const haystacks: string[] = [];
  for (const t of texts) {
    haystacks.push(t.toLowerCase());
    const n = normalizeText(t);
    if (n) haystacks.push(n.text.toLowerCase());
  }
  const found = new Map<string, boolean>();
  const occurs = (k: string): boolean => {
    let f = found.get(k);
    if (f === undefined) {
      const lower = k.toLowerCase();
      f = haystacks.some((h) => h.includes(lower)) || (lower !== k && texts.some((t) => t.includes(k)));
      found.set(k, f);
    }
    return f;
  };
  return { ...ruleSet, rules: ruleSet.rules.filter((r) => r.keywords.length === 0 || r.keywords.some(occurs)) };
}
