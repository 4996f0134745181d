import { describe, expect, it } from 'vitest';
import { createRedactor, redactText } from '../src/redact/api.js';

const redactor = createRedactor({ cwd: '/nonexistent-spillguard-qa', kinds: ['pii'], injection: false });

describe("pii-email: the whole local part or nothing (never a tail that leaves the name's start)", () => {
  it("an apostrophe inside the local part (o'neil@) and accented Latin letters (émilie@) are part of the address", () => {
    const r = redactText("Mail (kim.o'neil@example.com), d'angelo@example.com, émilie@example.org après, José.Núñez@example.es.", { redactor });
    expect(r.text).toBe('Mail ([EMAIL]), [EMAIL], [EMAIL] après, [EMAIL].');
    expect(r.redactions.map((x) => [x.start, x.end])).toEqual([[6, 28], [31, 51], [53, 71], [79, 100]]);
  });

  it('quotes around an address stay outside it', () => {
    const r = redactText("'kim@example.com' and It's bob@example.com", { redactor });
    expect(r.text).toBe("'[EMAIL]' and It's [EMAIL]");
  });
});

describe('pii-email: addresses that are not ASCII only (RFC 6531, IDNA) are found whole', () => {
  it('non-ASCII local parts, internationalised domains and TLDs, punycode TLDs', () => {
    const text = 'jöhn.müller@example.de; andré@bücher.de; иван@пример.рф; 山田@example.jp; ann@example.xn--p1ai';
    const r = redactText(text, { redactor });
    expect(r.text).toBe('[EMAIL]; [EMAIL]; [EMAIL]; [EMAIL]; [EMAIL]');
    expect(r.redactions.map((x) => text.slice(x.start, x.end))).toEqual(['jöhn.müller@example.de', 'andré@bücher.de', 'иван@пример.рф', '山田@example.jp', 'ann@example.xn--p1ai']);
  });

  it('Chinese text: the address ends before CJK punctuation, and a domain without a TLD is no address', () => {
    const r = redactText('联系方式：用户@例子.广告。或者 用户@本地', { redactor });
    expect(r.text).toBe('联系方式：[EMAIL]。或者 用户@本地');
    expect(r.redactions.map((x) => [x.start, x.end])).toEqual([[5, 13]]);
  });
});
