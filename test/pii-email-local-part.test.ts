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
