import { describe, expect, it } from 'vitest';
import { keccak256 } from '../src/engine/keccak.js';
import * as pii from '../src/engine/pii.js';
import { getValidator, verdictOf } from '../src/engine/validators.js';

/** [value, verdict, test?] through the registry, as the engine calls it. */
function check(name: string, cases: [string, 'valid' | 'invalid', boolean?][], options?: pii.ValidatorOptions) {
  const v = getValidator(name);
  expect(v, `validator ${name} is registered`).toBeDefined();
  for (const [value, verdict, test] of cases) {
    const r = verdictOf(v!(value, options));
    expect(r.verdict, `${name}(${value})`).toBe(verdict);
    if (verdict === 'valid') expect(Boolean(r.test), `${name}(${value}) test`).toBe(Boolean(test));
  }
}

describe('checksums', () => {
  it('keccak-256 matches the published vectors (Ethereum padding, not SHA3)', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(keccak256(enc(''))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(keccak256(enc('abc'))).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
    // Two blocks (rate 136 bytes): 200 x "a".
    expect(keccak256(enc('a'.repeat(200)))).toHaveLength(64);
  });

  it('Luhn and Verhoeff', () => {
    expect(pii.luhnValid('79927398713')).toBe(true);
    expect(pii.luhnValid('79927398710')).toBe(false);
    expect(pii.verhoeffValid('2363')).toBe(true); // the textbook example: check digit of 236 is 3
    expect(pii.verhoeffValid('2364')).toBe(false);
  });
});

describe('payment cards and banking', () => {
  it('card: Luhn, network prefix and length, grouping; processor test numbers are test values', () => {
    check('card', [
      ['4764 4203 5298 5095', 'valid'],
      ['3799-173993-20769', 'valid'], // Amex 4-6-5
      ['5523863592617508', 'valid'],
      ['4764 4203 5298 5096', 'invalid'], // Luhn
      ['9764420352985095', 'invalid'], // no network starts with 9
      ['4764-4203 5298-5095', 'invalid'], // mixed separators
      ['47644 20352 98509 5', 'invalid'], // not a printed grouping
      ['4111 1111 1111 1111', 'valid', true],
      ['378282246310005', 'valid', true],
    ]);
    expect(verdictOf(pii.card('5523863592617508')).extra).toEqual({ network: 'mastercard' });
  });

  it('IBAN: mod 97 and per-country length; documentation IBANs are test values', () => {
    check('iban', [
      ['DE60 2445 7286 5101 2139 04', 'valid'],
      ['FR1456100778807776844332368', 'valid'],
      ['DE60 2445 7286 5101 2139 05', 'invalid'],
      ['DE60244572865101213904000', 'invalid'], // DE is 22 long
      ['XX60244572865101213904', 'invalid'],
      ['GB82 WEST 1234 5698 7654 32', 'valid', true],
      ['DE89370400440532013000', 'valid', true],
    ]);
  });

  it('BIC: structure and ISO country; location code x0 is a test BIC', () => {
    check('bic', [
      ['DEUTDEFF', 'valid'],
      ['DEUTDEFF500', 'valid'],
      ['DEUTXXFF', 'invalid'],
      ['DEUTDE0F', 'invalid'],
      ['BNPAFRP0', 'valid', true],
    ]);
  });
});

