/**
 * Offline validators for personal data (the `pii` rule packs in rules/pii/). Each takes the text a
 * rule's regex captured and returns a verdict, optionally marked as a known test/sample value and
 * with entity extras (card network, E.164 phone number, IP range). Checksums and structure only:
 * nothing here looks anything up or does I/O.
 *
 * This module imports nothing from validators.ts at run time (validators.ts imports it), so there is
 * no import cycle and every thread that loads the engine has these registered.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Confidence } from './types.js';
import { keccak256 } from './keccak.js';

export type PiiVerdict = 'valid' | 'invalid';
export interface PiiResult {
  verdict: PiiVerdict;
  /** A documented test or sample value (test cards, 555-01xx phones, RFC 5737 addresses): still reported. */
  test?: boolean;
  /** Entity extras copied onto the finding. */
  extra?: Record<string, string>;
  /** Overrides the rule's base confidence for this candidate (e.g. a phone number without `+`). */
  confidence?: Confidence;
}
export type OptionValue = string | number | boolean | string[];
export type ValidatorOptions = Readonly<Record<string, OptionValue>>;
export type PiiValidator = (value: string, options?: ValidatorOptions) => PiiVerdict | PiiResult;

const VALID: PiiResult = { verdict: 'valid' };
const INVALID = 'invalid' as const;
const ok = (cond: boolean): PiiVerdict => (cond ? 'valid' : 'invalid');
const onlyDigits = (s: string) => s.replace(/\D/g, '');

// ---------------------------------------------------------------------------------------------
// Checksums

export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = digits.length - 1, dbl = false; i >= 0; i--, dbl = !dbl) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

export function verhoeffValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let c = 0;
  for (let i = 0; i < digits.length; i++) c = VERHOEFF_D[c][VERHOEFF_P[i % 8][digits.charCodeAt(digits.length - 1 - i) - 48]];
  return c === 0;
}

/** n mod 97 for a long decimal string, in pieces small enough for doubles. */
function mod97(numeric: string): number {
  let r = 0;
  for (let i = 0; i < numeric.length; i += 7) r = Number(String(r) + numeric.slice(i, i + 7)) % 97;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Payment cards

interface Network {
  name: string;
  test: (d: string) => boolean;
  lengths: number[];
}
const range = (d: string, n: number, lo: number, hi: number) => {
  const p = Number(d.slice(0, n));
  return p >= lo && p <= hi;
};
const NETWORKS: Network[] = [
  { name: 'amex', test: (d) => /^3[47]/.test(d), lengths: [15] },
  { name: 'diners', test: (d) => /^(?:30[0-5]|3095|36|3[89])/.test(d), lengths: [14, 15, 16, 17, 18, 19] },
  { name: 'jcb', test: (d) => range(d, 4, 3528, 3589), lengths: [16, 17, 18, 19] },
  { name: 'visa', test: (d) => d[0] === '4', lengths: [13, 16, 19] },
  { name: 'mastercard', test: (d) => range(d, 2, 51, 55) || range(d, 4, 2221, 2720), lengths: [16] },
  { name: 'discover', test: (d) => /^(?:6011|64[4-9]|65)/.test(d) || range(d, 6, 622126, 622925), lengths: [16, 17, 18, 19] },
  { name: 'unionpay', test: (d) => /^62/.test(d), lengths: [16, 17, 18, 19] },
  { name: 'maestro', test: (d) => /^(?:5018|5020|5038|5893|6304|6759|676[1-3])/.test(d), lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { name: 'mir', test: (d) => range(d, 4, 2200, 2204), lengths: [16, 17, 18, 19] },
];

/** Published test numbers of card processors and networks (Stripe, Adyen, Braintree, PayPal docs). */
const TEST_CARDS = new Set([
  '4111111111111111', '4242424242424242', '4012888888881881', '4222222222222', '4000056655665556', '4000000000000002',
  '4000000000000077', '4000000000009995', '4000002500003155', '4917610000000000', '4988438843884305', '4462030000000000',
  '4035501000000008', '4400000000000008', '4005519200000004', '4009348888881881', '4012000033330026', '4012000077777777',
  '4217651111111119', '4500600000000061', '5555555555554444', '5105105105105100', '5200828282828210', '5454545454545454',
  '5431111111111111', '5500000000000004', '5555341244441115', '5101180000000007', '2223003122003222', '2222400070000005',
  '2223000048400011', '378282246310005', '371449635398431', '378734493671000', '370000000000002', '340000000000009',
  '6011111111111117', '6011000990139424', '6011601160116611', '6445644564456445', '3530111333300000', '3566002020360505',
  '3566111111111113', '30569309025904', '38520000023237', '36227206271667', '36006666333344', '6200000000000005',
  '6205500000000000004', '6759649826438453', '6799990100000000019', '5019717010103742', '4571000000000001',
]);

export function cardNetwork(digits: string): string | undefined {
  for (const n of NETWORKS) if (n.test(digits) && n.lengths.includes(digits.length)) return n.name;
  return undefined;
}

/** Groups as cards are printed: 4-4-4-4(-3), or 4-6-5 (Amex) and 4-6-4 (Diners), one kind of separator. */
function cardGrouping(value: string): boolean {
  // What the built-in rule captures (digits, at most one space or hyphen between two): read in one pass,
  // without the arrays below. Anything else (a user rule's capture) takes the general path.
  let sep = 0;
  let nsep = 0;
  let len = 0;
  let allFour = true; // every group but the current one has 4 digits
  let g0 = 0;
  let g1 = 0;
  let simple = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      len++;
      continue;
    }
    if ((c !== 32 && c !== 45) || len === 0 || i + 1 >= value.length || (sep !== 0 && c !== sep)) {
      simple = false;
      break;
    }
    const next = value.charCodeAt(i + 1);
    if (next < 48 || next > 57) {
      simple = false;
      break;
    }
    sep = c;
    if (nsep === 0) g0 = len;
    else if (nsep === 1) g1 = len;
    if (len !== 4) allFour = false;
    nsep++;
    len = 0;
  }
  if (simple) {
    if (sep === 0) return true;
    if (allFour && len >= 1 && len <= 4) return true;
    return nsep === 2 && g0 === 4 && g1 === 6 && (len === 5 || len === 4);
  }
  const seps = value.match(/[ -]+/g);
  if (!seps) return true;
  if (new Set(seps).size !== 1 || seps[0].length > 1) return false;
  const groups = value.split(seps[0]).map((g) => g.length);
  const last = groups[groups.length - 1];
  if (groups.slice(0, -1).every((g) => g === 4) && last >= 1 && last <= 4) return true;
  return groups.length === 3 && groups[0] === 4 && groups[1] === 6 && (groups[2] === 5 || groups[2] === 4);
}

