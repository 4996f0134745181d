import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR, loadPacks } from '../src/config/rules.js';
import { createEngine } from '../src/engine/engine.js';
import { narrowRuleSet } from '../src/engine/narrow.js';
import type { Finding, RuleSet } from '../src/engine/types.js';
import { chunkText } from '../src/sources/chunker.js';
import { REPO } from './helpers/cli.js';

// Every built-in rule, secrets and personal data (PII rules match on normalised text).
const packs = loadPacks(BUILTIN_RULES_DIR, true);
const ALL: RuleSet = { rules: packs.rules, allowlist: packs.allowlist };
const full = createEngine(ALL);

const findings = (engine: ReturnType<typeof createEngine>, text: string): Finding[] =>
  [...chunkText(text, { path: 'a.txt' })].flatMap((c) => engine.scanChunk(c));

/** The narrowed engine must find exactly what the whole one finds. */
function expectSame(text: string): void {
  const narrowed = narrowRuleSet(ALL, [text]);
  expect(findings(createEngine(narrowed), text)).toEqual(findings(full, text));
}

describe('narrowRuleSet', () => {
  it('keeps rules without keywords and drops rules whose keywords do not occur', () => {
    const kept = narrowRuleSet(ALL, ['nothing to see here\n']).rules;
    expect(kept.length).toBeLessThan(ALL.rules.length / 2);
    for (const r of ALL.rules.filter((r) => r.keywords.length === 0)) expect(kept).toContain(r);
    // Case-insensitive, and in the text as the PII rules see it (full-width letters fold to ASCII).
    const withKw = ALL.rules.find((r) => r.keywords.length > 0 && /^[a-z_]+$/.test(r.keywords[0]))!;
    const kw = withKw.keywords[0];
    expect(narrowRuleSet(ALL, [`x ${kw.toUpperCase()} y`]).rules).toContain(withKw);
    const fullWidth = [...kw].map((c) => (c === '_' ? c : String.fromCharCode(c.charCodeAt(0) - 0x61 + 0xff41))).join('');
    expect(narrowRuleSet(ALL, [`x ${fullWidth} y`]).rules).toContain(withKw);
    // Across several texts.
    expect(narrowRuleSet(ALL, ['nothing', `x ${kw} y`]).rules).toContain(withKw);
  });

  it('finds what PII rules find on normalised text, where the keyword is only there after normalising', () => {
    // Full-width letters, no-break spaces and zero-width characters around or inside a keyword.
    for (const text of ['\uff2e\uff41\uff4d\uff45: Maria Garcia', 'email: anna at example\u00a0dot\u00a0com', 'Na\u200bme: Maria Garcia']) {
      expect(findings(full, text).length).toBeGreaterThan(0);
      expectSame(text);
    }
  });

  it('finds the same as the whole engine on every example of every built-in rule', () => {
    for (const r of ALL.rules) for (const ex of [...r.examples.match, ...r.examples.noMatch]) expectSame(ex);
  });

  it('finds the same as the whole engine on the labelled precision corpus', () => {
    const root = path.join(REPO, 'fixtures/precision');
    const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile());
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) expectSame(fs.readFileSync(path.join(root, f), 'utf8'));
  });

  it('finds the same as the whole engine on mixes of examples, keywords in any case, and noise', () => {
    const examples = ALL.rules.flatMap((r) => r.examples.match);
    const keywords = [...new Set(ALL.rules.flatMap((r) => r.keywords))];
    const piece = fc.oneof(
      fc.constantFrom(...examples),
      fc.constantFrom(...keywords).chain((k) => fc.constantFrom(k, k.toUpperCase(), k[0].toUpperCase() + k.slice(1))),
      fc.string({ maxLength: 20 }),
      fc.constantFrom('\n', ' = ', ': "', '\u200b', '\uff41\uff50\uff49', '\u00a0', 'İ'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => expectSame(parts.join(''))),
      { numRuns: 300 },
    );
  });
});
