import { chunkText } from '../sources/chunker.js';
import { createEngine } from './engine.js';
import type { RuleSpec } from './types.js';

export interface ExampleFailure {
  file: string;
  rule: string;
  /** `examples.match[2]`: which example, so the message points at it. */
  field: string;
  message: string;
}

/**
 * Runs every rule's examples through the real engine (prefilter, windows, entropy, validators,
 * stopwords), one rule at a time: a match example must be found by its rule, a noMatch example
 * must not be. Path scoping is left out: examples have no path, so no allowlist path matches them
 * (an OR table's other checks still apply; an AND table with paths allows nothing).
 */
export function checkExamples(rules: readonly RuleSpec[], opts: { minMatch?: number; minNoMatch?: number } = {}): ExampleFailure[] {
  const failures: ExampleFailure[] = [];
  for (const rule of rules) {
    const fail = (field: string, message: string) => failures.push({ file: rule.source, rule: rule.id, field, message });
    if (rule.examples.match.length < (opts.minMatch ?? 1)) fail('examples.match', `needs at least ${opts.minMatch ?? 1} example(s) that must match`);
    if (rule.examples.noMatch.length < (opts.minNoMatch ?? 1)) fail('examples.noMatch', `needs at least ${opts.minNoMatch ?? 1} example(s) that must not match`);
    const engine = createEngine({
      rules: [{ ...rule, paths: undefined, allowlists: rule.allowlists.filter((a) => a.condition !== 'and' || !a.paths.length).map((a) => ({ ...a, paths: [] })) }],
      allowlist: { paths: [], regexes: [], stopwords: [], allowTarget: 'secret' },
    });
    const found = (text: string) => {
      let n = 0;
      for (const chunk of chunkText(text, { path: 'example' })) n += engine.scanChunk(chunk).length;
      return n;
    };
    rule.examples.match.forEach((ex, i) => {
      if (found(ex) === 0) fail(`examples.match[${i}]`, 'is not found by the rule');
    });
    rule.examples.noMatch.forEach((ex, i) => {
      if (found(ex) > 0) fail(`examples.noMatch[${i}]`, 'is found by the rule but must not be');
    });
  }
  return failures;
}