export function card(value: string): PiiVerdict | PiiResult {
  const digits = onlyDigits(value);
  if (digits.length < 12 || digits.length > 19 || !cardGrouping(value)) return INVALID;
  const network = cardNetwork(digits);
  if (!network || !luhnValid(digits)) return INVALID;
  return { verdict: 'valid', test: TEST_CARDS.has(digits) || /^(\d)\1+$/.test(digits.slice(1, -1)), extra: { network } };
}

// ---------------------------------------------------------------------------------------------
// Banking

/** IBAN lengths per country (SWIFT IBAN registry). */
const IBAN_LENGTHS: Record<string, number> = Object.fromEntries(
  ('AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 ' +
    'FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 ' +
    'LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 ' +
    'RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30')
    .split(' ')
    .map((e) => [e.slice(0, 2), Number(e.slice(2))]),
);
/** Example IBANs printed in bank and standards documentation. */
const TEST_IBANS = new Set([
  'DE89370400440532013000', 'GB82WEST12345698765432', 'GB29NWBK60161331926819', 'GB33BUKB20201555555555',
  'FR1420041010050500013M02606', 'FR7630006000011234567890189', 'NL91ABNA0417164300', 'ES9121000418450200051332',
  'IT60X0542811101000000123456', 'BE68539007547034', 'CH9300762011623852957', 'AT611904300234573201',
]);

