import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpillguardError } from '../errors.js';
import { allowTables, hasChecks, parseConfig, type ParsedConfig } from '../engine/schema.js';
import { checkKinds, checkOptionsObject, type GlobalAllowlist, type Kind, type RuleSet, type RuleSpec } from '../engine/types.js';

/** The package's own `rules/` folder, the same from `src/` (tests) and `dist/` (installed). */
export const BUILTIN_RULES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../rules');

export const CONFIG_FILE = '.spillguard.toml';

export interface LoadRulesOptions {
  /** Explicit config file (`--config`); otherwise `.spillguard.toml` in `root`, if present. */
  config?: string;
  root?: string;
  /** Keep only rules of these kinds. */
  kinds?: readonly Kind[];
  /** Skip the built-in packs (as `[extend] useDefault = false` does). */
  noDefaults?: boolean;
}

export interface LoadedRules extends RuleSet {
  /** Config files read, in order, for `--explain` and error context. */
  files: string[];
  warnings: string[];
}

let builtinCache: { rules: RuleSpec[]; allowlist: GlobalAllowlist } | undefined;

export function readPack(file: string, requireExamples: boolean): ParsedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpillguardError('config', `cannot read: ${(e as Error).message.replace(/^[A-Z]+: /, '')}`, { file });
  }
  const pack = parseConfig(text, file, { requireExamples });
  // Rules from anywhere but the built-in packs are untrusted: they run under a time budget (safe-regex.ts).
  const rel = path.relative(BUILTIN_RULES_DIR, path.resolve(file));
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    for (const r of pack.rules) r.untrusted = true;
    pack.allowlist.untrusted = allowTables(pack.allowlist).flatMap((t) => [...t.paths, ...t.regexes]);
  }
  return pack;
}

/** Parses every pack under a folder (or one file); ids must be unique across all of them. */
export function loadPacks(dirOrFile: string, requireExamples = true): { rules: RuleSpec[]; allowlist: GlobalAllowlist; files: string[] } {
  const files = fs.statSync(dirOrFile).isDirectory() ? tomlFiles(dirOrFile) : [dirOrFile];
  const rules: RuleSpec[] = [];
  const allowlist = emptyAllowlist();
  const where = new Map<string, string>();
  for (const file of files) {
    const pack = readPack(file, requireExamples);
    for (const r of pack.rules) {
      const prev = where.get(r.id);
      if (prev) throw pack.error(`duplicate rule id (also defined in ${prev})`, 'id', r.id);
      where.set(r.id, file);
      rules.push(r);
    }
    mergeAllowlist(allowlist, pack.allowlist);
  }
  return { rules, allowlist, files };
}

/**
 * Parsing every TOML pack costs tens of milliseconds at each start, which a pre-commit hook feels.
 * The build writes the parsed packs to dist/rules.json, stamped with each pack's size and mtime;
 * a stale or missing cache (a pack edited since the build) falls back to parsing.
 */
const CACHE_FILE = path.resolve(BUILTIN_RULES_DIR, '../dist/rules.json');
/** Part of the stamp: a cache written by a build whose RuleSpec had another shape is stale too. */
const CACHE_FORMAT = 'rulespec-2';

function packStamp(): string[] {
  return [CACHE_FORMAT, ...tomlFiles(BUILTIN_RULES_DIR).map((f) => {
    const st = fs.statSync(f);
    return `${path.relative(BUILTIN_RULES_DIR, f)}:${st.size}:${Math.floor(st.mtimeMs)}`;
  })];
}

function tomlFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.toml'))
    .map((f) => path.join(dir, f))
    .sort();
}

