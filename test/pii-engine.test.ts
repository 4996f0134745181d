import { describe, expect, it, vi } from 'vitest';
import { loadPacks, BUILTIN_RULES_DIR } from '../src/config/rules.js';
import { createEngine } from '../src/engine/engine.js';
import { normalizeText } from '../src/engine/normalize.js';
import { Prefilter } from '../src/engine/prefilter.js';
import { parseConfig } from '../src/engine/schema.js';
import { chunkText } from '../src/sources/chunker.js';
import { scanText } from '../src/scan/index.js';
import type { Confidence, Finding, RuleSet } from '../src/engine/types.js';
import { rulesFrom, TOK_RULE } from './helpers/rules.js';

const packs = loadPacks(BUILTIN_RULES_DIR, true);
const PII: RuleSet = { rules: packs.rules.filter((r) => r.kind === 'pii'), allowlist: packs.allowlist };
const only = (...ids: string[]): RuleSet => ({ rules: PII.rules.filter((r) => ids.includes(r.id)), allowlist: PII.allowlist });
const scan = (text: string, rules: RuleSet = PII, minConfidence?: Confidence) => scanText(text, { rules, minConfidence }).findings;
const brief = (f: Finding) => ({ rule: f.ruleId, secret: f.secret, confidence: f.confidence, test: f.test ?? false });

describe('context scoring', () => {
  it('raises a validated card from medium (no context) to high (a card word nearby)', () => {
    expect(scan('see 4764 4203 5298 5095', only('pii-credit-card')).map(brief)).toEqual([
      { rule: 'pii-credit-card', secret: '4764 4203 5298 5095', confidence: 'medium', test: false },
    ]);
    expect(scan('Visa card: 4764 4203 5298 5095', only('pii-credit-card')).map((f) => f.confidence)).toEqual(['high']);
  });

  it('raises a national phone number one level per distinct context word, up to high', () => {
    const conf = (t: string) => scan(t, only('pii-phone')).map((f) => f.confidence);
    expect(conf('see 030 12345678 for details')).toEqual(['low']);
    expect(conf('phone: 030 12345678')).toEqual(['medium']);
    expect(conf('Tel. (mobile) 030 12345678')).toEqual(['high']);
    // Whole words only: "hotel" holds "tel", "telling" starts with it; neither counts.
    expect(conf('hotel telling 030 12345678')).toEqual(['low']);
  });

  it('matches context words across case, underscores and camelCase, never inside another word', () => {
    const conf = (t: string) => scan(t, only('pii-us-ssn-unformatted')).map((f) => f.confidence);
    expect(conf('{"ssn": "412280738"}')).toEqual(['medium']);
    expect(conf('{"customerSsn": "412280738"}')).toEqual(['medium']);
    expect(conf('{"SOCIAL_SECURITY": "412280738"}')).toEqual(['medium']);
    expect(conf('{"lessn": "412280738"}')).toEqual([]);
  });

  it('lowers known test values to low confidence and marks them, still reporting them', () => {
    expect(scan('Visa card: 4111 1111 1111 1111', only('pii-credit-card')).map(brief)).toEqual([
      { rule: 'pii-credit-card', secret: '4111 1111 1111 1111', confidence: 'low', test: true },
    ]);
    const [f] = scan('call (212) 555-0134 now', only('pii-phone'));
    expect(f).toMatchObject({ test: true, confidence: 'low', extra: { e164: '+12125550134', region: 'US' } });
  });

  it('drops a match with only negative context nearby, keeps it when a positive word is there too', () => {
    expect(scan('Order number 4764420352985095 shipped', only('pii-credit-card'))).toEqual([]);
    expect(scan('Order 77 paid by card 4764420352985095', only('pii-credit-card')).map((f) => f.confidence)).toEqual(['high']);
  });

  it('requireContext drops matches without a label, and a CSV column header counts as one', () => {
    expect(scan('ref 622 146 744', only('pii-ca-sin'))).toEqual([]);
    expect(scan('SIN: 622 146 744', only('pii-ca-sin')).map((f) => f.secret)).toEqual(['622 146 744']);
    const csv = 'id,name,created_at,date_of_birth\n1,Ann,2024-01-05,1985-03-12\n2,Bob,2024-02-07,1979-11-30\n';
    expect(scan(csv, only('pii-date-of-birth')).map((f) => [f.secret, f.span.line])).toEqual([
      ['1985-03-12', 2],
      ['1979-11-30', 3],
    ]);
  });

  it('--min-confidence applies to PII confidence', () => {
    const pad = '\n' + '.'.repeat(60) + '\n';
    const text = ['see 030 12345678', 'phone: 0151 23456789', 'Tel. (mobile) 089 12345678'].join(pad);
    const secrets = (min: Confidence) => scan(text, only('pii-phone'), min).map((f) => f.secret);
    expect(secrets('low')).toEqual(['030 12345678', '0151 23456789', '089 12345678']);
    expect(secrets('medium')).toEqual(['0151 23456789', '089 12345678']);
    expect(secrets('high')).toEqual(['089 12345678']);
  });

  it('E.164 and region go into extra; national numbers follow the configured region order', () => {
    const [f] = scan('mobile 06 12 34 56 78', only('pii-phone'));
    expect(f.extra).toEqual({ e164: '+33612345678', region: 'FR' });
    const custom = rulesFrom(`
[[rules]]
id = "my-phone"
kind = "pii"
regex = '''(0\\d{3}(?: \\d\\d){3})'''
validate = "phone"
options.regions = ["BE"]
context = ["phone"]
`);
    expect(scan('phone 0470 12 34 56', custom).map((x) => x.extra?.e164)).toEqual(['+32470123456']);
  });
});