export function iban(value: string): PiiVerdict | PiiResult {
  const v = value.replace(/[ -]/g, '').toUpperCase();
  const len = IBAN_LENGTHS[v.slice(0, 2)];
  if (!len || v.length !== len || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(v)) return INVALID;
  const numeric = (v.slice(4) + v.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  if (mod97(numeric) !== 1) return INVALID;
  return { verdict: 'valid', test: TEST_IBANS.has(v), extra: { country: v.slice(0, 2) } };
}

/** ISO 3166-1 alpha-2 codes (plus XK, used by banks for Kosovo). */
const COUNTRIES = new Set(
  ('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC ' +
    'CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE ' +
    'GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM ' +
    'KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ ' +
    'NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH ' +
    'SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG ' +
    'VI VN VU WF WS YE YT ZA ZM ZW XK').split(' '),
);

/** BIC / SWIFT: bank (4 letters), ISO country, location (2), optional branch (3). A `0` as the second location character marks a test BIC. */
export function bic(value: string): PiiVerdict | PiiResult {
  const m = /^([A-Z]{4})([A-Z]{2})([A-Z0-9]{2})([A-Z0-9]{3})?$/.exec(value);
  if (!m || !COUNTRIES.has(m[2]) || m[3][0] === '0' || m[3][0] === '1') return INVALID;
  return { verdict: 'valid', test: m[3][1] === '0', extra: { country: m[2] } };
}

// ---------------------------------------------------------------------------------------------
// National identifiers

/** Numbers printed in SSA publications, advertisements and wallets: excluded, not personal. */
const SAMPLE_SSNS = new Set(['078051120', '219099999', '123456789', '111111111', '457555462']);

export function usSsn(value: string): PiiVerdict {
  const d = onlyDigits(value);
  if (d.length !== 9 || SAMPLE_SSNS.has(d)) return INVALID;
  const area = Number(d.slice(0, 3));
  return ok(area > 0 && area !== 666 && area < 900 && d.slice(3, 5) !== '00' && d.slice(5) !== '0000' && !/^(\d)\1{8}$/.test(d));
}

/** ITIN: 9XX-GG-XXXX with group 50-65, 70-88, 90-92 or 94-99. */
export function usItin(value: string): PiiVerdict {
  const d = onlyDigits(value);
  if (d.length !== 9 || d[0] !== '9') return INVALID;
  const g = Number(d.slice(3, 5));
  return ok((g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99));
}

/** UK National Insurance number. QQ is HMRC's example prefix and AB 12 34 56 C the usual sample: test values. */
export function ukNino(value: string): PiiVerdict | PiiResult {
  const v = value.replace(/\s/g, '').toUpperCase();
  const m = /^([A-Z])([A-Z])\d{6}[A-D]$/.exec(v);
  if (!m) return INVALID;
  if (v.startsWith('QQ') || v === 'AB123456C') return { verdict: 'valid', test: true };
  if ('DFIQUV'.includes(m[1]) || 'DFIOQUV'.includes(m[2])) return INVALID;
  if (['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(m[1] + m[2])) return INVALID;
  return VALID;
}

/** NHS number: mod 11 with weights 10..2. The 999 range is issued for testing; 943 476 5919 is the NHS documentation example. */
export function ukNhs(value: string): PiiVerdict | PiiResult {
  const d = onlyDigits(value);
  if (d.length !== 10 || /^(\d)\1{9}$/.test(d)) return INVALID;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d.charCodeAt(i) - 48) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  if (check === 10 || check !== d.charCodeAt(9) - 48) return INVALID;
  return { verdict: 'valid', test: d.startsWith('999') || d === '9434765919' };
}

/** Canadian SIN: Luhn over 9 digits; never starts with 0 or 8. 046 454 286 is the CRA's published sample. */
export function caSin(value: string): PiiVerdict | PiiResult {
  const d = onlyDigits(value);
  if (d.length !== 9) return INVALID;
  if (d === '046454286') return { verdict: 'valid', test: true };
  if (d[0] === '0' || d[0] === '8' || !luhnValid(d)) return INVALID;
  return VALID;
}

/** Aadhaar: 12 digits, not starting 0 or 1, Verhoeff check digit. */
export function inAadhaar(value: string): PiiVerdict {
  const d = onlyDigits(value);
  return ok(d.length === 12 && d[0] !== '0' && d[0] !== '1' && !/^(\d)\1{11}$/.test(d) && verhoeffValid(d));
}

/** Indian PAN: AAAPL1234C, 4th letter = holder type. The last letter is a check character whose algorithm is not published. */
export function inPan(value: string): PiiVerdict {
  return ok(/^[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]$/.test(value) && !/^(\d)\1{3}$/.test(value.slice(5, 9)));
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
/** Spanish DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter): letter = table[n mod 23]. */
export function esDni(value: string): PiiVerdict | PiiResult {
  const v = value.replace(/[\s.-]/g, '').toUpperCase();
  const m = /^([XYZ]?)(\d{7,8})([A-Z])$/.exec(v);
  if (!m || (m[1] ? m[2].length !== 7 : m[2].length !== 8)) return INVALID;
  const n = Number((m[1] ? String('XYZ'.indexOf(m[1])) : '') + m[2]);
  if (DNI_LETTERS[n % 23] !== m[3]) return INVALID;
  return { verdict: 'valid', test: v === '12345678Z' || v === '00000000T' || v === 'X0000000T' || /^(\d)\1{7}/.test(m[2]) };
}

const CF_ODD: Record<string, number> = {};
'BAKPLCQDREVOSFTGUHMINJWZYX'.split('').forEach((c, i) => (CF_ODD[c] = i));
const CF_ODD_DIGITS = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
/** Italian codice fiscale: 16 characters, omocodia letters allowed in digit positions, check character. */
export function itCodiceFiscale(value: string): PiiVerdict | PiiResult {
  const v = value.toUpperCase();
  if (!/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(v)) return INVALID;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = v[i];
    const isDigit = c >= '0' && c <= '9';
    if (i % 2 === 0) sum += isDigit ? CF_ODD_DIGITS[c.charCodeAt(0) - 48] : CF_ODD[c];
    else sum += isDigit ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65;
  }
  if (String.fromCharCode(65 + (sum % 26)) !== v[15]) return INVALID;
  return { verdict: 'valid', test: v === 'RSSMRA85T10A562S' || v === 'RSSMRA80A01H501U' };
}

/** French NIR (numéro de sécurité sociale): 13 characters + key = 97 - (n mod 97); Corsica 2A/2B count as 19/18. */
export function frNir(value: string): PiiVerdict {
  const v = value.replace(/\s/g, '').toUpperCase();
  const m = /^([1-478])(\d{2})(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)(\d{3})(\d{3})(\d{2})$/.exec(v);
  if (!m) return INVALID;
  const dept = m[4] === '2A' ? '19' : m[4] === '2B' ? '18' : m[4];
  const body = m[1] + m[2] + m[3] + dept + m[5] + m[6];
  const key = 97 - (Number(BigInt(body) % 97n));
  return ok(key === Number(m[7]) && m[5] !== '000' && m[6] !== '000');
}

/**
 * German tax ID (Steuer-IdNr): 11 digits, no leading 0; in the first ten exactly one digit appears twice or
 * three times (never three in a row) and the rest at most once; check digit by ISO 7064 MOD 11,10.
 */
export function deSteuerId(value: string): PiiVerdict {
  const d = onlyDigits(value);
  if (d.length !== 11 || d[0] === '0') return INVALID;
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 10; i++) counts[d.charCodeAt(i) - 48]++;
  const multi = counts.filter((c) => c > 1);
  if (multi.length !== 1 || multi[0] > 3) return INVALID;
  if (multi[0] === 3 && /(\d)\1\1/.test(d.slice(0, 10))) return INVALID;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (d.charCodeAt(i) - 48 + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  let check = 11 - product;
  if (check === 10) check = 0;
  return ok(check === d.charCodeAt(10) - 48);
}

function mod11Digit(digits: string, weights: number[], style: 'cpf' | 'cnpj'): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * weights[i];
  const r = sum % 11;
  if (style === 'cpf') return (sum * 10) % 11 % 10;
  return r < 2 ? 0 : 11 - r;
}

/** Brazilian CPF: 11 digits, two mod-11 check digits. 111.444.777-35 is the usual documentation sample. */
export function brCpf(value: string): PiiVerdict | PiiResult {
  const d = onlyDigits(value);
  if (d.length !== 11 || /^(\d)\1{10}$/.test(d)) return INVALID;
  const c1 = mod11Digit(d, [10, 9, 8, 7, 6, 5, 4, 3, 2], 'cpf');
  const c2 = mod11Digit(d, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2], 'cpf');
  if (c1 !== d.charCodeAt(9) - 48 || c2 !== d.charCodeAt(10) - 48) return INVALID;
  // A bare run of 11 digits is also a phone number, an order number...: only the printed form is confident.
  return { verdict: 'valid', test: d === '11144477735' || d === '12345678909', confidence: /[.-]/.test(value) ? undefined : 'low' };
}

