import { describe, expect, it } from 'vitest';
import { createRedactor, redactText } from '../src/redact/api.js';

const redactor = createRedactor({ key: 'spillguard-test-key-0001', cwd: '/nonexistent-spillguard-qa' });
const keepPhone = createRedactor({ key: 'spillguard-test-key-0001', cwd: '/nonexistent-spillguard-qa', operators: { 'pii-phone': 'keep' } });

describe('outStart/outEnd point at the replacement in the output', () => {
  it('HTML: after replacements in earlier text nodes and attributes (escaped, longer than the value)', () => {
    const html = '<p>a@example.com</p>\n<p title="c@example.com">x &amp; d@example.com</p>\n';
    const r = redactText(html, { redactor, format: 'html' });
    expect(r.text).toBe('<p>&lt;EMAIL_9747e1&gt;</p>\n<p title="&lt;EMAIL_104897&gt;">x &amp; &lt;EMAIL_ddd1f0&gt;</p>\n');
    expect(r.redactions.map((x) => [x.start, x.end, x.outStart, x.outEnd])).toEqual([
      [3, 16, 3, 23],
      [31, 44, 38, 58],
      [54, 67, 68, 88],
    ]);
    for (const x of r.redactions) {
      expect(html.slice(x.start, x.end)).toMatch(/^[a-d]@example\.com$/);
      expect(r.text.slice(x.outStart, x.outEnd)).toMatch(/^&lt;EMAIL_[0-9a-f]{6}&gt;$/);
    }
  });

  it('kept findings: their output offsets move with the replacements before them', () => {
    const text = 'mail a@example.com then call +44 20 7946 0958 now';
    const r = redactText(text, { redactor: keepPhone });
    expect(r.text).toBe('mail <EMAIL_9747e1> then call +44 20 7946 0958 now');
    expect(r.kept.map((x) => [x.rule, x.start, x.end, x.outStart, x.outEnd])).toEqual([['pii-phone', 29, 45, 30, 46]]);
    expect(r.text.slice(30, 46)).toBe('+44 20 7946 0958');
  });

  it('kept findings in HTML after an escaped replacement', () => {
    const html = '<b>a@example.com</b> <i>+44 20 7946 0958</i>';
    const r = redactText(html, { redactor: keepPhone, format: 'html' });
    expect(r.text).toBe('<b>&lt;EMAIL_9747e1&gt;</b> <i>+44 20 7946 0958</i>');
    const [k] = r.kept;
    expect(r.text.slice(k.outStart, k.outEnd)).toBe('+44 20 7946 0958');
  });
});
