import { createHash, createHmac } from 'node:crypto';

/** Below this, pseudonyms and keyed fingerprints can be reversed by trying keys. */
export const MIN_KEY_BYTES = 16;

/**
 * The one identity of a finding, shared by baselines, ignore files and SARIF partialFingerprints.
 * It hashes the rule and the secret only — no path, line or commit — so the same secret keeps its
 * identity when lines move, files are renamed or commits are squashed. The domain prefix keeps these
 * hashes from being compared with plain sha256 digests of candidate secrets found elsewhere.
 * Line endings inside the secret are taken as LF.
 */
export function fingerprint(ruleId: string, secret: string): string {
  // A secret spanning lines (a private key) is the same secret in a CRLF checkout (Windows,
  // core.autocrlf) and in the LF blob git stores: one identity for both, or a baseline made on one
  // side and an alert raised on the other would not match.
  const s = secret.includes('\r\n') ? secret.replace(/\r\n/g, '\n') : secret;
  return createHash('sha256').update(`spillguard:v1\0${ruleId}\0${s}`).digest('hex').slice(0, 32);
}

/**
 * The fingerprint as outputs show it (reports, SARIF, baselines). Personal data has few enough
 * values that an unkeyed hash gives the value back (an SSN is one of 10^9; a script tries them all
 * in minutes), so a PII finding's fingerprint is shown keyed, an HMAC with the key (SPILLGUARD_KEY,
 * as redact's pseudonyms), or not at all; secrets are too many to enumerate and keep theirs.
 */
export function shownFingerprint(f: { kind: string; fingerprint: string }, key?: Uint8Array): string | undefined {
  if (f.kind !== 'pii') return f.fingerprint;
  if (!key) return undefined;
  return createHmac('sha256', key).update(`spillguard:pii\0${f.fingerprint}`).digest('hex').slice(0, 32);
}
