import { parseConfig } from '../../src/engine/schema.js';
import type { RuleSet } from '../../src/engine/types.js';

/** A rule set from inline TOML, for tests that must not depend on the built-in packs. */
export function rulesFrom(toml: string, file = 'test.toml'): RuleSet {
  const cfg = parseConfig(toml, file);
  return { rules: cfg.rules, allowlist: cfg.allowlist };
}

export const TOK_RULE = `
[[rules]]
id = "test-token"
description = "Test token"
regex = '''\\b(tok_[a-z0-9]{16})\\b'''
keywords = ["tok_"]
`;