describe('evasion: NFKC, zero-width characters, no-break spaces', () => {
  it('normalises and maps every character back to the original', () => {
    const n = normalizeText('a\u200bb１２\u00a0c')!;
    expect(n.text).toBe('ab12 c');
    expect([...n.origStart]).toEqual([0, 2, 3, 4, 5, 6]);
    expect([...n.origEnd]).toEqual([1, 3, 4, 5, 6, 7]);
    expect(normalizeText('plain ascii text')).toBeUndefined();
    expect(normalizeText('Grüße, café')).toBeUndefined(); // non-ASCII that NFKC keeps: no map built
  });

  it('finds a card written in full-width digits, at its original line and column', () => {
    const text = 'line one\nPaid with ４７６４ ４２０３ ５２９８ ５０９５ today';
    const [f] = scan(text, only('pii-credit-card'));
    expect(f.secret).toBe('4764 4203 5298 5095');
    expect([f.span.line, f.span.column, f.span.endLine, f.span.endColumn]).toEqual([2, 11, 2, 30]);
    expect(text.slice(f.span.start, f.span.end)).toBe('４７６４ ４２０３ ５２９８ ５０９５');
  });

  it('finds a card and an e-mail address with zero-width characters inside, spans covering the original', () => {
    const card = '4764\u200b4203\u200b5298\u200b5095';
    const mail = 'jo\u200bhn.doe@mail\u200cbox.org';
    const text = `x\ncard: ${card} / mail ${mail}\n`;
    const found = scan(text, only('pii-credit-card', 'pii-email'));
    expect(found.map((f) => [f.ruleId, f.secret, f.span.line, f.span.column, f.span.endColumn])).toEqual([
      ['pii-credit-card', '4764420352985095', 2, 7, 26],
      ['pii-email', 'john.doe@mailbox.org', 2, 34, 56],
    ]);
    expect(text.slice(found[0].span.start, found[0].span.end)).toBe(card);
    expect(text.slice(found[1].span.start, found[1].span.end)).toBe(mail);
  });

  it('reads no-break spaces and a full-width @ as their ASCII forms', () => {
    const text = 'é😀 Tel:\u00a0+49\u00a030\u00a0901820, mail: anna\uff20example.org';
    const found = scan(text, only('pii-phone', 'pii-email'));
    expect(found.map((f) => [f.ruleId, f.secret, f.span.column, f.span.endColumn])).toEqual([
      ['pii-phone', '+49 30 901820', 9, 22],
      ['pii-email', 'anna@example.org', 30, 46],
    ]);
    expect(found[0].extra?.e164).toBe('+4930901820');
  });

  it('finds an evasive value exactly once across chunk boundaries', () => {
    const card = '４７６４\u200b４２０３\u200b５２９８\u200b５０９５';
    const engine = createEngine(only('pii-credit-card'));
    for (let p = 0; p < 120; p += 7) {
      const text = `${'é'.repeat(p)} card ${card} ${'é'.repeat(150 - p)}`;
      const found = [...chunkText(text, { path: 'a' }, { chunkSize: 48, overlap: 40 })].flatMap((c) => engine.scanChunk(c));
      expect(found.map((f) => [f.span.start, f.span.end]), `at ${p}`).toEqual([[p + 6, p + 6 + card.length]]);
    }
  });

  it('applies only to PII rules: secret rules see the text as it is', () => {
    const rules = rulesFrom(TOK_RULE);
    // A zero-width space splits the token; secret rules do not normalise, so it is not found...
    expect(scan('tok_a1b2c3d4\u200be5f6a7b8', rules)).toEqual([]);
    expect(scan('tok_a1b2c3d4e5f6a7b8', rules)).toHaveLength(1);
    // ...and in a mixed rule set, each kind keeps its own behaviour, findings in position order.
    const mixed: RuleSet = { rules: [...rules.rules, ...only('pii-email').rules], allowlist: PII.allowlist };
    const text = 'a\u200bnn@example.org tok_a1b2c3d4e5f6a7b8';
    const found = scan(text, mixed);
    expect(found.map((f) => [f.ruleId, f.span.start])).toEqual([
      ['pii-email', 0],
      ['test-token', text.indexOf('tok_')],
    ]);
  });
});

