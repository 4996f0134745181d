import { allowTables, compileStored, hasChecks } from '../engine/schema.js';
import { testUserPatterns } from '../engine/safe-regex.js';
import { CONFIDENCES, reportedPath, type Allowlist, type Confidence, type Finding, type GlobalAllowlist } from '../engine/types.js';

export interface Dropped {
  finding: Finding;
  /** Which allowlist entry, inline marker, baseline entry or rule explains the suppression. */
  reason: string;
}

export interface FilterResult {
  kept: Finding[];
  dropped: Dropped[];
}

/** A pure step: findings in, kept and dropped-with-reason out. */
export type Filter = (findings: Finding[]) => FilterResult;

export interface BaselineLookup {
  /** The baseline line that suppresses this finding, if any. */
  match(f: Finding): string | undefined;
}

export interface FilterOptions {
  allowlist?: GlobalAllowlist;
  minConfidence?: Confidence;
  baseline?: BaselineLookup;
}

/**
 * The fixed order, and why:
 * 1. allowlist — configuration says these are not secrets at all;
 * 2. overlap — a specific rule beats a generic one on the same span, before any suppression, so
 *    that baselining or ignoring the specific finding cannot resurrect the generic twin;
 * 3. inline ignores — the author's word on that line;
 * 4. baseline — accepted, known findings;
 * 5. confidence — the user's threshold, last, so `--explain` shows the other reasons first.
 */
export function applyFilters(findings: Finding[], opts: FilterOptions = {}): FilterResult {
  const steps: Filter[] = [];
  if (opts.allowlist) steps.push(allowlistFilterOf(opts.allowlist));
  steps.push(overlapFilter);
  steps.push(inlineFilter);
  if (opts.baseline) steps.push(baselineFilter(opts.baseline));
  if (opts.minConfidence && opts.minConfidence !== 'low') steps.push(confidenceFilter(opts.minConfidence));
  const dropped: Dropped[] = [];
  let kept = findings;
  for (const step of steps) {
    const r = step(kept);
    kept = r.kept;
    dropped.push(...r.dropped);
  }
  return { kept, dropped };
}

function partition(findings: Finding[], why: (f: Finding) => string | undefined): FilterResult {
  const kept: Finding[] = [];
  const dropped: Dropped[] = [];
  for (const f of findings) {
    const reason = why(f);
    if (reason === undefined) kept.push(f);
    else dropped.push({ finding: f, reason });
  }
  return { kept, dropped };
}

export interface AllowlistFilter extends Filter {
  /** Tests these paths against the user's path patterns now, in one call to the regex worker. */
  prime(paths: string[]): void;
}

/** One filter per allowlist, so that callers filtering input by input (history, redact) share its memo of paths. */
const filters = new WeakMap<GlobalAllowlist, AllowlistFilter>();
function allowlistFilterOf(a: GlobalAllowlist): AllowlistFilter {
  let f = filters.get(a);
  if (!f) filters.set(a, (f = allowlistFilter(a)));
  return f;
}

/** Paths remembered per filter; past this many the memo starts over. */
const PATH_MEMO_MAX = 100_000;

type Target = Allowlist['allowTarget'];
const TARGETS: readonly Target[] = ['secret', 'match', 'line'];

/** A pattern of a table: compiled here, or (a user's) its index among the patterns the worker tests. */
interface Entry {
  p: string;
  re?: RegExp;
  at: number;
}

/**
 * The global allowlist tables, and the commits a rule's own tables left open (Finding.allowCommits).
 * Each table decides on its own, as in gitleaks: with OR (the default) any check it sets allows a
 * finding, with AND all of them must; the reason names every check that held.
 */
