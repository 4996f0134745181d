import { createHash, createHmac } from 'node:crypto';
import { fingerprint as plainFingerprint } from '../engine/fingerprint.js';
import type { Finding, RuleSpec } from '../engine/types.js';
import type { Operator } from './types.js';

/**
 * Entity name of a rule, for tags (`[EMAIL]`), pseudonyms and manifest counts: an explicit name from
 * `[redact.entities]`, else an `entity:NAME` tag on the rule, else the rule id upper-cased
 * (`aws-access-key-id` → `AWS_ACCESS_KEY_ID`, `pii-email` → `EMAIL`).
 */
export function entityOf(ruleId: string, explicit?: Record<string, string>, rule?: Pick<RuleSpec, 'tags'>): string {
  const named = explicit?.[ruleId];
  if (named) return named;
  const tag = rule?.tags.find((t) => /^entity[:=]/i.test(t));
  if (tag) return toEntity(tag.slice(7));
  return toEntity(ruleId.replace(/^pii[-_.]/i, ''));
}

const toEntity = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '') || 'SECRET';

/**
 * The value a pseudonym or hash is computed from, so that trivially different spellings of one value
 * (case of an e-mail address, separators in a phone or card number, Unicode forms) get one token.
 */
export function normalise(value: string, f?: Pick<Finding, 'extra'> & Partial<Pick<Finding, 'kind'>>): string {
  if (f?.extra?.e164) return f.extra.e164;
  let v = value.normalize('NFKC').trim();
  // An address percent-encoded in a URL (pii-email-urlencoded) is the address: one token for both spellings.
  if (!v.includes('@') && /^[^\s%]+(?:%[0-9A-Fa-f]{2}[^\s%]*)*$/.test(v) && /%40/i.test(v)) {
    try {
      v = decodeURIComponent(v);
    } catch {
      // Not percent-encoding after all: the value as it is.
    }
  }
  if (v.includes('@') && !/\s/.test(v)) return v.toLowerCase();
  if (/^\+?[\d\s().\-/]+$/.test(v) && /\d{4}/.test(v.replace(/\D/g, ''))) return (v.startsWith('+') ? '+' : '') + v.replace(/\D/g, '');
  // Identifiers of letters and digits (IBANs, NI numbers, NIEs, passports) are printed grouped or not,
  // and read case-insensitively: `DE89 3704 0044 0532 0130 00` and `DE89370400440532013000` are one value.
  if (f?.kind === 'pii' && /^[A-Za-z0-9]+(?:[ .\-/][A-Za-z0-9]+)*$/.test(v) && /\d{4}/.test(v.replace(/\D/g, ''))) return v.replace(/[ .\-/]/g, '').toUpperCase();
  return v.replace(/\s+/g, ' ');
}

export interface OperatorContext {
  /** HMAC key for pseudonyms (and keyed hashes and PII fingerprints); read by the CLI, passed in. */
  key?: Buffer;
  /** Hex characters of a pseudonym's digest (default 6, as in `<EMAIL_8f3a2c>`). */
  pseudonymLength?: number;
}

/** `<EMAIL_8f3a2c>`: one value, one token, across documents, runs and machines that share the key. */
export function pseudonym(entity: string, value: string, ctx: OperatorContext, f?: Finding): string {
  if (!ctx.key) throw new Error('pseudonym needs a key');
  const digest = createHmac('sha256', ctx.key).update(`${entity}\0${normalise(value, f)}`).digest('hex');
  return `<${entity}_${digest.slice(0, ctx.pseudonymLength ?? 6)}>`;
}

/** The replacement text for one finding under one operator; `keep` and `drop-record` are handled by callers. */
export function render(op: Operator, f: Finding, entity: string, ctx: OperatorContext): string {
  switch (op) {
    case 'mask':
      // Same length in UTF-16 units, line breaks kept: offsets and line numbers stay valid. A PII
      // value is matched on normalised text and can be shorter than its span: the span decides.
      return f.span.end - f.span.start === f.secret.length ? f.secret.replace(/[^\r\n]/g, '*') : '*'.repeat(f.span.end - f.span.start);
    case 'tag':
    case 'drop-record':
      return `[${entity}]`;
    case 'pseudonym':
      return pseudonym(entity, f.secret, ctx, f);
    case 'hash': {
      const v = normalise(f.secret, f);
      const h = ctx.key ? createHmac('sha256', ctx.key).update(v) : createHash('sha256').update(v);
      return `[${entity}:${h.digest('hex')}]`;
    }
    case 'keep':
      return f.secret;
  }
}

/**
 * The manifest's fingerprint. Secrets get the engine's fingerprint (rule + value): they are long
 * random strings, so the hash reveals nothing. PII values are guessable (a phone number space can
 * be enumerated), so an unkeyed hash of one would leak it: PII gets a keyed HMAC, or null without a key.
 */
export function manifestFingerprint(f: Finding, ctx: OperatorContext): string | null {
  if (f.kind === 'secret') return f.fingerprint;
  if (!ctx.key) return f.kind === 'injection' ? plainFingerprint(f.ruleId, f.secret) : null;
  return createHmac('sha256', ctx.key).update(`fp\0${f.ruleId}\0${normalise(f.secret, f)}`).digest('hex').slice(0, 32);
}

/**
 * What the operators write: `[EMAIL]`, `<EMAIL_8f3a2c>`, `[EMAIL:…hex]`, `****`. A context rule
 * (`password …`, `jwt.decode(token, '…')`) re-scanning the output takes the placeholder after its
 * keyword for a secret; that is the redaction working, not a leftover. Anything more than
 * placeholders and punctuation still counts.
 */
const PLACEHOLDERS = /\[[A-Z0-9_]{1,64}(?::[0-9a-f]{64})?\]|<[A-Z0-9_]{1,64}_[0-9a-f]{4,64}>|\*+/g;
export const isPlaceholder = (secret: string) => /^[\s"'`:=,;()[\]{}<>]*$/.test(secret.replace(PLACEHOLDERS, ''));