describe('schema', () => {
  const rule = (extra: string) => `
[[rules]]
id = "r"
kind = "pii"
regex = '''(\\d+)'''
${extra}`;
  const err = (extra: string) => {
    try {
      parseConfig(rule(extra), 'x.toml');
    } catch (e) {
      return (e as Error & { context?: { field?: string } }).message + ' ' + JSON.stringify((e as { context?: unknown }).context ?? {});
    }
    return 'no error';
  };

  it('names the field of a bad context setting or validator option', () => {
    expect(err('requireContext = true')).toMatch(/requireContext/);
    expect(err('context = ["x"]')).toMatch(/context/);
    expect(err('contextWindow = 5000')).toMatch(/contextWindow/);
    expect(err('validate = "phone"\noptions.regions = ["ZZ"]')).toMatch(/options\.regions/);
    expect(err('validate = "ipv4"\noptions.privateRanges = ["10.0.0.0/40"]')).toMatch(/options\.privateRanges/);
    expect(err('validate = "card"\noptions.foo = 1')).toMatch(/options\.foo/);
    expect(err('context = ["phone"]\nrequireContext = true\ncontextWindow = 20')).toBe('no error');
  });
});

describe('secrets and personal data in one engine', () => {
  const rules: RuleSet = {
    rules: [...rulesFrom(TOK_RULE).rules, ...only('pii-email', 'pii-email-obfuscated', 'pii-credit-card').rules],
    allowlist: PII.allowlist,
  };
  const chunk = (text: string) => ({ text, origin: { path: 'a.txt' }, offset: 0, line: 1, column: 1 });
  const brief2 = (f: Finding) => [f.ruleId, f.secret, f.span.column, f.span.endColumn];

  it('make one keyword pass per chunk for both, unless normalising changes the text', () => {
    const engine = createEngine(rules);
    const spy = vi.spyOn(Prefilter.prototype, 'scan');
    const text = 'tok_fake0000fake0001 anna [at] example [dot] org, card 4764 4203 5298 5095';
    const found = engine.scanChunk(chunk(text));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(found.map(brief2)).toEqual([
      ['test-token', 'tok_fake0000fake0001', 1, 21],
      ['pii-email-obfuscated', 'anna [at] example [dot] org', 22, 49],
      ['pii-credit-card', '4764 4203 5298 5095', 56, 75],
    ]);
    spy.mockClear();
    // Full-width digits: the PII rules read the normalised text, which gets a pass of its own.
    const evasive = text.replace('4764', '４７６４');
    const again = engine.scanChunk(chunk(evasive));
    expect(spy).toHaveBeenCalledTimes(2);
    expect(again.map(brief2)).toEqual(found.map(brief2));
    spy.mockRestore();
  });
});
