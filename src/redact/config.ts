import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from '../config/rules.js';
import { parseTomlText } from '../engine/schema.js';
import { KINDS, type Kind } from '../engine/types.js';
import { SpillguardError } from '../errors.js';
import { OPERATORS, type Operator } from './types.js';

/**
 * The `[redact]` table of `.spillguard.toml`. It lives beside the rule schema, not inside it:
 * parseConfig accepts the `redact` key and leaves it to this parser, so the two read one file.
 *
 *   [redact]
 *   pseudonymLength = 6
 *   [redact.kinds]            # operator per kind
 *   secret = "tag"
 *   pii = "pseudonym"
 *   [redact.rules]            # operator per rule id (wins over the kind)
 *   "aws-access-key-id" = "mask"
 *   [redact.entities]         # entity name per rule id, for tags, pseudonyms and counts
 *   "aws-access-key-id" = "AWS_ACCESS_KEY"
 */
export interface RedactConfig {
  file?: string;
  kinds: Partial<Record<Kind, Operator>>;
  rules: Record<string, Operator>;
  entities: Record<string, string>;
  pseudonymLength: number;
}

export function emptyRedactConfig(): RedactConfig {
  return { kinds: {}, rules: {}, entities: {}, pseudonymLength: 6 };
}

const TABLE_KEYS = new Set(['kinds', 'rules', 'entities', 'pseudonymLength']);

export function parseRedactConfig(text: string, file: string): RedactConfig {
  const doc = parseTomlText(text, file);
  const out: RedactConfig = { ...emptyRedactConfig(), file };
  const t = doc.redact;
  if (t === undefined) return out;
  const line = (key: string) => {
    const i = text.search(new RegExp(`^\\s*(\\[redact\\.${key}\\]|"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=)`, 'm'));
    return i < 0 ? undefined : text.slice(0, i).split('\n').length;
  };
  const err = (field: string, message: string, key = field.split('.').pop()!) =>
    new SpillguardError('config', message, { file, field, line: line(key) });
  if (typeof t !== 'object' || Array.isArray(t) || t === null) throw err('redact', 'must be a table ([redact])');
  const table = t as Record<string, unknown>;
  for (const k of Object.keys(table)) if (!TABLE_KEYS.has(k)) throw err(`redact.${k}`, `unknown field (known: ${[...TABLE_KEYS].join(', ')})`);
  const sub = (name: string): Record<string, unknown> => {
    const v = table[name];
    if (v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v) || v === null) throw err(`redact.${name}`, 'must be a table');
    return v as Record<string, unknown>;
  };
  const op = (field: string, v: unknown, key: string): Operator => {
    if (typeof v !== 'string' || !(OPERATORS as readonly string[]).includes(v)) throw err(field, `must be one of ${OPERATORS.join(', ')}`, key);
    return v as Operator;
  };
  for (const [k, v] of Object.entries(sub('kinds'))) {
    if (!(KINDS as readonly string[]).includes(k)) throw err(`redact.kinds.${k}`, `unknown kind (known: ${KINDS.join(', ')})`, k);
    out.kinds[k as Kind] = op(`redact.kinds.${k}`, v, k);
  }
  for (const [k, v] of Object.entries(sub('rules'))) out.rules[k] = op(`redact.rules.${k}`, v, k);
  for (const [k, v] of Object.entries(sub('entities'))) {
    if (typeof v !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(v)) throw err(`redact.entities.${k}`, 'must be a name of letters, digits and _', k);
    out.entities[k] = v.toUpperCase();
  }
  if (table.pseudonymLength !== undefined) {
    const n = table.pseudonymLength;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 4 || n > 64) throw err('redact.pseudonymLength', 'must be a whole number from 4 to 64');
    out.pseudonymLength = n;
  }
  return out;
}

/**
 * `[redact.rules]` entries that name no loaded rule set nothing. A warning, as for an unknown id in
 * `extend.disabledRules`, not an error as for `--operator`: a config file outlives rule packs (a rule
 * renamed, or disabled in the same file), while a flag is typed for this one run.
 */
export function unknownRuleWarnings(cfg: RedactConfig, ruleIds: ReadonlySet<string>): string[] {
  return Object.keys(cfg.rules)
    .filter((id) => !ruleIds.has(id))
    .map((id) => `${cfg.file}: redact.rules: no rule "${id}" to set an operator for`);
}

/** Reads `[redact]` from the same file the rules come from: --config, else .spillguard.toml in root. */
export function loadRedactConfig(opts: { config?: string; root?: string } = {}): RedactConfig {
  const root = opts.root ?? process.cwd();
  const file = opts.config ? path.resolve(root, opts.config) : path.join(root, CONFIG_FILE);
  if (!fs.existsSync(file)) {
    if (opts.config) throw new SpillguardError('usage', 'config file not found', { flag: 'config', file: opts.config });
    return emptyRedactConfig();
  }
  return parseRedactConfig(fs.readFileSync(file, 'utf8'), opts.config ?? CONFIG_FILE);
}
