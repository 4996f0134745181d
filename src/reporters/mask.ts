import type { Kind } from '../engine/types.js';

/**
 * Masks a secret for display. A short prefix stays when the secret is long enough that four
 * characters give nothing away (`ghp_`, `AKIA`, `sk-p`): it tells people which key to rotate.
 * The mask has a fixed length, so it does not reveal the secret's length either.
 */
export function mask(secret: string, kind: Kind = 'secret'): string {
  // A library caller's number or undefined failed inside with "secret.slice is not a function".
  if (typeof secret !== 'string') throw new TypeError(`mask: secret must be a string (got ${secret === null ? 'null' : typeof secret})`);
  // Personal data has no non-secret prefix: four letters of an e-mail are part of a name.
  const keep = kind === 'secret' && secret.length >= 20 ? 4 : 0;
  const prefix = secret.slice(0, keep).replace(/[^\x21-\x7e]/g, '*');
  return `${prefix}*****`;
}

/** The secret as a reporter may print it: masked unless the user opted in with --show-secrets. */
export function shown(secret: string, showSecrets: boolean, kind: Kind = 'secret'): string {
  return showSecrets ? secret : mask(secret, kind);
}
