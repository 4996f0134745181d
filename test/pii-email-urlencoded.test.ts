import { describe, expect, it } from 'vitest';
import { createRedactor, redactText } from '../src/redact/api.js';
import { emailUrlencoded } from '../src/engine/pii.js';

const redactor = createRedactor({ cwd: '/nonexistent-spillguard-qa', kinds: ['pii'], injection: false, key: 'spillguard-test-key-0001' });

describe('pii-email-urlencoded: addresses with "@" written %40 in links and query strings', () => {
  it('HTML: mailto: hrefs and unsubscribe links are redacted, with the same pseudonym as the plain address', () => {
    const html = '<a href="mailto:bob%40example.com?subject=hi">x</a> <a href="https://x.example/u?email=carl%40example.com&amp;list=7">z</a> <p>bob@example.com</p>';
    const r = redactText(html, { redactor, format: 'html' });
    expect(r.text).toBe(
      '<a href="mailto:&lt;EMAIL_9b8bf9&gt;?subject=hi">x</a> <a href="https://x.example/u?email=&lt;EMAIL_01c09c&gt;&amp;list=7">z</a> <p>&lt;EMAIL_9b8bf9&gt;</p>',
    );
    expect(r.redactions.map((x) => [x.rule, x.start, x.end])).toEqual([
      ['pii-email-urlencoded', 16, 33],
      ['pii-email-urlencoded', 87, 105],
      ['pii-email', 127, 142],
    ]);
  });

  it('a log line; a "+" written %2B in the local part; percentages are not addresses', () => {
    const r = redactText('GET /unsub?e=a%2Bb%40example.com 200; progress 40%40 done; width:100%40px\n', { redactor });
    expect(r.text).toBe('GET /unsub?e=<EMAIL_f76d9d> 200; progress 40%40 done; width:100%40px\n');
  });

  it('the validator decodes, then checks as an address', () => {
    expect(emailUrlencoded('ann%40example.com')).toEqual({ verdict: 'valid', test: true });
    expect(emailUrlencoded('ann%40mailbox.org')).toEqual({ verdict: 'valid', test: false });
    expect(emailUrlencoded('logo%402x.png')).toBe('invalid');
    expect(emailUrlencoded('a%E0%40example.com')).toBe('invalid');
  });
});
