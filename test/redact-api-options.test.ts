import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/config/rules.js';
import type { Confidence, Kind } from '../src/engine/types.js';
import { createRedactor, redactStream, redactText } from '../src/redact/api.js';

const rules = loadRules({ root: '/nonexistent-spillguard-qa' });

describe('library: a wrong redaction option throws a TypeError naming it (README), never redacts nothing silently', () => {
  it('minConfidence misspelt', () => {
    expect(() => createRedactor({ rules, minConfidence: 'Medium' as Confidence })).toThrow(new TypeError('redact: minConfidence must be one of high, medium, low (got "Medium")'));
    expect(() => redactText('mail ann@example.com', { rules, minConfidence: 'bogus' as Confidence })).toThrow(TypeError);
  });

  it('kinds with an unknown kind', () => {
    expect(() => createRedactor({ rules, kinds: ['pii', 'secrets'] as Kind[] })).toThrow(new TypeError('redact: kinds must be a list of secret, pii, injection (got ["pii","secrets"])'));
  });

  it('text that is not a string, fields that are not a list', () => {
    expect(() => redactText(123 as unknown as string, { rules })).toThrow(new TypeError('redactText: text must be a string (got number)'));
    expect(() => redactText(null as unknown as string, { rules })).toThrow(new TypeError('redactText: text must be a string (got null)'));
    expect(() => redactText('{"a":"x"}', { rules, format: 'json', fields: 'a' as unknown as string[] })).toThrow(
      new TypeError('redactText: fields must be a list of field names or JSON pointers (got "a")'),
    );
    expect(() => redactStream({ rules, format: 'jsonl', fields: 'a' as unknown as string[] })).toThrow(TypeError);
  });

  it('valid options still redact', () => {
    expect(redactText('mail ann@example.com', { rules, minConfidence: 'low', kinds: ['pii'] }).text).toBe('mail [EMAIL]');
  });
});