/** Brazilian CNPJ (company number; sole traders' CNPJs identify people): 14 digits, two mod-11 check digits. */
export function brCnpj(value: string): PiiVerdict | PiiResult {
  const d = onlyDigits(value);
  if (d.length !== 14 || /^(\d)\1{13}$/.test(d)) return INVALID;
  const c1 = mod11Digit(d, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], 'cnpj');
  const c2 = mod11Digit(d, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], 'cnpj');
  if (c1 !== d.charCodeAt(12) - 48 || c2 !== d.charCodeAt(13) - 48) return INVALID;
  return { verdict: 'valid', test: d === '11222333000181', confidence: /[./-]/.test(value) ? undefined : 'low' };
}

/** Passport numbers have no public checksum (except in the MRZ): reject only obvious placeholders. */
export function passport(value: string): PiiVerdict {
  const v = value.replace(/\s/g, '');
  return ok(!/^(.)\1+$/.test(v.replace(/^[A-Z]+/, '')) && !/123456789|012345678|987654321/.test(v));
}

// ---------------------------------------------------------------------------------------------
// Crypto wallets

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Decode(s: string): Uint8Array | undefined {
  let n = 0n;
  for (const c of s) {
    const i = B58.indexOf(c);
    if (i < 0) return undefined;
    n = n * 58n + BigInt(i);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (let i = 0; i < s.length && s[i] === '1'; i++) bytes.unshift(0);
  return Uint8Array.from(bytes);
}

const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function bech32Polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i];
  }
  return chk >>> 0;
}

/** Segwit address (BIP-173 bech32 for v0, BIP-350 bech32m for v1+), mainnet or testnet. */
function segwit(addr: string): PiiResult | undefined {
  if (addr !== addr.toLowerCase() && addr !== addr.toUpperCase()) return undefined;
  const a = addr.toLowerCase();
  const sep = a.lastIndexOf('1');
  const hrp = a.slice(0, sep);
  if ((hrp !== 'bc' && hrp !== 'tb') || a.length > 90) return undefined;
  const data: number[] = [];
  for (const c of a.slice(sep + 1)) {
    const i = BECH32_CHARSET.indexOf(c);
    if (i < 0) return undefined;
    data.push(i);
  }
  if (data.length < 7) return undefined;
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const pm = bech32Polymod([...expanded, ...data]);
  const version = data[0];
  if (version > 16 || pm !== (version === 0 ? 1 : 0x2bc830a3)) return undefined;
  // Regroup the 5-bit program into bytes; leftover bits must be zero padding of less than a byte.
  let acc = 0;
  let bits = 0;
  let len = 0;
  for (const v of data.slice(1, -6)) {
    acc = (acc << 5) | v;
    bits += 5;
    while (bits >= 8) {
      bits -= 8;
      len++;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits >= 5 || acc !== 0 || len < 2 || len > 40 || (version === 0 && len !== 20 && len !== 32)) return undefined;
  return { verdict: 'valid', test: hrp === 'tb' || TEST_BTC.has(a), extra: { chain: 'bitcoin' } };
}

/** Addresses printed in the Bitcoin whitepaper era and in BIP-173/350 test vectors. */
const TEST_BTC = new Set([
  '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
  'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
  'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
]);

export function btcAddress(value: string): PiiVerdict | PiiResult {
  if (/^(?:bc1|tb1)/i.test(value)) return segwit(value) ?? INVALID;
  const bytes = base58Decode(value);
  if (!bytes || bytes.length !== 25 || (bytes[0] !== 0x00 && bytes[0] !== 0x05)) return INVALID;
  const check = sha256(sha256(bytes.subarray(0, 21)));
  for (let i = 0; i < 4; i++) if (check[i] !== bytes[21 + i]) return INVALID;
  return { verdict: 'valid', test: TEST_BTC.has(value), extra: { chain: 'bitcoin' } };
}

/** EIP-55: in a mixed-case address, each letter is upper-case iff its nibble of keccak256(lower-case hex) is >= 8. */
export function eip55Valid(hex40: string): boolean {
  const lower = hex40.toLowerCase();
  const hash = keccak256(new TextEncoder().encode(lower));
  for (let i = 0; i < 40; i++) {
    const c = hex40[i];
    if (c >= '0' && c <= '9') continue;
    const upper = parseInt(hash[i], 16) >= 8;
    if ((c >= 'A' && c <= 'F') !== upper) return false;
  }
  return true;
}

export function ethAddress(value: string): PiiVerdict | PiiResult {
  const m = /^0x([0-9a-fA-F]{40})$/.exec(value);
  if (!m) return INVALID;
  const hex = m[1];
  if (/^0+$|^f+$/i.test(hex)) return INVALID;
  const mixed = hex !== hex.toLowerCase() && hex !== hex.toUpperCase();
  if (mixed) return eip55Valid(hex) ? { verdict: 'valid', extra: { chain: 'ethereum', checksum: 'eip55' } } : INVALID;
  // Without a checksum, 40 hex digits after 0x could be any hash prefix: keep, with less confidence.
  return { verdict: 'valid', confidence: 'low', extra: { chain: 'ethereum' } };
}

// ---------------------------------------------------------------------------------------------
// Contact details

/** Reserved for documentation (RFC 2606, RFC 6761): still reported, marked test. */
const TEST_EMAIL_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/i;
/** Retina image names (`logo@2x.png`) and package specs (`pkg@1.2.3`) look like addresses. */
const FILE_TLDS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'css', 'js', 'ts', 'map', 'json', 'html', 'txt', 'md', 'ico', 'bmp', 'tiff', 'pdf']);

