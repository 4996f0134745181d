import { createRequire } from 'node:module';
import { SpillguardError } from '../errors.js';
import { translateGoRegex } from './goregex.js';
import { getValidator, validatorNames } from './validators.js';
import { CONTEXT_FIELDS, parseContextFields } from './context.js';
import { checkAnchors } from './anchors.js';
import {
  CONFIDENCES,
  KINDS,
  SEVERITIES,
  type Allowlist,
  type Confidence,
  type GlobalAllowlist,
  type Kind,
  type RuleSpec,
  type Severity,
} from './types.js';

/** A parsed rule pack or configuration file, validated, not yet merged with others. */
export interface ParsedConfig {
  file: string;
  rules: RuleSpec[];
  allowlist: GlobalAllowlist;
  extend: { useDefault: boolean; path?: string; disabledRules: string[] };
}

export interface ParseOptions {
  /** Built-in packs and `rules test` demand examples on every rule; gitleaks configs have none. */
  requireExamples?: boolean;
}

type Table = Record<string, unknown>;

/** gitleaks' allowlist table fields; a global table may also name the rules it applies to. */
const ALLOWLIST_FIELDS = new Set(['description', 'condition', 'commits', 'paths', 'regexTarget', 'regexes', 'stopwords']);
const GLOBAL_ALLOWLIST_FIELDS = new Set([...ALLOWLIST_FIELDS, 'targetRules']);

const RULE_FIELDS = new Set([
  'id', 'kind', 'severity', 'confidence', 'description', 'regex', 'flags', 'secretGroup', 'keywords', 'anchors', 'entropy', 'entropyRatio',
  'validate', 'onInvalid', 'path', 'paths', 'stopwords', 'allowlist', 'allowlists', 'tags', 'help', 'examples', 'supersedes',
  ...CONTEXT_FIELDS,
]);

type Toml = typeof import('smol-toml');
let tomlLib: Toml | undefined;
/**
 * smol-toml, loaded on the first TOML document parsed, as its one-file CommonJS build: a run on the
 * built-in rule cache and no config file (a pre-commit hook, usually) parses no TOML at all, and
 * the ES build is nine modules to load at every start.
 */
const toml = (): Toml => (tomlLib ??= createRequire(import.meta.url)('smol-toml') as Toml);

