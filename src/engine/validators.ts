/**
 * Offline validators: structure and checksum checks that raise a candidate to high confidence,
 * or reject it, without ever contacting a provider.
 */
import type { Confidence } from './types.js';
import { PII_VALIDATORS, type ValidatorOptions } from './pii.js';

export type Verdict = 'valid' | 'invalid';
/**
 * A validator may say more than valid/invalid: that the value is a known test value (still reported,
 * marked `test`), entity extras for the finding (e.g. `e164`), or a confidence for this candidate.
 */
export interface VerdictDetail {
  verdict: Verdict;
  test?: boolean;
  extra?: Record<string, string>;
  confidence?: Confidence;
}
/** `options` is the rule's `options` table (e.g. default phone regions), validated at load. */
export type Validator = (secret: string, options?: ValidatorOptions) => Verdict | VerdictDetail;

export function verdictOf(r: Verdict | VerdictDetail): VerdictDetail {
  return typeof r === 'string' ? { verdict: r } : r;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

let crcTable: Int32Array | undefined;
export function crc32(s: string): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < s.length; i++) crc = crcTable[(crc ^ s.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

export function base62(n: number, width: number): string {
  let out = '';
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, '0');
}

/** GitHub and npm tokens: `prefix_` + 30 random base62 + base62(CRC32(random)) in 6 chars. */
function prefixedChecksum(secret: string): Verdict {
  const us = secret.indexOf('_');
  const body = secret.slice(us + 1);
  if (us < 0 || body.length !== 36) return 'invalid';
  const random = body.slice(0, 30);
  return base62(crc32(random), 6) === body.slice(30) ? 'valid' : 'invalid';
}

function decodeBase64Url(part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) return undefined;
  return Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function jsonObject(buf: Buffer | undefined): Record<string, unknown> | undefined {
  if (!buf) return undefined;
  try {
    const v = JSON.parse(buf.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function jwt(secret: string): Verdict {
  const parts = secret.split('.');
  if (parts.length !== 3) return 'invalid';
  const header = jsonObject(decodeBase64Url(parts[0]));
  if (!header || typeof header.alg !== 'string') return 'invalid';
  return jsonObject(decodeBase64Url(parts[1])) ? 'valid' : 'invalid';
}

function awsKeyId(secret: string): Verdict {
  return /^(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}$/.test(secret) ? 'valid' : 'invalid';
}

/** xoxb-<team>-<user>-<secret>: numeric parts of 8-13 digits, then a 24-34 char alphanumeric tail. */
function slackStructure(secret: string): Verdict {
  const m = /^xox[bpaer]-(?:\d-)?([0-9]+)-([0-9]+)(?:-([0-9]+))?-([0-9A-Za-z]+)$/.exec(secret);
  if (!m) return /^xox[ae]-\d-[A-Z0-9]+-\d+-[0-9a-f]{32,}$/.test(secret) ? 'valid' : 'invalid';
  const nums = [m[1], m[2], m[3]].filter((x): x is string => x !== undefined);
  if (!nums.every((n) => n.length >= 8 && n.length <= 14)) return 'invalid';
  return m[4].length >= 24 && m[4].length <= 64 ? 'valid' : 'invalid';
}

/** PyPI API tokens are macaroons: `pypi-` + base64url of a v2 binary macaroon naming pypi.org. */
function pypiMacaroon(secret: string): Verdict {
  const bytes = decodeBase64Url(secret.replace(/^pypi-/, ''));
  if (!bytes || bytes.length < 16 || bytes[0] !== 0x02) return 'invalid';
  return bytes.includes('pypi.org') ? 'valid' : 'invalid';
}

/** A private key block whose body decodes to a DER SEQUENCE, an OpenSSH key, or PGP/PuTTY framing. */
function pemKey(secret: string): Verdict {
  if (/PuTTY-User-Key-File-\d/.test(secret)) return /Private-Lines:\s*\d+/.test(secret) ? 'valid' : 'invalid';
  // Keys also arrive as one JSON string line with `\n` escapes (GCP service accounts) and indented
  // inside YAML block scalars (Kubernetes): unescape, and trim each line before reading the body.
  const body = secret
    .replace(/\\r\\n|\\n/g, '\n')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('-----') && !/^[A-Za-z-]+:/.test(l) && !l.startsWith('='))
    .join('')
    .replace(/\s+/g, '');
  if (body.length < 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return 'invalid';
  const bytes = Buffer.from(body, 'base64');
  if (bytes.subarray(0, 15).toString('latin1') === 'openssh-key-v1\0') return 'valid';
  if (bytes[0] === 0x30) return 'valid';
  // OpenPGP secret-key packets: old format tag 5 (0x94-0x97) or new format (0xc5).
  if (/PGP PRIVATE KEY BLOCK/.test(secret)) return bytes[0] === 0xc5 || (bytes[0] & 0xfc) === 0x94 ? 'valid' : 'invalid';
  return 'invalid';
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  let count = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    const c = digits.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    count++;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return count > 1 && sum % 10 === 0;
}

const registry = new Map<string, Validator>([
  ['github-checksum', prefixedChecksum],
  ['npm-checksum', prefixedChecksum],
  ['jwt', jwt],
  ['aws-key-id', awsKeyId],
  ['slack-structure', slackStructure],
  ['pypi-macaroon', pypiMacaroon],
  ['pem-key', pemKey],
  ['luhn', (s) => (luhn(s) ? 'valid' : 'invalid')],
]);

// Personal-data validators (pii.ts): registered here, so whoever loads the engine (a worker too) has them.
for (const [name, fn] of Object.entries(PII_VALIDATORS)) registry.set(name, fn);

export function getValidator(name: string): Validator | undefined {
  return registry.get(name);
}

export function validatorNames(): string[] {
  return [...registry.keys()].sort();
}

/** Lets the PII pack and users' Node code plug in their own validators. */
export function registerValidator(name: string, fn: Validator): void {
  registry.set(name, fn);
}