describe('national identifiers', () => {
  it('US SSN: area, group, serial; published sample numbers excluded', () => {
    check('us-ssn', [
      ['691-78-0460', 'valid'],
      ['412 28 0738', 'valid'],
      ['666-12-3456', 'invalid'],
      ['000-12-3456', 'invalid'],
      ['912-12-3456', 'invalid'],
      ['412-00-3456', 'invalid'],
      ['412-28-0000', 'invalid'],
      ['078-05-1120', 'invalid'], // Woolworth wallet card
      ['219-09-9999', 'invalid'], // SSA advertisement
      ['123-45-6789', 'invalid'],
    ]);
  });

  it('US ITIN: 9XX with the issued group ranges', () => {
    check('us-itin', [
      ['917-75-2940', 'valid'],
      ['970-94-2880', 'valid'],
      ['917-93-2940', 'invalid'],
      ['817-75-2940', 'invalid'],
    ]);
  });

  it('UK NINO: forbidden letters and prefixes; HMRC example prefix QQ is a test value', () => {
    check('uk-nino', [
      ['JG 10 37 52 A', 'valid'],
      ['PR481163C', 'valid'],
      ['GB103752A', 'invalid'],
      ['DA103752A', 'invalid'],
      ['JO103752A', 'invalid'],
      ['JG103752E', 'invalid'],
      ['QQ 12 34 56 C', 'valid', true],
    ]);
  });

  it('NHS number: mod 11; the 999 range and the NHS documentation example are test values', () => {
    check('uk-nhs', [
      ['409 543 3086', 'valid'],
      ['3956505689', 'valid'],
      ['409 543 3087', 'invalid'],
      ['0000000000', 'invalid'],
      ['943 476 5919', 'valid', true],
      ['9990001232', 'invalid'],
    ]);
    // A 999 number with a good check digit.
    const body = '999123456';
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(body[i]) * (10 - i);
    const c = (11 - (sum % 11)) % 11;
    if (c !== 10) check('uk-nhs', [[body + c, 'valid', true]]);
  });

  it('Canadian SIN: Luhn, first digit; the CRA sample is a test value', () => {
    check('ca-sin', [
      ['622 146 744', 'valid'],
      ['715-185-591', 'valid'],
      ['622 146 745', 'invalid'],
      ['822 146 748', 'invalid'],
      ['046 454 286', 'valid', true],
    ]);
  });

  it('Aadhaar: Verhoeff, no leading 0/1', () => {
    check('in-aadhaar', [
      ['6038 5284 5259', 'valid'],
      ['713918668722', 'valid'],
      ['6038 5284 5258', 'invalid'],
      ['1038 5284 5259', 'invalid'],
    ]);
  });

  it('PAN: structure with holder type', () => {
    check('in-pan', [
      ['BNZPM2501F', 'valid'],
      ['AFKCS4821K', 'valid'],
      ['BNZXM2501F', 'invalid'],
      ['BNZPM0000F', 'invalid'],
    ]);
  });

  it('Spanish DNI / NIE: control letter; 12345678Z is the usual sample', () => {
    check('es-dni', [
      ['99179515L', 'valid'],
      ['X-6981411-Z', 'valid'],
      ['Y2032007V', 'valid'],
      ['99179515M', 'invalid'],
      ['X6981411A', 'invalid'],
      ['12345678Z', 'valid', true],
    ]);
  });

  it('Italian codice fiscale: check character, omocodia; Mario Rossi samples are test values', () => {
    check('it-codice-fiscale', [
      ['ZNTUUS12L79N603R', 'valid'],
      ['IAKCLY86M49W828Z', 'valid'],
      ['ZNTUUS12L79N603S', 'invalid'],
      ['ZNTUUS12X79N603R', 'invalid'], // X is no month letter
      ['RSSMRA85T10A562S', 'valid', true],
    ]);
  });

  it('French NIR: key = 97 - n mod 97, Corsica 2A/2B', () => {
    check('fr-nir', [
      ['2 01 11 02 248 809 66', 'valid'],
      ['116110546696969', 'valid'],
      ['2 55 08 14 168 025 38', 'valid'],
      ['116110546696968', 'invalid'],
      ['316110546696969', 'invalid'], // sex digit
    ]);
    // Corsica: 2A counts as 19 in the key.
    const body = '185122A108123';
    const key = 97 - Number(BigInt(body.replace('2A', '19')) % 97n);
    check('fr-nir', [[body + String(key).padStart(2, '0'), 'valid']]);
  });

  it('German Steuer-ID: digit frequency and ISO 7064 MOD 11,10', () => {
    check('de-steuer-id', [
      ['59640223725', 'valid'],
      ['86 942 750 731', 'valid'],
      ['59640223726', 'invalid'],
      ['01234567896', 'invalid'], // leading 0
      ['12345678903', 'invalid'], // every digit once: no repeated digit
    ]);
  });

  it('CPF and CNPJ: two mod-11 digits; documentation samples are test values; bare digits are less certain', () => {
    check('br-cpf', [
      ['393.622.082-45', 'valid'],
      ['34191251007', 'valid'],
      ['393.622.082-46', 'invalid'],
      ['111.111.111-11', 'invalid'],
      ['111.444.777-35', 'valid', true],
    ]);
    expect(verdictOf(pii.brCpf('34191251007')).confidence).toBe('low');
    expect(verdictOf(pii.brCpf('393.622.082-45')).confidence).toBeUndefined();
    check('br-cnpj', [
      ['15.553.208/0001-05', 'valid'],
      ['16360176000194', 'valid'],
      ['15.553.208/0001-06', 'invalid'],
      ['11.222.333/0001-81', 'valid', true],
    ]);
  });

  it('passport: rejects placeholders only', () => {
    check('passport', [
      ['533380006', 'valid'],
      ['C01X00T47', 'valid'],
      ['123456789', 'invalid'],
      ['000000000', 'invalid'],
    ]);
  });
});