export function email(value: string): PiiVerdict | PiiResult {
  const at = value.lastIndexOf('@');
  if (at < 1) return INVALID;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (local.length > 64 || domain.length > 253 || local.includes('..') || domain.includes('..')) return INVALID;
  const labels = domain.split('.');
  const tld = labels[labels.length - 1];
  // Internationalised domains (münchen.de, 例子.广告, пример.рф): the rule's regex chose which
  // non-ASCII characters are letters; here they stand in for letters.
  if (labels.length < 2 || !/^(?:[a-z]{2,24}|xn--[a-z0-9-]{1,59}|[^\x00-\x7f]{2,24})$/.test(tld) || FILE_TLDS.has(tld)) return INVALID;
  if (labels.some((l) => !/^[a-z0-9\u0080-\uffff](?:[a-z0-9\u0080-\uffff-]*[a-z0-9\u0080-\uffff])?$/.test(l))) return INVALID;
  return { verdict: 'valid', test: TEST_EMAIL_DOMAIN.test(domain) };
}

/** `ann%40example.com` (in a URL): decoded, then checked like an address. */
export function emailUrlencoded(value: string): PiiVerdict | PiiResult {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return INVALID;
  }
  return /[\s<>"]/.test(decoded) ? INVALID : email(decoded);
}

/** The rules' TLD list: a spelled-out address ends on a TLD people actually spell out. */
const OBFUSCATED_TLDS = /\.(?:com|org|net|edu|gov|io|de|fr|es|it|uk|co|in|br|ca|eu|ch|nl|be|at|us|info|biz|me)$/i;

