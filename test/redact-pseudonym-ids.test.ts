import { describe, expect, it } from 'vitest';
import { createRedactor, redactText } from '../src/redact/api.js';
import { normalise } from '../src/redact/operators.js';

const redactor = createRedactor({ key: 'spillguard-test-key-0001', cwd: '/nonexistent-spillguard-qa' });

describe('pseudonyms: one identifier, one token, however it is grouped', () => {
  it('an IBAN, a NINO and an NIE printed grouped or compact get the same token', () => {
    const r = redactText('IBAN DE89 3704 0044 0532 0130 00 or DE89370400440532013000; NI AB 12 34 56 C or AB123456C; NIE X-1234567-L or X1234567L', { redactor });
    expect(r.text).toBe('IBAN <IBAN_a6953b> or <IBAN_a6953b>; NI <UK_NINO_529d11> or <UK_NINO_529d11>; NIE <ES_DNI_50a9c1> or <ES_DNI_50a9c1>');
    // The manifest's fingerprints agree too.
    const fp = r.redactions.map((x) => x.fingerprint);
    expect([fp[0] === fp[1], fp[2] === fp[3], fp[4] === fp[5]]).toEqual([true, true, true]);
  });

  it('normalise: PII identifiers of letters and digits lose separators and case; secrets and names keep theirs', () => {
    expect(normalise('gb82 west 1234 5698 7654 32', { kind: 'pii' })).toBe('GB82WEST12345698765432');
    expect(normalise('AB 12 34 56 C', { kind: 'pii' })).toBe('AB123456C');
    expect(normalise('abcd-1234-EFGH', { kind: 'secret' })).toBe('abcd-1234-EFGH');
    expect(normalise('Max Mustermann', { kind: 'pii' })).toBe('Max Mustermann');
    expect(normalise('4111 1111 1111 1111', { kind: 'pii' })).toBe('4111111111111111');
  });
});
