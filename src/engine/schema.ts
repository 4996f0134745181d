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
  /**
   * An error at a field of this file, or of its rule with this id, naming the line the field is on:
   * for what is checked past parsing (an [extend] path, ids across packs).
   */
  error(message: string, field: string, rule?: string): SpillguardError;
}

export interface ParseOptions {
  /** Built-in packs and `rules test` demand examples on every rule; gitleaks configs have none. */
  requireExamples?: boolean;
}

type Table = Record<string, unknown>;

/** gitleaks' allowlist table fields; a global table may also name the rules it applies to. */
const ALLOWLIST_FIELDS = new Set(['description', 'condition', 'commits', 'paths', 'regexTarget', 'regexes', 'stopwords']);
const GLOBAL_ALLOWLIST_FIELDS = new Set([...ALLOWLIST_FIELDS, 'targetRules']);

/**
 * What a configuration may hold at its top: gitleaks' keys, and `[redact]` (read by redact's own
 * parser). Anything else is an error, as an unknown field in a rule is: a misspelt `[[rule]]` was
 * passed over in silence, its rule off and its secrets let through.
 */
const TOP_FIELDS = new Set(['title', 'description', 'minVersion', 'extend', 'rules', 'allowlist', 'allowlists', 'redact']);
const EXTEND_FIELDS = new Set(['useDefault', 'path', 'disabledRules']);

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

const BARE_KEY = /[A-Za-z0-9_-]*/y;

/**
 * Where each key, table and array entry of a TOML document is written, by its full path
 * (`rules[2].allowlists[0].paths[1]`), first line wins. Keys are found however TOML lets them be
 * written: in a `[table]` or `[[array]]` block, as dotted keys (`allowlist.regexes = …`), in inline
 * tables; text inside strings (multi-line ones too) is never taken for a key. The document has
 * already parsed, so this reads only as much TOML as it takes to follow the structure.
 */
function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  // Per `[[array]]` path, the tables seen so far: `[rules.allowlist]` belongs to the last `[[rules]]`.
  const arrays = new Map<string, number>();
  let i = 0;
  let line = 1;
  const note = (path: string) => {
    if (!lines.has(path)) lines.set(path, line);
  };
  const join = (table: string, key: string) => (table ? `${table}.${key}` : key);
  const skip = (newlines: boolean) => {
    for (; i < text.length; i++) {
      if (text[i] === '#') while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      else if (text[i] === '\n' && newlines) line++;
      else if (!/[ \t\r\uFEFF]/.test(text[i])) break;
    }
  };
  const string = (): string => {
    const q = text[i];
    const close = text.startsWith(q.repeat(3), i) ? q.repeat(3) : q;
    let s = '';
    for (i += close.length; i < text.length && !text.startsWith(close, i); i++) {
      // Escapes matter only to find the end: `\"` does not close, and keys hold none worth decoding.
      if (q === '"' && text[i] === '\\') i++;
      if (text[i] === '\n') line++;
      s += text[i] ?? '';
    }
    i += close.length;
    // A multi-line string may end in one or two quotes of its own before the closing three.
    if (close.length === 3) while (text[i] === q) i++;
    return s;
  };
  const key = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      skip(false);
      if (text[i] === '"' || text[i] === "'") parts.push(string());
      else {
        BARE_KEY.lastIndex = i;
        parts.push(BARE_KEY.exec(text)![0]);
        i = BARE_KEY.lastIndex;
      }
      skip(false);
      if (text[i] !== '.') return parts;
      i++;
    }
  };
  const value = (path: string): void => {
    const c = text[i];
    if (c === '"' || c === "'") string();
    else if (c === '[' || c === '{') {
      i++;
      for (let n = 0; ; n++) {
        skip(true);
        if (i >= text.length || text[i] === ']' || text[i] === '}') break;
        if (c === '{') keyValue(path);
        else {
          note(`${path}[${n}]`);
          value(`${path}[${n}]`);
        }
        skip(true);
        if (text[i] === ',') i++;
      }
      i++;
    } else do i++; while (i < text.length && !/[,\]}#\n]/.test(text[i]));
  };
  const keyValue = (table: string) => {
    let path = table;
    for (const k of key()) note((path = join(path, k)));
    skip(false);
    i++; // =
    skip(false);
    value(path);
  };
  const header = (): string => {
    const array = text[i + 1] === '[';
    i += array ? 2 : 1;
    const parts = key();
    i += array ? 2 : 1;
    let path = '';
    parts.forEach((k, n) => {
      path = join(path, k);
      const seen = arrays.get(path);
      if (array && n === parts.length - 1) {
        note(path);
        arrays.set(path, (seen ?? 0) + 1);
        path += `[${seen ?? 0}]`;
      } else if (seen !== undefined) path += `[${seen - 1}]`;
      note(path);
    });
    return path;
  };
  for (let table = ''; ; ) {
    skip(true);
    if (i >= text.length) return lines;
    if (text[i] === '[') table = header();
    else keyValue(table);
    while (i < text.length && text[i] !== '\n') i++; // a comment after the value
  }
}

