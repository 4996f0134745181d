import type { Transform } from 'node:stream';
import { loadRules } from '../config/rules.js';
import { checkBooleans, checkOptionsObject, shapeOf, type Confidence, type Kind, type RuleSet } from '../engine/types.js';
import { loadRedactConfig, type RedactConfig } from './config.js';
import { HANDLERS, type FormatOptions } from './formats/index.js';
import { JsonlRedactStream } from './jsonl-stream.js';
import type { InjectionRecord } from './session.js';
import { DocSession, Redactor } from './session.js';
import { TextRedactStream } from './stream.js';
import type { Operator, RedactionRecord } from './types.js';

export interface RedactOptions extends FormatOptions {
  /** Rules to use (any kinds); default: the built-in packs plus `.spillguard.toml` in `cwd`. */
  rules?: RuleSet;
  cwd?: string;
  /** `[redact]` settings; default: read from the same config file as the rules. */
  config?: RedactConfig;
  /** What to redact (default secret and pii). */
  kinds?: readonly Kind[];
  /** Kind or rule id → operator, over the config. */
  operators?: Record<string, Operator>;
  /** Pseudonym key (bytes or a string), at least 16 bytes. Never read from the environment here: pass it in. */
  key?: Buffer | string;
  minConfidence?: Confidence;
  /** Screen for prompt injection (default true). */
  injection?: boolean;
  /** A redactor made once with createRedactor(): saves compiling the rules on every call. */
  redactor?: Redactor;
}

export interface RedactTextOptions extends RedactOptions {
  /** Text format: txt (default), md, html, json, jsonl, csv, tsv. */
  format?: 'txt' | 'md' | 'html' | 'json' | 'jsonl' | 'csv' | 'tsv';
  /** Name findings are reported under (allowlist paths match it). */
  path?: string;
}

export interface RedactTextResult {
  text: string;
  redactions: RedactionRecord[];
  kept: RedactionRecord[];
  injection: InjectionRecord[];
  counts: Record<string, number>;
  droppedRecords: number;
}

/** `fields` is a list of names or pointers: a lone string would be taken apart as a list of letters, or throw deep inside. */
function checkFields(fn: string, fields: unknown): void {
  if (fields !== undefined && (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string')))
    throw new TypeError(`${fn}: fields must be a list of field names or JSON pointers (got ${JSON.stringify(fields)})`);
}

/** The options a redactor is compiled from: with `redactor` given they would change nothing. */
const POLICY_OPTIONS = ['rules', 'cwd', 'config', 'kinds', 'operators', 'key', 'minConfidence', 'injection'] as const;

/**
 * The caller's redactor, or one compiled from the options. Why checked: redactCorpus takes redactor
 * *options* under the same name, which here failed deep inside ("r.find is not a function"), and
 * `{ redactor, kinds: ['pii'] }` redacted with the redactor's kinds, the option silently unused.
 */
function redactorOf(fn: string, opts: RedactOptions): Redactor {
  if (opts.redactor === undefined) return createRedactor(opts);
  if (!(opts.redactor instanceof Redactor))
    throw new TypeError(`${fn}: redactor must be what createRedactor() returns (got ${shapeOf(opts.redactor)})`);
  const extra = POLICY_OPTIONS.find((name) => opts[name] !== undefined);
  if (extra) throw new TypeError(`${fn}: ${extra} cannot be combined with redactor: pass it to createRedactor()`);
  return opts.redactor;
}

/** Compiles rules, config and key into a reusable redactor. */
export function createRedactor(opts: RedactOptions = {}): Redactor {
  checkOptionsObject('createRedactor', opts, '{ rules, key }');
  checkBooleans('createRedactor', opts, ['injection']);
  const cwd = opts.cwd ?? process.cwd();
  const rules = opts.rules ?? loadRules({ root: cwd });
  return new Redactor({
    rules,
    kinds: opts.kinds,
    injection: opts.injection,
    config: opts.config ?? (opts.rules ? undefined : loadRedactConfig({ root: cwd })),
    operators: opts.operators,
    key: typeof opts.key === 'string' ? Buffer.from(opts.key, 'utf8') : opts.key,
    minConfidence: opts.minConfidence,
  });
}

/**
 * Redacts text in memory, synchronously, with the same operators and format handling as
 * `spillguard redact`. The result never holds a raw value: records carry offsets and fingerprints.
 */
export function redactText(text: string, opts: RedactTextOptions = {}): RedactTextResult {
  if (typeof text !== 'string') throw new TypeError(`redactText: text must be a string (got ${text === null ? 'null' : typeof text})`);
  checkOptionsObject('redactText', opts, "{ redactor, format: 'html' }");
  checkBooleans('redactText', opts, ['injection', 'header']);
  checkFields('redactText', opts.fields);
  const redactor = redactorOf('redactText', opts);
  const format = opts.format ?? 'txt';
  // Own properties only: 'toString' or 'constructor' found the prototype's and failed deep inside.
  const handler = Object.hasOwn(HANDLERS, format) ? HANDLERS[format] : undefined;
  if (!handler || handler.binary) throw new TypeError(`redactText: unsupported format "${format}"`);
  const doc = new DocSession(redactor, opts.path ?? '<text>');
  const r = handler.process(text, doc, opts);
  if (r instanceof Promise) throw new TypeError(`redactText: format "${format}" is asynchronous`);
  doc.locate(text);
  const counts: Record<string, number> = {};
  for (const rec of doc.records) counts[rec.entity] = (counts[rec.entity] ?? 0) + 1;
  return {
    text: typeof r.output === 'string' ? r.output : r.output.toString('utf8'),
    redactions: doc.records,
    kept: doc.kept,
    injection: doc.injection,
    counts,
    droppedRecords: doc.droppedRecords,
  };
}

export interface RedactStreamOptions extends RedactOptions {
  /** `text`: line by line (logs); `jsonl`: record by record. Default text. */
  format?: 'text' | 'jsonl';
  /** JSONL: only these fields (names or JSON pointers). */
  fields?: string[];
  name?: string;
}

/** A Node Transform that redacts a text or JSONL stream in bounded memory. */
export function redactStream(opts: RedactStreamOptions = {}): Transform {
  checkOptionsObject('redactStream', opts, "{ redactor, format: 'jsonl', fields: ['text'] }");
  checkBooleans('redactStream', opts, ['injection', 'header']);
  checkFields('redactStream', opts.fields);
  // Any other format ('csv', 'json') was redacted line by line as text, its structure unread.
  if (opts.format !== undefined && opts.format !== 'text' && opts.format !== 'jsonl')
    throw new TypeError(`redactStream: format must be text or jsonl (got ${JSON.stringify(opts.format)})`);
  const redactor = redactorOf('redactStream', opts);
  return opts.format === 'jsonl' ? new JsonlRedactStream(redactor, { name: opts.name, fields: opts.fields }) : new TextRedactStream(redactor, { name: opts.name });
}