/** `jane [at] example [dot] com`: decoded, then checked like an address. Plain-word forms (`at`, `dot`) are weaker. */
export function emailObfuscated(value: string): PiiVerdict | PiiResult {
  const bracketed = /[[({<]\s*(?:at|@|dot)\s*[\])}>]/i.test(value);
  const decoded = value
    .replace(/\s*[[({<]\s*(?:at|@)\s*[\])}>]\s*|\s+at\s+|\s+@\s+/gi, '@')
    .replace(/\s*[[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+/gi, '.')
    .replace(/\s+/g, '');
  const r = email(decoded);
  if (r === INVALID || (typeof r === 'object' && r.verdict === 'invalid')) return INVALID;
  if (!OBFUSCATED_TLDS.test(decoded)) return INVALID;
  return { ...(r as PiiResult), confidence: bracketed ? undefined : 'low' };
}

type PhoneLib = typeof import('libphonenumber-js/max');
let phoneLib: PhoneLib | undefined;
/**
 * libphonenumber-js with full metadata costs ~100 ms to load: loaded on the first phone candidate, so a
 * secrets-only scan (or a pre-commit hook) never pays for it.
 */
function phones(): PhoneLib {
  phoneLib ??= createRequire(import.meta.url)('libphonenumber-js/max') as PhoneLib;
  return phoneLib;
}

export const DEFAULT_PHONE_REGIONS = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'IN', 'BR', 'CA'];

/** Fictional ranges reserved for drama and documentation, as E.164 prefixes with the full length. */
const TEST_PHONES: [RegExp, string][] = [
  [/^\+1\d{3}55501\d{2}$/, 'NANP 555-0100..0199'],
  [/^\+44(?:2079460|1214960|1174960|1134960|1144960|1154960|1614960|1914980|2920180|7700900|8081570|9098790|3069990)\d{3}$/, 'Ofcom drama range'],
  [/^\+6149157\d{4}$/, 'ACMA fictitious range'],
];

const FICTIONAL_DIGITS = /55501\d\d$|^(?:0|44)?(?:2079460|1214960|1174960|1134960|1144960|1154960|1614960|1914980|2920180|7700900|8081570|9098790|3069990)|^(?:0|61)?49157/;

/** Digit shapes that are dates, times or decimals, never phone numbers, whatever the metadata says. */
const NOT_PHONE = [
  /^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/, // 05.03.2024, 12/31/99
  /^\d{4}[./-]\d{1,2}[./-]\d{1,2}$/, // 2024-03-05
  /^\d+\.\d+$/, // 3.14159
  /^\d{1,3}(?:\.\d{1,3}){3}$/, // IPv4
  /^\d{3}-\d{2}-\d{4}$/, // the US SSN shape
];

/** North American numbering plan: area codes never start with 0, so a number written with a leading 0 is not theirs. */
const NANP = new Set(['US', 'CA', 'PR', 'JM', 'DO', 'TT', 'BS', 'BB']);
/** Regions whose national format always starts with the trunk prefix 0: a number written without it is not theirs. */
const TRUNK_ZERO = new Set(['GB', 'DE', 'FR', 'AT', 'CH', 'NL', 'BE', 'AU', 'NZ', 'IE', 'ZA', 'TR', 'SE', 'FI', 'JP', 'KR']);

/** Parsing is the costly part of a PII scan: repeated numbers (logs, tables) are parsed once per region list. */
const phoneCache = new WeakMap<object, Map<string, PiiVerdict | PiiResult>>();
const DEFAULT_PHONE_OPTIONS = {};
const PHONE_CACHE_MAX = 4096;

export function phone(value: string, options?: ValidatorOptions): PiiVerdict | PiiResult {
  const key = options ?? DEFAULT_PHONE_OPTIONS;
  let cache = phoneCache.get(key);
  if (!cache) phoneCache.set(key, (cache = new Map()));
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  const r = phoneUncached(value, options);
  if (cache.size >= PHONE_CACHE_MAX) cache.clear();
  cache.set(value, r);
  return r;
}

function phoneUncached(value: string, options?: ValidatorOptions): PiiVerdict | PiiResult {
  const v = value.trim();
  if (NOT_PHONE.some((re) => re.test(v))) return INVALID;
  const digits = onlyDigits(v);
  if (digits.length < 7 || digits.length > 15) return INVALID;
  const lib = phones();
  const international = v.startsWith('+') || v.startsWith('00');
  const regions = (options?.regions as string[] | undefined) ?? DEFAULT_PHONE_REGIONS;
  // A national number that falls in a fictional range of one of the regions is read there, even if another
  // region would take it: Ofcom's 07700 900xxx is not in the UK plan at all. The digit check keeps the
  // extra parses off the common path.
  const mayBeFictional = FICTIONAL_DIGITS.test(digits);
  // A national number valid in several regions (06 12 34 56 78 is French and German) goes to the region
  // that writes it in the same digit groups; failing that, to the first valid region in the list.
  const grouping = (s: string) => s.split(/\D+/).filter(Boolean).map((g) => g.length).join(',');
  const written = grouping(v);
  let parsed: ReturnType<PhoneLib['parsePhoneNumberFromString']>;
  let test = false;
  const leadingZero = digits[0] === '0';
  for (const r of v.startsWith('+') ? [undefined] : regions) {
    if (r !== undefined && !international && (leadingZero ? NANP.has(r) : TRUNK_ZERO.has(r))) continue;
    const p = lib.parsePhoneNumberFromString(v, r as never);
    if (!p) continue;
    if (mayBeFictional && p.isPossible() && TEST_PHONES.some(([re]) => re.test(p.number as string))) {
      parsed = p;
      test = true;
      break;
    }
    if (!p.isValid()) continue;
    if (r === undefined || grouping(p.formatNational()) === written) {
      parsed = p;
      break;
    }
    parsed ??= p;
  }
  if (!parsed) return INVALID;
  const e164 = parsed.number as string;
  return {
    verdict: 'valid',
    test,
    extra: { e164, ...(parsed.country ? { region: parsed.country } : {}) },
    // A national number read through a list of default regions is a guess; an international one is not.
    confidence: international ? undefined : 'low',
  };
}

// ---------------------------------------------------------------------------------------------
// Network identifiers

interface Cidr {
  v6: boolean;
  base: bigint;
  bits: number;
}

function ipv4ToBig(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function ipv6ToBig(s: string): bigint | undefined {
  let str = s;
  let tail: bigint[] = [];
  if (str.includes('.')) {
    // An embedded IPv4 tail (`::ffff:192.0.2.1`) stands for the last two groups.
    const i = str.lastIndexOf(':');
    const v4 = ipv4ToBig(str.slice(i + 1));
    if (v4 === undefined || i < 1) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    str = str[i - 1] === ':' ? str.slice(0, i + 1) : str.slice(0, i);
  }
  const halves = str.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const groups = [...head, ...rest];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const total = groups.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [
    ...head.map((g) => BigInt(parseInt(g, 16))),
    ...new Array(8 - total).fill(0n),
    ...rest.map((g) => BigInt(parseInt(g, 16))),
    ...tail,
  ];
  return words.reduce((n, w) => (n << 16n) | w, 0n);
}

export function parseCidr(c: string): Cidr | undefined {
  const [addr, bitsStr] = c.split('/');
  const v6 = addr.includes(':');
  const base = v6 ? ipv6ToBig(addr) : ipv4ToBig(addr);
  const max = v6 ? 128 : 32;
  const bits = bitsStr === undefined ? max : Number(bitsStr);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > max) return undefined;
  return { v6, base, bits };
}

function inCidr(ip: bigint, v6: boolean, c: Cidr): boolean {
  if (c.v6 !== v6) return false;
  if (!v6) {
    // IPv4 fits a double: plain arithmetic is several times cheaper than BigInt shifts.
    const span = 2 ** (32 - c.bits);
    return Math.floor(Number(ip) / span) === Math.floor(Number(c.base) / span);
  }
  const shift = BigInt(128 - c.bits);
  return ip >> shift === c.base >> shift;
}

/** Not identifying on their own: private (RFC 1918, RFC 4193), loopback, link-local, CGNAT, unspecified, multicast, broadcast. */
export const DEFAULT_PRIVATE_RANGES = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16',
  '224.0.0.0/4', '240.0.0.0/4', '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8',
];
/** Documentation ranges (RFC 5737, RFC 3849): reported as test values. */
const DOC_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'].map((c) => parseCidr(c)!);

