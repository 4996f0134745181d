import fs from 'node:fs';
import { SpillguardError, ioReason, jsonReason } from '../errors.js';
import { reportedPath, type Finding } from '../engine/types.js';
import { shownFingerprint } from '../engine/fingerprint.js';
import type { BaselineLookup } from './index.js';

/**
 * A baseline is meant to be committed and reviewed: entries hold the fingerprint (hash of rule id
 * and secret) with the rule and path for people, no raw secret, no line numbers and no timestamps,
 * in a stable order, so it diffs cleanly and does not churn when code moves. Matching is by
 * fingerprint alone: a moved line or a renamed file keeps its entry; a new secret written on a
 * baselined line has a new fingerprint and is reported.
 */
export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  path: string;
}

export interface Baseline {
  version: 1;
  entries: BaselineEntry[];
}

export const DEFAULT_BASELINE_FILE = '.spillguard-baseline.json';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Personal data goes in keyed (shownFingerprint), or not at all without a key. */
export function baselineFrom(findings: readonly Finding[], key?: Uint8Array): Baseline {
  const seen = new Map<string, BaselineEntry>();
  for (const f of findings) {
    const fp = shownFingerprint(f, key);
    if (fp === undefined) continue;
    const path = reportedPath(f.origin);
    const prev = seen.get(fp);
    // One entry per secret; the first path in sorted order names it, so re-creating is stable.
    if (!prev || cmp(path, prev.path) < 0) seen.set(fp, { fingerprint: fp, ruleId: f.ruleId, path });
  }
  return { version: 1, entries: sortEntries([...seen.values()]) };
}

function sortEntries(entries: BaselineEntry[]): BaselineEntry[] {
  return entries.sort((a, b) => cmp(a.path, b.path) || cmp(a.ruleId, b.ruleId) || cmp(a.fingerprint, b.fingerprint));
}

export function serializeBaseline(b: Baseline): string {
  const lines = b.entries.map((e) => `    ${JSON.stringify({ fingerprint: e.fingerprint, ruleId: e.ruleId, path: e.path })}`);
  return `{\n  "version": 1,\n  "tool": "spillguard",\n  "entries": [\n${lines.join(',\n')}${lines.length ? '\n' : ''}  ]\n}\n`;
}

export function parseBaseline(text: string, file: string): Baseline {
  let doc: unknown;
  // Two branches that each updated the committed baseline: git leaves its markers in the file.
  const conflict = /^(?:<{7}|={7}|>{7})(?: |\r?$)/m.exec(text);
  if (conflict)
    throw new SpillguardError('config', `unresolved merge conflict (${conflict[0].trim().slice(0, 7)}): keep both sides' entries, or re-create it with \`spillguard baseline create\``, {
      file,
      line: text.slice(0, conflict.index).split('\n').length,
      flag: 'baseline',
    });
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // The line from V8's offset, when its message gives one; the
    // reason itself never quotes the text.
    const at = /at position (\d+)/.exec(String((e as Error)?.message ?? ''));
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
    throw new SpillguardError('config', `not valid JSON: ${jsonReason(e)}`, { file, line, flag: 'baseline' });
  }
  const d = doc as { version?: unknown; entries?: unknown };
  if (!d || d.version !== 1 || !Array.isArray(d.entries))
    throw new SpillguardError('config', 'not a spillguard baseline (expected {"version": 1, "entries": [...]})', { file, flag: 'baseline' });
  const entries = d.entries.map((e: unknown, i: number) => {
    const x = e as Partial<BaselineEntry>;
    if (!x || typeof x.fingerprint !== 'string' || !/^[0-9a-f]{32}$/.test(x.fingerprint))
      throw new SpillguardError('config', `entries[${i}]: "fingerprint" must be 32 hex characters`, { file, field: `entries[${i}].fingerprint` });
    return { fingerprint: x.fingerprint, ruleId: String(x.ruleId ?? ''), path: String(x.path ?? '') };
  });
  return { version: 1, entries };
}

/**
 * A baseline file (as `spillguard baseline create` writes it) as the lookup scans take in their
 * `baseline` option: --baseline for library callers. `name` is how errors and suppressions name the
 * file (default: `file`); `key` is SPILLGUARD_KEY's value, for personal data baselined keyed.
 */
export function loadBaseline(file: string, opts: { key?: Uint8Array | string; name?: string } = {}): BaselineMatcher {
  if (typeof file !== 'string') throw new TypeError(`loadBaseline: file must be a path (got ${JSON.stringify(file) ?? typeof file})`);
  const name = opts?.name ?? file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpillguardError('usage', `cannot read baseline: ${ioReason(e)}`, { flag: 'baseline', file: name });
  }
  const key = typeof opts?.key === 'string' ? Buffer.from(opts.key, 'utf8') : opts?.key;
  return new BaselineMatcher(parseBaseline(text, name), name, key);
}

/** A lookup for the filter stage that also records which entries were used (for --report-unused). */
export class BaselineMatcher implements BaselineLookup {
  private readonly byFp = new Map<string, BaselineEntry>();
  readonly used = new Set<string>();
  constructor(
    readonly baseline: Baseline,
    readonly file: string,
    private readonly key?: Uint8Array,
  ) {
    for (const e of baseline.entries) this.byFp.set(e.fingerprint, e);
  }
  match(f: Finding): string | undefined {
    const fp = shownFingerprint(f, this.key);
    const e = fp === undefined ? undefined : this.byFp.get(fp);
    if (!e) return undefined;
    this.used.add(e.fingerprint);
    return `baseline ${this.file}: ${e.ruleId} in ${e.path}`;
  }
  unused(): BaselineEntry[] {
    return this.baseline.entries.filter((e) => !this.used.has(e.fingerprint));
  }
}

/** `baseline update`: keep the entries still found; with `addNew`, add the new findings too. */
export function updateBaseline(old: Baseline, found: readonly Finding[], addNew: boolean, key?: Uint8Array): { baseline: Baseline; dropped: number; added: number } {
  const fresh = baselineFrom(found, key);
  const foundFps = new Set(fresh.entries.map((e) => e.fingerprint));
  const kept = old.entries.filter((e) => foundFps.has(e.fingerprint));
  const have = new Set(kept.map((e) => e.fingerprint));
  const added = addNew ? fresh.entries.filter((e) => !have.has(e.fingerprint)) : [];
  return { baseline: { version: 1, entries: sortEntries([...kept, ...added]) }, dropped: old.entries.length - kept.length, added: added.length };
}