/** Parses TOML text; syntax errors carry the file and line. */
export function parseTomlText(text: string, file: string): Table {
  const { parse, TomlError } = toml();
  try {
    return parse(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
      throw new SpillguardError('config', `invalid TOML: ${first}`, { file, line: e.line });
    }
    throw new SpillguardError('config', `invalid TOML: ${(e as Error).message}`, { file });
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The line to name in an error: the line of the field at fault (`regex = …`) inside the rule's
 * `[[rules]]` block when it is written there, else the line of the rule's id. A field of an
 * allowlist table (`allowlists[1].paths`, `allowlist.regexTarget`) is looked for in that table's
 * block: the rule's `[[rules.allowlists]]` / `[rules.allowlist]`, or without a rule the global
 * `[[allowlists]]` / `[allowlist]`. Lines inside multi-line strings (''' or """ quoted) are not
 * taken for keys or headers.
 */
function configLine(text: string, id: string | undefined, field?: string, nth = 0): number | undefined {
  const lines = text.split('\n');
  // Per line: is it a key or header line, outside any multi-line string?
  const plain: boolean[] = [];
  let inside: string | undefined;
  for (const l of lines) {
    plain.push(inside === undefined);
    for (const m of l.matchAll(/'''|"""/g)) {
      if (inside === undefined) inside = m[0];
      else if (inside === m[0]) inside = undefined;
    }
  }
  const header = (i: number) => plain[i] && /^\s*\[/.test(lines[i]);
  const blockEnd = (i: number) => {
    let end = i + 1;
    while (end < lines.length && !header(end)) end++;
    return end;
  };
  const keyLine = (from: number, to: number, key: string) => {
    const keyRe = new RegExp(`^\\s*${escapeRe(key)}\\s*=`);
    for (let i = from; i < to; i++) if (plain[i] && keyRe.test(lines[i])) return i + 1;
    return undefined;
  };
  const table = field ? /^(allowlists?)(?:\[(\d+)\])?\.([^.[]+)/.exec(field) : null;
  let from = 0;
  let to = lines.length;
  let at: number | undefined;
  if (id) {
    const idRe = new RegExp(`^\\s*id\\s*=\\s*["']${escapeRe(id)}["']`);
    // The nth rule with this id (a duplicate is the second).
    for (let i = 0, seen = 0; i < lines.length && at === undefined; i++) if (plain[i] && idRe.test(lines[i]) && seen++ === nth) at = i;
    if (at === undefined) return undefined;
    from = at;
    while (from > 0 && !header(from)) from--;
    if (field && !table) return keyLine(from, blockEnd(at), field.replace(/\[\d+\]$/, '')) ?? at + 1;
    // The rule's own tables come before the next [[rules]].
    to = at + 1;
    while (to < lines.length && !(header(to) && /^\s*\[\[\s*rules\s*\]\]/.test(lines[to]))) to++;
  }
  if (table) {
    const name = `${id ? 'rules\\.' : ''}${table[1]}`;
    const headerRe = table[1] === 'allowlists' ? new RegExp(`^\\s*\\[\\[\\s*${name}\\s*\\]\\]`) : new RegExp(`^\\s*\\[\\s*${name}\\s*\\]`);
    let skip = Number(table[2] ?? 0);
    for (let i = from; i < to; i++) if (header(i) && headerRe.test(lines[i]) && skip-- === 0) return keyLine(i + 1, blockEnd(i), table[3]) ?? i + 1;
  }
  return at === undefined ? undefined : at + 1;
}

export function parseConfig(text: string, file: string, opts: ParseOptions = {}): ParsedConfig {
  const doc = parseTomlText(text, file);
  const err = (message: string, field?: string, rule?: string, nth?: number) =>
    new SpillguardError(rule ? 'rule' : 'config', message, { file, rule, field, line: configLine(text, rule, field, nth) });

  const rulesRaw = doc.rules ?? [];
  if (!Array.isArray(rulesRaw)) throw err('must be an array of tables ([[rules]])', 'rules');
  const rules: RuleSpec[] = [];
  const seen = new Set<string>();
  rulesRaw.forEach((raw, index) => {
    const spec = parseRule(raw as Table, index, file, opts, err);
    if (seen.has(spec.id)) throw err('duplicate rule id', 'id', spec.id, 1);
    seen.add(spec.id);
    rules.push(spec);
  });

  const extendRaw = (doc.extend ?? {}) as Table;
  const extend = {
    useDefault: extendRaw.useDefault === undefined ? true : bool(extendRaw.useDefault, 'extend.useDefault', err),
    path: extendRaw.path === undefined ? undefined : str(extendRaw.path, 'extend.path', err),
    disabledRules: strList(extendRaw.disabledRules, 'extend.disabledRules', err),
  };

  const [first, ...tables] = allowlistTables(doc, GLOBAL_ALLOWLIST_FIELDS, err);
  const allowlist: GlobalAllowlist = first ?? { paths: [], regexes: [], stopwords: [], allowTarget: 'secret' };
  if (tables.length) allowlist.tables = tables;
  return { file, rules, allowlist, extend };
}

/**
 * The allowlist tables of a rule or of the whole file. gitleaks has both the older single
 * `allowlist` table and the newer `allowlists` array. Every table stays a table of its own: merged,
 * one table's `regexTarget`, paths or `condition` would change what another's regexes allow.
 */
function allowlistTables(raw: Table, fields: ReadonlySet<string>, e: ErrFn): Allowlist[] {
  const tables: Allowlist[] = [];
  if (raw.allowlist !== undefined) tables.push(parseAllowlist(raw.allowlist, 'allowlist', fields, e));
  if (raw.allowlists !== undefined) {
    if (!Array.isArray(raw.allowlists)) throw e('must be an array of tables', 'allowlists');
    raw.allowlists.forEach((t, i) => tables.push(parseAllowlist(t, `allowlists[${i}]`, fields, e)));
  }
  return tables;
}

function parseAllowlist(raw: unknown, where: string, fields: ReadonlySet<string>, e: ErrFn): Allowlist {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw e('must be a table', where);
  const t = raw as Table;
  for (const k of Object.keys(t)) if (!fields.has(k)) throw e('unknown field', `${where}.${k}`);
  if (t.description !== undefined) str(t.description, `${where}.description`, e);
  const a: Allowlist = {
    paths: regexList(t.paths, `${where}.paths`, e),
    regexes: regexList(t.regexes, `${where}.regexes`, e),
    stopwords: strList(t.stopwords, `${where}.stopwords`, e).map((s) => s.toLowerCase()),
    allowTarget: t.regexTarget === undefined ? 'secret' : target(t.regexTarget, `${where}.regexTarget`, e),
  };
  if (t.condition !== undefined && condition(t.condition, `${where}.condition`, e) === 'and') a.condition = 'and';
  // gitleaks compares commits case-insensitively.
  const commits = strList(t.commits, `${where}.commits`, e).map((c) => c.toLowerCase());
  if (commits.length) a.commits = commits;
  if (t.targetRules !== undefined) a.targetRules = strList(t.targetRules, `${where}.targetRules`, e);
  return a;
}

type ErrFn = (message: string, field?: string, rule?: string) => SpillguardError;

function parseRule(raw: Table, index: number, file: string, opts: ParseOptions, err: ErrFn): RuleSpec {
  if (!raw || typeof raw !== 'object') throw err(`rules[${index}] must be a table`, 'rules');
  const id = typeof raw.id === 'string' && raw.id ? raw.id : undefined;
  if (!id) throw err(`rules[${index}] has no id`, 'id');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw err('id may hold only letters, digits, ".", "_" and "-"', 'id', id);
  const e: ErrFn = (m, f) => err(m, f, id);
  for (const k of Object.keys(raw)) if (!RULE_FIELDS.has(k)) throw e('unknown field', k);

  const kind = oneOf<Kind>(raw.kind ?? 'secret', KINDS, 'kind', e);
  const severity = oneOf<Severity>(raw.severity ?? 'high', SEVERITIES, 'severity', e);
  const confidence = oneOf<Confidence>(raw.confidence ?? 'medium', CONFIDENCES, 'confidence', e);
  const description = raw.description === undefined ? id : str(raw.description, 'description', e);
  if (typeof raw.regex !== 'string' || !raw.regex) throw e('is required and must be a non-empty string', 'regex');
  const userFlags = raw.flags === undefined ? '' : str(raw.flags, 'flags', e);
  if (!/^[ims]*$/.test(userFlags)) throw e('may only hold i, s and m', 'flags');
  const { source, flags } = translateGoRegex(raw.regex, userFlags);
  let re: RegExp;
  try {
    re = new RegExp(source, `gd${flags}`);
  } catch (x) {
    throw e(`does not compile: ${(x as Error).message.replace(/^Invalid regular expression: /, '')}`, 'regex');
  }
  const groups = new RegExp(`${re.source}|`, flags).exec('')!.length - 1;
  const secretGroup =
    raw.secretGroup === undefined ? (groups > 0 ? 1 : 0) : int(raw.secretGroup, 'secretGroup', e);
  if (secretGroup > groups) throw e(`is ${secretGroup} but the regex has ${groups} capturing group(s)`, 'secretGroup');

  const keywords = strList(raw.keywords, 'keywords', e).map((k) => k.toLowerCase());
  for (const k of keywords) if (k.length < 2) throw e(`keyword "${k}" is shorter than 2 characters`, 'keywords');
  let anchors: string | undefined;
  let anchorBounds: RuleSpec['anchorBounds'];
  if (raw.anchors !== undefined) {
    anchors = str(raw.anchors, 'anchors', e);
    if (keywords.length) throw e('cannot be combined with keywords: a rule runs near its keywords or around its anchors', 'anchors');
    // The promise that every match holds an anchor is proved from the regex, not trusted (anchors.ts).
    const checked = checkAnchors(source, flags, anchors);
    if ('error' in checked) throw e(checked.error, 'anchors');
    anchorBounds = checked.bounds;
  }
  let entropy: number | undefined;
  if (raw.entropy !== undefined) {
    if (typeof raw.entropy !== 'number' || raw.entropy < 0 || raw.entropy > 8) throw e('must be a number from 0 to 8', 'entropy');
    entropy = raw.entropy;
  }
  let entropyRatio: number | undefined;
  if (raw.entropyRatio !== undefined) {
    if (typeof raw.entropyRatio !== 'number' || !(raw.entropyRatio > 0 && raw.entropyRatio <= 1))
      throw e('must be a number above 0 and at most 1', 'entropyRatio');
    entropyRatio = raw.entropyRatio;
  }
  let validate: string | undefined;
  if (raw.validate !== undefined) {
    validate = str(raw.validate, 'validate', e);
    if (!getValidator(validate)) throw e(`unknown validator "${validate}" (known: ${validatorNames().join(', ')})`, 'validate');
  }
  const onInvalid = oneOf<'drop' | 'low'>(raw.onInvalid ?? 'drop', ['drop', 'low'], 'onInvalid', e);

  // gitleaks `path` is one regex; spillguard also accepts a list.
  const paths = raw.path !== undefined ? regexList([raw.path], 'path', e) : raw.paths !== undefined ? regexList(raw.paths, 'paths', e) : undefined;

  const stopwords = strList(raw.stopwords, 'stopwords', e).map((s) => s.toLowerCase());
  const allowlists = allowlistTables(raw, ALLOWLIST_FIELDS, e);

  const ex = (raw.examples ?? {}) as Table;
  const examples = { match: strList(ex.match, 'examples.match', e), noMatch: strList(ex.noMatch, 'examples.noMatch', e) };
  if (opts.requireExamples) {
    if (examples.match.length === 0) throw e('needs at least one example that must match', 'examples.match');
    if (examples.noMatch.length === 0) throw e('needs at least one example that must not match', 'examples.noMatch');
  }

  return {
    id, kind, severity, confidence, description, regex: source, flags, secretGroup, keywords, ...(anchors ? { anchors, anchorBounds } : {}), entropy, entropyRatio, validate,
    onInvalid, paths, stopwords, allowlists,
    tags: strList(raw.tags, 'tags', e),
    supersedes: raw.supersedes === undefined ? undefined : strList(raw.supersedes, 'supersedes', e),
    help: raw.help === undefined ? undefined : str(raw.help, 'help', e),
    examples,
    source: file,
    ...parseContextFields(raw, validate, e),
  };
}

function str(v: unknown, field: string, e: ErrFn): string {
  if (typeof v !== 'string') throw e('must be a string', field);
  return v;
}
function bool(v: unknown, field: string, e: ErrFn): boolean {
  if (typeof v !== 'boolean') throw e('must be true or false', field);
  return v;
}
function int(v: unknown, field: string, e: ErrFn): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw e('must be a whole number >= 0', field);
  return v;
}
function strList(v: unknown, field: string, e: ErrFn): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw e('must be a list of strings', field);
  return v as string[];
}
function regexList(v: unknown, field: string, e: ErrFn): string[] {
  return strList(v, field, e).map((p, i) => {
    const { source, flags } = translateGoRegex(p);
    try {
      new RegExp(source, flags);
    } catch (x) {
      throw e(`entry ${i + 1} does not compile: ${(x as Error).message.replace(/^Invalid regular expression: /, '')}`, field);
    }
    return flags ? `(?${flags})${source}` : source;
  });
}
function oneOf<T extends string>(v: unknown, allowed: readonly string[], field: string, e: ErrFn): T {
  if (typeof v !== 'string' || !allowed.includes(v)) throw e(`must be one of ${allowed.join(', ')}`, field);
  return v as T;
}
function target(v: unknown, field: string, e: ErrFn): 'secret' | 'match' | 'line' {
  return oneOf(v, ['secret', 'match', 'line'], field, e);
}
/** gitleaks spells it AND / OR in any case, or && / ||. */
function condition(v: unknown, field: string, e: ErrFn): 'or' | 'and' {
  const c = typeof v === 'string' ? v.toUpperCase() : undefined;
  if (c === 'AND' || c === '&&') return 'and';
  if (c === 'OR' || c === '||' || c === '') return 'or';
  throw e('must be OR or AND', field);
}

/** Whether a table checks anything: one that does not allows nothing (gitleaks refuses it). */
export function hasChecks(a: Allowlist): boolean {
  return a.paths.length > 0 || a.regexes.length > 0 || a.stopwords.length > 0 || (a.commits?.length ?? 0) > 0;
}

/** Every table of a global allowlist, the first (stored flat) as a table of its own. */
export function allowTables(a: GlobalAllowlist): Allowlist[] {
  const { tables, untrusted: _, ...first } = a;
  return [first, ...(tables ?? [])];
}

/** Compiles a stored allowlist pattern, which keeps translated inline flags as a `(?flags)` prefix. */
export function compileStored(p: string): RegExp {
  const m = /^\(\?([ims]+)\)/.exec(p);
  return m ? new RegExp(p.slice(m[0].length), m[1]) : new RegExp(p);
}