const cidrCache = new WeakMap<object, Cidr[]>();
const defaultPrivate = DEFAULT_PRIVATE_RANGES.map((c) => parseCidr(c)!);
function privateRanges(options?: ValidatorOptions): Cidr[] {
  if (!options?.privateRanges) return defaultPrivate;
  let c = cidrCache.get(options);
  if (!c) cidrCache.set(options, (c = (options.privateRanges as string[]).map((r) => parseCidr(r)!)));
  return c;
}

function ipVerdict(n: bigint, v6: boolean, options?: ValidatorOptions): PiiVerdict | PiiResult {
  if (privateRanges(options).some((c) => inCidr(n, v6, c))) {
    // `private = "report"` keeps internal addresses, at low confidence, for inventories of infrastructure.
    return options?.private === 'report' ? { verdict: 'valid', confidence: 'low', extra: { range: 'private' } } : INVALID;
  }
  if (DOC_RANGES.some((c) => inCidr(n, v6, c))) return { verdict: 'valid', test: true, extra: { range: 'documentation' } };
  return { verdict: 'valid', extra: { range: 'public' } };
}

export function ipv4(value: string, options?: ValidatorOptions): PiiVerdict | PiiResult {
  const n = ipv4ToBig(value);
  if (n === undefined || n === 0xffffffffn) return INVALID;
  return ipVerdict(n, false, options);
}

export function ipv6(value: string, options?: ValidatorOptions): PiiVerdict | PiiResult {
  const v = value.replace(/%[\w.]+$/, '');
  const n = ipv6ToBig(v);
  if (n === undefined) return INVALID;
  // `a::b`-looking C++/Rust paths (`Face::add`) parse as IPv6: demand at least three groups or a long one.
  const groups = v.split(/:+/).filter(Boolean);
  if (groups.length < 3 && !groups.some((g) => g.length === 4)) return INVALID;
  if (!/\d/.test(v)) return INVALID;
  return ipVerdict(n, true, options);
}

/** MAC address: one separator kind; all-zero and broadcast excluded; 00:00:5E:00:53:xx is RFC 7042's documentation block. */
export function mac(value: string): PiiVerdict | PiiResult {
  const seps = value.match(/[^0-9A-Fa-f]/g) ?? [];
  if (new Set(seps).size > 1) return INVALID;
  const hex = value.replace(/[^0-9A-Fa-f]/g, '').toLowerCase();
  if (hex.length !== 12 || /^0+$|^f+$/.test(hex)) return INVALID;
  if (value !== value.toLowerCase() && value !== value.toUpperCase()) return INVALID;
  return { verdict: 'valid', test: hex.startsWith('00005e0053') };
}

// ---------------------------------------------------------------------------------------------
// Dates, names, addresses (context does most of the work; these reject the impossible)

const MONTHS: Record<string, number> = {};
[
  ['jan', 'january', 'januar', 'janvier', 'enero', 'gennaio', 'janeiro', 'jän'],
  ['feb', 'february', 'februar', 'février', 'fevrier', 'febrero', 'febbraio', 'fevereiro'],
  ['mar', 'march', 'märz', 'maerz', 'mars', 'marzo', 'março', 'marco'],
  ['apr', 'april', 'avril', 'abril', 'aprile'],
  ['may', 'mai', 'mayo', 'maggio', 'maio'],
  ['jun', 'june', 'juni', 'juin', 'junio', 'giugno', 'junho'],
  ['jul', 'july', 'juli', 'juillet', 'julio', 'luglio', 'julho'],
  ['aug', 'august', 'août', 'aout', 'agosto'],
  ['sep', 'sept', 'september', 'septembre', 'septiembre', 'settembre', 'setembro'],
  ['oct', 'october', 'oktober', 'octobre', 'octubre', 'ottobre', 'outubro'],
  ['nov', 'november', 'novembre', 'noviembre', 'novembro'],
  ['dec', 'december', 'dezember', 'décembre', 'decembre', 'diciembre', 'dicembre', 'dezembro'],
].forEach((names, i) => names.forEach((n) => (MONTHS[n] = i + 1)));

function realDate(y: number, m: number, d: number, minYear: number, maxYear: number): boolean {
  if (y < minYear || y > maxYear || m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/** A calendar date a living person could be born on; the year bounds come from the rule's options (no clock in the engine). */
export function dateOfBirth(value: string, options?: ValidatorOptions): PiiVerdict {
  const minYear = Number(options?.minYear ?? 1900);
  const maxYear = Number(options?.maxYear ?? 2025);
  const v = value.toLowerCase().replace(/,/g, ' ').replace(/\s+/g, ' ').trim();
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(v))) return ok(realDate(+m[1], +m[2], +m[3], minYear, maxYear));
  if ((m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(v)))
    return ok(realDate(+m[3], +m[2], +m[1], minYear, maxYear) || realDate(+m[3], +m[1], +m[2], minYear, maxYear));
  if ((m = /^(\d{1,2})(?:st|nd|rd|th|er|º)?\.? (?:de )?([a-zà-ÿ]+)\.?(?: de)? (\d{4})$/.exec(v)))
    return ok(MONTHS[m[2]] !== undefined && realDate(+m[3], MONTHS[m[2]], +m[1], minYear, maxYear));
  if ((m = /^([a-zà-ÿ]+)\.? (\d{1,2})(?:st|nd|rd|th)? (\d{4})$/.exec(v)))
    return ok(MONTHS[m[1]] !== undefined && realDate(+m[3], MONTHS[m[1]], +m[2], minYear, maxYear));
  return INVALID;
}