export function allowlistFilter(a: GlobalAllowlist): AllowlistFilter {
  const user = new Set(a.untrusted ?? []);
  // A user's patterns are user regexes: tested in the regex worker, under a budget, many inputs per
  // call. Why the memo of paths: a call costs a thread round trip (~0.2 ms here), which a corpus
  // paid per document and a history per commit, for paths that repeat or are known in advance.
  const userPaths: string[] = [];
  const userRegexes: Record<Target, string[]> = { secret: [], match: [], line: [] };
  const entry = (p: string, list: string[]): Entry => {
    if (!user.has(p)) return { p, re: compileStored(p), at: -1 };
    const at = list.indexOf(p);
    return { p, at: at >= 0 ? at : list.push(p) - 1 };
  };
  const tables = allowTables(a)
    .filter(hasChecks)
    .map((t) => {
      const target = t.allowTarget ?? 'secret';
      return {
        and: t.condition === 'and',
        commits: t.commits ?? [],
        paths: t.paths.map((p) => entry(p, userPaths)),
        regexes: t.regexes.map((p) => entry(p, userRegexes[target])),
        target,
        stopwords: t.stopwords,
        rules: t.targetRules && new Set(t.targetRules),
      };
    });
  const pathHits = new Map<string, boolean[]>();
  const prime = (list: string[]) => {
    if (!userPaths.length) return;
    const unique = [...new Set(list)];
    let fresh = unique.filter((p) => !pathHits.has(p));
    if (!fresh.length) return;
    if (pathHits.size + fresh.length > PATH_MEMO_MAX) {
      pathHits.clear();
      fresh = unique;
    }
    const hits = testUserPatterns(userPaths, fresh);
    fresh.forEach((p, j) => pathHits.set(p, userPaths.map((_, i) => hits[i][j])));
  };
  const pathOf = (f: Finding) => reportedPath(f.origin);
  // The match and the line are on the finding only when the engine was built with this allowlist;
  // without them a table's regexes on those cannot hold.
  const textOf = (f: Finding, t: Target) => (t === 'secret' ? f.secret : t === 'match' ? f.matchText : f.lineText);
  const filter = (findings: Finding[]) => {
    if (!findings.length) return { kept: [], dropped: [] };
    prime(findings.map(pathOf));
    const regexHits = {} as Record<Target, boolean[][]>;
    for (const t of TARGETS) regexHits[t] = testUserPatterns(userRegexes[t], findings.map((f) => textOf(f, t) ?? ''));
    const index = new Map(findings.map((f, i) => [f, i]));
    return partition(findings, (f) => {
      const commit = f.origin.commit?.toLowerCase();
      if (commit && f.allowCommits?.includes(commit)) return `rule allowlist commit ${commit}`;
      const path = pathOf(f);
      const j = index.get(f)!;
      for (const t of tables) {
        if (t.rules && !t.rules.has(f.ruleId)) continue;
        let checks = 0;
        const held: string[] = [];
        if (t.commits.length) {
          checks++;
          if (commit && t.commits.includes(commit)) held.push(`commit ${commit}`);
        }
        if (t.paths.length) {
          checks++;
          const e = t.paths.find((e) => (e.re ? e.re.test(path) : pathHits.get(path)![e.at]));
          if (e) held.push(`path /${e.p}/`);
        }
        if (t.regexes.length) {
          checks++;
          const s = textOf(f, t.target);
          const e = s === undefined ? undefined : t.regexes.find((e) => (e.re ? e.re.test(s) : regexHits[t.target][e.at][j]));
          if (e) held.push(`regex /${e.p}/${t.target === 'secret' ? '' : ` on the ${t.target}`}`);
        }
        if (t.stopwords.length) {
          checks++;
          const low = f.secret.toLowerCase();
          const w = t.stopwords.find((w) => low.includes(w));
          if (w !== undefined) held.push(`stopword "${w}"`);
        }
        if (t.and ? held.length === checks : held.length > 0) return `allowlist ${t.and ? held.join(' and ') : held[0]}`;
      }
      return undefined;
    });
  };
  return Object.assign(filter, { prime });
}

export const inlineFilter: Filter = (findings) =>
  partition(findings, (f) => (f.inlineIgnore ? `inline "${f.inlineIgnore}" on line ${f.span.line}` : undefined));

export function baselineFilter(b: BaselineLookup): Filter {
  return (findings) => partition(findings, (f) => b.match(f));
}

const rank = (c: Confidence) => CONFIDENCES.length - CONFIDENCES.indexOf(c);

export function confidenceFilter(min: Confidence): Filter {
  return (findings) =>
    partition(findings, (f) => (rank(f.confidence) < rank(min) ? `confidence ${f.confidence} below --min-confidence ${min}` : undefined));
}

const inputKey = (f: Finding) =>
  `${f.origin.path}\0${f.origin.commit ?? ''}\0${f.origin.member ?? ''}\0${f.origin.record ?? ''}\0${f.origin.field ?? ''}`;

/**
 * Where spans of different rules overlap in one input, the more confident finding wins: a provider
 * rule (medium) or a validated one (high) beats the generic keyword rule (low). Equal confidence on
 * exactly the same span is one secret reported twice: one is kept. Equal confidence on spans that
 * only overlap keeps both: they are different strings.
 */
export const overlapFilter: Filter = (findings) => {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = inputKey(f);
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  const losers = new Map<Finding, string>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort((a, b) => a.span.start - b.span.start);
    for (let i = 0; i < group.length; i++) {
      const a = group[i];
      for (let j = i + 1; j < group.length && group[j].span.start < a.span.end; j++) {
        const b = group[j];
        if (a.ruleId === b.ruleId) continue;
        const ra = rank(a.confidence);
        const rb = rank(b.confidence);
        if (ra > rb) losers.set(b, `overlaps the more specific rule "${a.ruleId}"`);
        else if (rb > ra) losers.set(a, `overlaps the more specific rule "${b.ruleId}"`);
        // Same confidence, same characters: one secret, one alert. The rule id that sorts first
        // keeps it, so the choice is stable from run to run.
        else if (a.span.start === b.span.start && a.span.end === b.span.end && !losers.has(a) && !losers.has(b)) {
          const [keep, lose] = a.ruleId < b.ruleId ? [a, b] : [b, a];
          losers.set(lose, `same span as rule "${keep.ruleId}"`);
        }
      }
    }
  }
  return partition(findings, (f) => losers.get(f));
};
