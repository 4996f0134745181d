import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { BUILTIN_RULES_DIR, loadPacks } from '../src/config/rules.js';
import { checkExamples } from '../src/engine/examples.js';

// One test runs every built-in rule's examples through the real engine (DESIGN.md: rules are data).
const packs = loadPacks(BUILTIN_RULES_DIR, true);

describe('built-in rule packs', () => {
  it('load without error and hold unique ids', () => {
    const ids = packs.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every rule has at least 2 match and 2 noMatch examples, and each behaves', () => {
    const failures = checkExamples(packs.rules, { minMatch: 2, minNoMatch: 2 }).map(
      (f) => `${path.relative(BUILTIN_RULES_DIR, f.file)}: ${f.rule}: ${f.field} ${f.message}`,
    );
    expect(failures).toEqual([]);
  });

  it('every keyword is lower-case and occurs in each match example', () => {
    const problems: string[] = [];
    for (const r of packs.rules) {
      for (const k of r.keywords) if (k !== k.toLowerCase()) problems.push(`${r.id}: keyword ${k} not lower-case`);
      if (r.keywords.length === 0) continue;
      r.examples.match.forEach((ex, i) => {
        if (!r.keywords.some((k) => ex.toLowerCase().includes(k))) problems.push(`${r.id}: examples.match[${i}] holds none of its keywords`);
      });
    }
    expect(problems).toEqual([]);
  });
});