/** Capitalised words that follow "Dear", "Name:" etc. without being anyone's name. */
const NOT_NAMES = new Set(
  ('sir madam sirs madams all world there folks people everyone team customer customers client user users friend friends colleague colleagues member members ' +
    'manager hiring support admin administrator the this that our your my valued sender recipient applicant candidate ' +
    'patient guest owner name unknown none null undefined test example mr mrs ms dr prof herr frau ' +
    'monsieur madame señor señora signor signora everyone everybody hello hi thanks regards sincerely cheers best kind ' +
    'january february march april may june july august september october november december monday tuesday wednesday ' +
    'thursday friday saturday sunday string text value field first last full middle given family account company ' +
    'organisation organization department inc ltd gmbh llc corp street road avenue city state country').split(' '),
);

export function personName(value: string): PiiVerdict | PiiResult {
  const words = value.trim().split(/[\s]+/).filter((w) => !/^(?:van|von|de|da|del|della|di|du|dos|das|der|den|la|le|y|e|al|bin|ibn)$/i.test(w));
  if (words.length === 0 || words.length > 4) return INVALID;
  if (words.every((w) => NOT_NAMES.has(w.toLowerCase().replace(/[.,]$/, '')))) return INVALID;
  if (words.some((w) => NOT_NAMES.has(w.toLowerCase()) && ['the', 'this', 'that', 'our', 'your', 'my', 'all'].includes(w.toLowerCase()))) return INVALID;
  if (words.some((w) => w.length > 1 && w === w.toUpperCase() && /[A-Z]{2}/.test(w))) return INVALID;
  const placeholder = /^(?:john|jane) (?:doe|smith)$|^(?:max|erika) mustermann$|^(?:mario|maria) rossi$|^(?:jean|marie) dupont$|^(?:fulano|fulana) de tal$/i;
  return { verdict: 'valid', test: placeholder.test(words.join(' ')) };
}

const US_STATES = new Set(
  ('AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC ' +
    'SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP').split(' '),
);

export function usAddress(value: string): PiiVerdict {
  const m = /\b([A-Z]{2})\s+(\d{5})(?:-\d{4})?$/.exec(value.trim());
  return ok(!!m && US_STATES.has(m[1]) && m[2] !== '00000');
}

/** UK postcode shapes (outward + inward code); the inward letters never include C I K M O V. */
export function ukAddress(value: string): PiiVerdict {
  const m = /([A-Z]{1,2}\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})$/.exec(value.trim());
  return ok(!!m);
}

// ---------------------------------------------------------------------------------------------

/** Option checks run at rule load, so a bad option is an error naming the file, rule and field. */
export function checkValidatorOptions(name: string | undefined, options: ValidatorOptions): { field: string; message: string } | undefined {
  const known: Record<string, string[]> = {
    phone: ['regions'],
    ipv4: ['private', 'privateRanges'],
    ipv6: ['private', 'privateRanges'],
    'date-of-birth': ['minYear', 'maxYear'],
  };
  const allowed = (name && known[name]) || [];
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k))
      return { field: `options.${k}`, message: `is not an option of validator "${name ?? '(none)'}"${allowed.length ? ` (known: ${allowed.join(', ')})` : ''}` };
  }
  if (options.regions !== undefined) {
    const r = options.regions;
    if (!Array.isArray(r) || r.length === 0 || r.some((x) => !/^[A-Z]{2}$/.test(x) || !COUNTRIES.has(x)))
      return { field: 'options.regions', message: 'must be a non-empty list of ISO 3166 region codes such as "US", "GB"' };
  }
  if (options.private !== undefined && options.private !== 'skip' && options.private !== 'report')
    return { field: 'options.private', message: 'must be "skip" or "report"' };
  if (options.privateRanges !== undefined) {
    const r = options.privateRanges;
    if (!Array.isArray(r)) return { field: 'options.privateRanges', message: 'must be a list of CIDR ranges' };
    const bad = r.find((c) => !parseCidr(c));
    if (bad !== undefined) return { field: 'options.privateRanges', message: `"${bad}" is not a CIDR range (e.g. "10.0.0.0/8", "fc00::/7")` };
  }
  for (const k of ['minYear', 'maxYear'] as const)
    if (options[k] !== undefined && (!Number.isInteger(options[k]) || (options[k] as number) < 1800 || (options[k] as number) > 2200))
      return { field: `options.${k}`, message: 'must be a year' };
  return undefined;
}

/** Registered into the validator registry by validators.ts. */
export const PII_VALIDATORS: Record<string, PiiValidator> = {
  card,
  iban,
  bic,
  'us-ssn': usSsn,
  'us-itin': usItin,
  'uk-nino': ukNino,
  'uk-nhs': ukNhs,
  'ca-sin': caSin,
  'in-aadhaar': inAadhaar,
  'in-pan': inPan,
  'es-dni': esDni,
  'it-codice-fiscale': itCodiceFiscale,
  'fr-nir': frNir,
  'de-steuer-id': deSteuerId,
  'br-cpf': brCpf,
  'br-cnpj': brCnpj,
  passport,
  'btc-address': btcAddress,
  'eth-address': ethAddress,
  email,
  'email-obfuscated': emailObfuscated,
  'email-urlencoded': emailUrlencoded,
  phone,
  ipv4,
  ipv6,
  mac,
  'date-of-birth': dateOfBirth,
  'person-name': personName,
  'us-address': usAddress,
  'uk-address': ukAddress,
};