describe('crypto wallets', () => {
  it('Bitcoin: base58check, bech32 (v0) and bech32m (v1+); whitepaper and BIP vectors are test values', () => {
    check('btc-address', [
      ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'valid', true],
      ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'valid', true],
      ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'valid', true],
      ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', 'valid', true],
      ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz', 'invalid'],
      ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'invalid'],
      // A v1 program with the bech32 (not bech32m) checksum: BIP-350 says invalid.
      ['bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx', 'invalid'],
    ]);
  });

  it('Ethereum: EIP-55 test vectors; wrong case is invalid; no checksum is low confidence', () => {
    check('eth-address', [
      ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'valid'],
      ['0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 'valid'],
      ['0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', 'valid'],
      ['0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb', 'valid'],
      ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', 'invalid'],
      ['0x0000000000000000000000000000000000000000', 'invalid'],
    ]);
    expect(verdictOf(pii.ethAddress('0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359')).confidence).toBe('low');
  });
});

describe('contact details', () => {
  it('email: structure; reserved documentation domains are test values; image@2x.png is not mail', () => {
    check('email', [
      ['maria.garcia84@posteo.de', 'valid'],
      ['j.smith+news@fastmail.co.uk', 'valid'],
      ['logo@2x.png', 'invalid'],
      ['a..b@example.org', 'invalid'],
      ['anna@example.com', 'valid', true],
      ['ops@build.test', 'valid', true],
    ]);
    check('email-obfuscated', [
      ['maria.garcia [at] posteo [dot] de', 'valid'],
      ['jsmith (at) fastmail (dot) co (dot) uk', 'valid'],
      ['meet [at] noon [dot] sharp', 'invalid'],
    ]);
  });

  it('phone: libphonenumber validity, E.164 in extra, region order, documentation ranges as test values', () => {
    const r = verdictOf(pii.phone('+49 30 901820'));
    expect(r).toMatchObject({ verdict: 'valid', extra: { e164: '+4930901820', region: 'DE' } });
    expect(r.confidence).toBeUndefined();
    // National numbers are read in the configured region order, at low confidence.
    expect(verdictOf(pii.phone('06 12 34 56 78', { regions: ['FR'] }))).toMatchObject({ verdict: 'valid', extra: { e164: '+33612345678' }, confidence: 'low' });
    expect(verdictOf(pii.phone('06 12 34 56 78', { regions: ['US'] })).verdict).toBe('invalid');
    check('phone', [
      ['(415) 555-2671', 'valid'],
      ['05.03.2024', 'invalid'], // a date, whatever the German numbering plan says
      ['12345', 'invalid'],
      ['(212) 555-0134', 'valid', true], // NANP 555-0100..0199
      ['020 7946 0958', 'valid', true], // Ofcom drama range
      ['07700 900217', 'valid', true], // not in the numbering plan at all, still a test value
    ]);
  });
});

