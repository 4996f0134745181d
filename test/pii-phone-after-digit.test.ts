import { describe, expect, it } from 'vitest';
import { createRedactor, redactText } from '../src/redact/api.js';

const redactor = createRedactor({ cwd: '/nonexistent-spillguard-qa', kinds: ['pii'], injection: false });

describe('pii-phone: a number written with its + after a word ending in a digit', () => {
  it('is found (room 12 +44 …, line2 +1 …, CRLF too)', () => {
    const r = redactText('Room 12 +44 20 7946 0958\r\nline2 +1 202 555 0143\r\nv2 +49 30 901820\r\n', { redactor });
    expect(r.text).toBe('Room 12 [PHONE]\r\nline2 [PHONE]\r\nv2 [PHONE]\r\n');
    expect(r.redactions.map((x) => [x.start, x.end, x.line, x.column])).toEqual([[8, 24, 1, 9], [32, 47, 2, 7], [52, 65, 3, 4]]);
  });

  it('pieces of longer digit groups are still not numbers', () => {
    const text = 'ID 1 44 08 53 12 34 and 12 345 678 901 and x 3 0044 20 7946 0958\n';
    expect(redactText(text, { redactor }).text).toBe(text);
  });
});