export function writeBuiltinCache(): number {
  const packs = loadPacks(BUILTIN_RULES_DIR, true);
  const json = JSON.stringify({ stamp: packStamp(), rules: packs.rules, allowlist: packs.allowlist });
  // Written as ASCII (other characters as \u escapes): one non-ASCII character (a dash in a
  // description) would make V8 hold the whole file as a two-byte string and parse it the slow way.
  fs.writeFileSync(CACHE_FILE, json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return packs.rules.length;
}

function readCache(): { rules: RuleSpec[]; allowlist: GlobalAllowlist } | undefined {
  try {
    const cache = JSON.parse(fs.readFileSync(CACHE_FILE, 'utf8'));
    if (JSON.stringify(cache.stamp) !== JSON.stringify(packStamp())) return undefined;
    return { rules: cache.rules, allowlist: cache.allowlist };
  } catch {
    return undefined;
  }
}

function builtin() {
  builtinCache ??= readCache() ?? loadPacks(BUILTIN_RULES_DIR, true);
  return builtinCache;
}

export function loadRules(opts: LoadRulesOptions = {}): LoadedRules {
  checkOptionsObject('loadRules', opts, "{ root: '.', kinds: ['secret'] }");
  checkKinds('loadRules', opts.kinds);
  const root = opts.root ?? process.cwd();
  let configFile = opts.config ? path.resolve(root, opts.config) : path.join(root, CONFIG_FILE);
  if (!opts.config && !fs.existsSync(configFile)) configFile = '';
  if (opts.config && !fs.existsSync(configFile))
    throw new SpillguardError('usage', 'config file not found', { flag: 'config', file: opts.config });

  // Read from the config to what it extends, merged the other way: the config has the last word.
  const chain: ParsedConfig[] = [];
  for (let file = configFile; file; ) {
    const cfg = readPack(file, false);
    chain.push(cfg);
    file = cfg.extend.path ? path.resolve(path.dirname(file), cfg.extend.path) : '';
    if (!file) break;
    if (!fs.existsSync(file)) throw cfg.error('extended config not found', 'extend.path');
    const loopStart = chain.findIndex((c) => path.resolve(c.file) === file);
    if (loopStart >= 0) {
      // Named as `path` values are written: from the folder of the file that closes the loop.
      const names = chain.slice(loopStart).map((c) => path.relative(path.dirname(cfg.file), c.file));
      throw cfg.error(`"${names[0]}" extends itself${names.length > 1 ? `: ${[...names, names[0]].join(' → ')}` : ''}`, 'extend.path');
    }
    if (chain.length > 5) throw cfg.error('[extend] path chain is deeper than 5 files', 'extend.path');
  }
  chain.reverse();

  const useDefault = !opts.noDefaults && chain.every((c) => c.extend.useDefault);
  const byId = new Map<string, RuleSpec>();
  const allowlist = emptyAllowlist();
  if (useDefault) {
    const b = builtin();
    for (const r of b.rules) byId.set(r.id, r);
    mergeAllowlist(allowlist, b.allowlist);
  }
  const warnings: string[] = [];
  const defined = new Set(byId.keys());
  for (const cfg of chain) {
    for (const r of cfg.rules) {
      byId.set(r.id, r); // a config rule with a built-in id replaces it
      defined.add(r.id);
    }
    mergeAllowlist(allowlist, cfg.allowlist);
    for (const id of cfg.extend.disabledRules) {
      if (!byId.delete(id)) warnings.push(`${cfg.file}: extend.disabledRules: no rule "${id}" to disable`);
    }
  }
  // A target that names no rule allows nothing, silently: a typo there would go unnoticed.
  for (const cfg of chain)
    for (const t of allowTables(cfg.allowlist))
      for (const id of t.targetRules ?? []) if (!defined.has(id)) warnings.push(`${cfg.file}: targetRules: no rule "${id}" to apply the allowlist to`);
  let rules = [...byId.values()];
  if (opts.kinds) rules = rules.filter((r) => opts.kinds!.includes(r.kind));
  return { rules, allowlist, files: chain.map((c) => c.file), warnings };
}

function emptyAllowlist(): GlobalAllowlist {
  return { paths: [], regexes: [], stopwords: [], allowTarget: 'secret' };
}

/**
 * Adds the tables of `from` to `into`, each still a table of its own; the first table that checks
 * anything is stored flat (GlobalAllowlist), so a single `[allowlist]` reads as it is written.
 */
function mergeAllowlist(into: GlobalAllowlist, from: GlobalAllowlist): void {
  // Copies: the built-in packs' tables are cached for the next load, whatever a caller does to these.
  for (const t of allowTables(from).filter(hasChecks).map((t) => structuredClone(t))) {
    if (hasChecks(into)) (into.tables ??= []).push(t);
    else Object.assign(into, t);
  }
  if (from.untrusted?.length) (into.untrusted ??= []).push(...from.untrusted);
}