describe('network identifiers', () => {
  it('IPv4: private ranges skipped by default, reported when configured; documentation ranges are test values', () => {
    check('ipv4', [
      ['81.2.69.160', 'valid'],
      ['10.1.2.3', 'invalid'],
      ['192.168.0.1', 'invalid'],
      ['127.0.0.1', 'invalid'],
      ['255.255.255.255', 'invalid'],
      ['203.0.113.9', 'valid', true],
      ['01.2.3.4', 'invalid'],
    ]);
    expect(verdictOf(pii.ipv4('10.1.2.3', { private: 'report' }))).toMatchObject({ verdict: 'valid', confidence: 'low', extra: { range: 'private' } });
    // A custom private list replaces the default one.
    expect(verdictOf(pii.ipv4('81.2.69.160', { privateRanges: ['81.2.0.0/16'] })).verdict).toBe('invalid');
    expect(verdictOf(pii.ipv4('10.1.2.3', { privateRanges: ['81.2.0.0/16'] })).verdict).toBe('valid');
  });

  it('IPv6: full, compressed and IPv4-mapped forms; ULA/link-local skipped; 2001:db8::/32 is a test value', () => {
    check('ipv6', [
      ['2a00:1450:4001:82a::200e', 'valid'],
      ['2607:f8b0:4005:80c:0:0:0:200e', 'valid'],
      ['::ffff:81.2.69.160', 'valid'],
      ['fe80::1ff:fe23:4567:890a', 'invalid'],
      ['fd12:3456:789a:1::1', 'invalid'],
      ['::1', 'invalid'],
      ['12:30:45', 'invalid'],
      ['1::2::3', 'invalid'],
      ['2001:db8::8a2e:370:7334', 'valid', true],
    ]);
  });

  it('MAC: one separator, one case; RFC 7042 documentation block is a test value', () => {
    check('mac', [
      ['3c:22:fb:7a:91:0e', 'valid'],
      ['3C-22-FB-7A-91-0E', 'valid'],
      ['3c22.fb7a.910e', 'valid'],
      ['3c:22:fb-7a:91:0e', 'invalid'],
      ['ff:ff:ff:ff:ff:ff', 'invalid'],
      ['00:00:5e:00:53:af', 'valid', true],
    ]);
  });
});

describe('dates, names, addresses', () => {
  it('date of birth: calendar dates within the configured years, in several languages', () => {
    check('date-of-birth', [
      ['1985-03-12', 'valid'],
      ['12/31/1985', 'valid'],
      ['31.12.1985', 'valid'],
      ['12 March 1985', 'valid'],
      ['March 12, 1985', 'valid'],
      ['5 septembre 1957', 'valid'],
      ['21 de marzo de 1999', 'valid'],
      ['1985-02-30', 'invalid'],
      ['1899-01-01', 'invalid'],
      ['2031-01-01', 'invalid'],
    ]);
    check('date-of-birth', [['2031-01-01', 'valid']], { maxYear: 2040 });
  });

  it('person name: rejects role words and placeholders are test values', () => {
    check('person-name', [
      ['Maria Garcia', 'valid'],
      ["Siobhan O'Brien", 'valid'],
      ['Customer', 'invalid'],
      ['Sir', 'invalid'],
      ['The Team', 'invalid'],
      ['John Doe', 'valid', true],
    ]);
  });

  it('addresses: US state and ZIP, UK postcode', () => {
    check('us-address', [
      ['742 Evergreen Terrace, Springfield, IL 62704', 'valid'],
      ['742 Evergreen Terrace, Springfield, XX 62704', 'invalid'],
    ]);
    check('uk-address', [
      ['221B Baker Street, London NW1 6XE', 'valid'],
      ['221B Baker Street, London', 'invalid'],
    ]);
  });
});

describe('options are checked at load', () => {
  it('names the field of a bad option', () => {
    expect(pii.checkValidatorOptions('phone', { regions: ['XX'] })?.field).toBe('options.regions');
    expect(pii.checkValidatorOptions('ipv4', { privateRanges: ['10.0.0.0/33'] })?.field).toBe('options.privateRanges');
    expect(pii.checkValidatorOptions('ipv4', { private: 'maybe' })?.field).toBe('options.private');
    expect(pii.checkValidatorOptions('card', { regions: ['US'] })?.field).toBe('options.regions');
    expect(pii.checkValidatorOptions('phone', { regions: ['DE', 'AT'] })).toBeUndefined();
  });
});