/**
 * The line to name in an error about `path`: where it is written, else where the nearest table
 * that holds it is, a rule by the line of its id (a rule without one, by its `[[rules]]` header).
 */
function lineOf(text: string, path: string): number | undefined {
  const lines = keyLines(text);
  // Each step cuts the last `.key` or `[n]`, and is shorter whatever a quoted key holds.
  const up = (p: string) => p.slice(0, Math.max(/\[\d+\]$/.test(p) ? p.lastIndexOf('[') : p.lastIndexOf('.'), 0));
  for (let p = path; p; p = up(p)) {
    const line = (p !== path && lines.get(`${p}.id`)) || lines.get(p);
    if (line) return line;
  }
  return undefined;
}

export function parseConfig(text: string, file: string, opts: ParseOptions = {}): ParsedConfig {
  const doc = parseTomlText(text, file);
  // A rule's fields are named as in its table and looked up under its path; lines are found only
  // for an error, as the built-in packs parse thousands of keys without one.
  const scope: Scope = (rule) => (message, field, entry) => {
    const path = [rule && `rules[${rule.index}]`, field].filter(Boolean).join('.') + (entry === undefined ? '' : `[${entry}]`);
    return new SpillguardError(rule?.id ? 'rule' : 'config', message, { file, rule: rule?.id, field, line: lineOf(text, path) });
  };
  const err = scope();
  const known = [...TOP_FIELDS].join(', ');
  for (const k of Object.keys(doc)) if (!TOP_FIELDS.has(k)) throw err(`unknown top-level key (known: ${known})`, k);

  const rulesRaw = doc.rules ?? [];
  if (!Array.isArray(rulesRaw)) throw err('must be an array of tables ([[rules]])', 'rules');
  const rules: RuleSpec[] = [];
  const seen = new Set<string>();
  rulesRaw.forEach((raw, index) => {
    const spec = parseRule(raw as Table, index, file, opts, scope);
    if (seen.has(spec.id)) throw scope({ index, id: spec.id })('duplicate rule id', 'id');
    seen.add(spec.id);
    rules.push(spec);
  });

  const extendRaw = doc.extend === undefined ? {} : table(doc.extend, 'extend', err);
  for (const k of Object.keys(extendRaw)) if (!EXTEND_FIELDS.has(k)) throw err('unknown field', `extend.${k}`);
  const extend = {
    useDefault: extendRaw.useDefault === undefined ? true : bool(extendRaw.useDefault, 'extend.useDefault', err),
    path: extendRaw.path === undefined ? undefined : str(extendRaw.path, 'extend.path', err),
    disabledRules: strList(extendRaw.disabledRules, 'extend.disabledRules', err),
  };

  const [first, ...tables] = allowlistTables(doc, GLOBAL_ALLOWLIST_FIELDS, err);
  const allowlist: GlobalAllowlist = first ?? { paths: [], regexes: [], stopwords: [], allowTarget: 'secret' };
  if (tables.length) allowlist.tables = tables;
  return {
    file, rules, allowlist, extend,
    error: (message, field, rule) => scope(rule === undefined ? undefined : { index: rules.findIndex((r) => r.id === rule), id: rule })(message, field),
  };
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
  const t = table(raw, where, e);
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

/** An error at `field`, or at its `entry` (0-based) when the field is a list. */
type ErrFn = (message: string, field?: string, entry?: number) => SpillguardError;
/** The errors of the file's own fields, or of the fields of the rule at `rules[index]`. */
type Scope = (rule?: { index: number; id?: string }) => ErrFn;

function parseRule(raw: Table, index: number, file: string, opts: ParseOptions, scope: Scope): RuleSpec {
  if (!raw || typeof raw !== 'object') throw scope()(`rules[${index}] must be a table`, 'rules', index);
  const id = typeof raw.id === 'string' && raw.id ? raw.id : undefined;
  if (!id) throw scope({ index })(`rules[${index}] has no id`, 'id');
  const e = scope({ index, id });
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw e('id may hold only letters, digits, ".", "_" and "-"', 'id');
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
  for (const [i, k] of keywords.entries()) if (k.length < 2) throw e(`keyword "${k}" is shorter than 2 characters`, 'keywords', i);
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

  const ex = raw.examples === undefined ? {} : table(raw.examples, 'examples', e);
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
  // The entry at fault, when the value is a list at all.
  const bad = Array.isArray(v) ? v.findIndex((x) => typeof x !== 'string') : undefined;
  if (bad !== -1) throw e('must be a list of strings', field, bad);
  return v as string[];
}
function table(v: unknown, field: string, e: ErrFn): Table {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw e('must be a table', field);
  return v as Table;
}
function regexList(v: unknown, field: string, e: ErrFn): string[] {
  return strList(v, field, e).map((p, i) => {
    const { source, flags } = translateGoRegex(p);
    try {
      new RegExp(source, flags);
    } catch (x) {
      throw e(`entry ${i + 1} does not compile: ${(x as Error).message.replace(/^Invalid regular expression: /, '')}`, field, i);
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
