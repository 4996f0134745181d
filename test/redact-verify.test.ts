import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPacks } from '../src/config/rules.js';
import { parseConfig } from '../src/engine/schema.js';
import type { Finding, RuleSet } from '../src/engine/types.js';
import { parseRedactConfig } from '../src/redact/config.js';
import { redactDocument } from '../src/redact/document.js';
import { HANDLERS } from '../src/redact/formats/index.js';
import { DocSession, Redactor, type RedactorOptions } from '../src/redact/session.js';
import { VERIFY_MARGIN, verifyByWindows } from '../src/redact/verify.js';
import { REPO } from './helpers/cli.js';
import { prng } from './helpers/prng.js';

const CONFIG = path.join(REPO, 'fixtures/redact/spillguard.toml');
const cfgText = fs.readFileSync(CONFIG, 'utf8');
const parsed = parseConfig(cfgText, 'spillguard.toml');
const TEST_RULES: RuleSet = { rules: parsed.rules, allowlist: parsed.allowlist };
const KEY = Buffer.from('spillguard-test-key-0001');

/** A rule set of the test rules plus extra TOML rules. */
const withRules = (toml: string): RuleSet => {
  const extra = parseConfig(`[extend]\nuseDefault = false\n${toml}`, 'extra.toml').rules;
  return { rules: [...TEST_RULES.rules, ...extra], allowlist: TEST_RULES.allowlist };
};

/** Redacts `text` as `format` and returns what verification needs: the session, the output, and both ways to verify. */
function verify(text: string, format: string, opts: Partial<RedactorOptions> = {}) {
  const redactor = new Redactor({ rules: TEST_RULES, config: parseRedactConfig(cfgText, 'x'), ...opts });
  const doc = new DocSession(redactor, `doc.${format}`);
  const output = HANDLERS[format].process(text, doc, {}).output as string;
  return { output, doc, windows: verifyByWindows(redactor, doc, text, output), full: redactor.leftovers(output, `doc.${format}`) };
}

const brief = (fs: Finding[] | undefined) => fs?.map((f) => ({ rule: f.ruleId, start: f.span.start, end: f.span.end, line: f.span.line, column: f.span.column }));
const filler = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `line ${from + i} of plain words, nothing to find here at all`).join('\n');

describe('verification re-scans only around replacements (verify.ts)', () => {
  it('a secret the redaction cannot reach (a JSON key) far from any replacement is still found, from the input scan', () => {
    const text = `{\n  "tok_fake0000fake0002": "value",\n${Array.from({ length: 40 }, (_, i) => `  "k${i}": "plain words number ${i}",`).join('\n')}\n  "note": "ann@example.com"\n}\n`;
    const v = verify(text, 'json');
    expect(v.output).toContain('"note": "[EMAIL]"');
    // The key is 40 lines (well over VERIFY_MARGIN characters) before the one replacement: not re-scanned, carried over.
    expect(text.indexOf('ann@') - text.indexOf('tok_')).toBeGreaterThan(4 * VERIFY_MARGIN);
    expect(brief(v.windows)).toEqual([{ rule: 'test-token', start: 5, end: 25, line: 2, column: 4 }]);
    expect(brief(v.windows)).toEqual(brief(v.full));
  });

  it('a finding a replacement creates is found in the window around it', () => {
    // The hash operator writes 64 hex digits, which this rule takes for a key: a leftover made by the redaction.
    const rules = withRules(`[[rules]]\nid = "hex-key"\ndescription = "64 hex"\nseverity = "high"\nregex = '''\\b([0-9a-f]{64})\\b'''\n`);
    const text = `${filler(30)}\nmail ann@example.com today\n${filler(30, 30)}\n`;
    const v = verify(text, 'txt', { rules, operators: { pii: 'hash' }, key: KEY });
    expect(v.output).toMatch(/mail \[EMAIL:[0-9a-f]{64}\] today/);
    const at = v.output.indexOf('[EMAIL:') + 7;
    expect(brief(v.windows)).toEqual([{ rule: 'hex-key', start: at, end: at + 64, line: 31, column: 13 }]);
    expect(brief(v.windows)).toEqual(brief(v.full));
  });

  it('a clean output gives no leftovers without scanning most of it', () => {
    const text = `${filler(50)}\nkey tok_fake0000fake0001 here\n${filler(50, 50)}\n`;
    const v = verify(text, 'txt');
    expect(v.windows).toEqual([]);
    expect(v.full).toEqual([]);
    expect(v.doc.edits).toEqual([text.indexOf('tok_'), text.indexOf('tok_') + 20, '[TEST_TOKEN]'.length]);
  });

  it('edits of every structured format rebuild the output exactly (else the whole output is scanned)', () => {
    // Padded with plain records: on a short document the windows would cover most of it, and the
    // whole output is then scanned at once instead.
    const pad = (f: (i: number) => string) => Array.from({ length: 60 }, (_, i) => f(i)).join('');
    const cases: [string, string][] = [
      ['jsonl', `${pad((i) => `{"id":${i},"text":"plain words"}\n`)}{"id":1,"text":"tok_fake0000fake0001"}\n\n{"id":2,"text":"fine"}\r\n{"id":3,"text":"mail \\"ann@example.com\\""}\n${pad((i) => `{"id":${i},"text":"more plain words"}\n`)}`],
      ['csv', `id,name,comment\n${pad((i) => `${i},x,plain words\n`)}1,row1,"tok_fake0000fake0001"\n2,row2,"say ""ann@example.com"""\n3,row3,fine\n${pad((i) => `${i},y,more words\n`)}`],
      ['html', `${pad(() => '<p>plain words</p>\n')}<p title="ann@example.com">x &amp; tok_fake0000fake0001</p><!-- bob@example.com -->\n${pad(() => '<p>more</p>\n')}`],
      ['md', `# t\n\n${pad(() => 'plain words\n')}\n\`\`\`sh\nexport T=tok_fake0000fake0001\n\`\`\`\n${pad(() => 'more words\n')}`],
    ];
    for (const [format, text] of cases) {
      const v = verify(text, format);
      expect(v.output, format).not.toContain('tok_fake');
      expect(v.output, format).not.toContain('ann@');
      expect(v.doc.edits.length, format).toBeGreaterThan(0);
      expect(v.windows, format).toEqual([]);
      expect(v.full, format).toEqual([]);
    }
  });

  it('drop-record deletions are edits too', () => {
    const text = '{"id":1,"text":"tok_fake0000fake0001"}\n{"id":2,"text":"fine"}\n{"id":3,"text":"ann@example.com"}\n';
    const v = verify(text, 'jsonl', { operators: { secret: 'drop-record', pii: 'drop-record' } });
    expect(v.output).toBe('{"id":2,"text":"fine"}\n{"id":3,"text":"[EMAIL]"}\n');
    // Record 1 (39 characters with its line break) left out; record 3's value literal "ann@example.com" → "[EMAIL]".
    expect(v.doc.edits).toEqual([0, 39, 0, 77, 94, 9]);
    expect(v.full).toEqual([]);
  });

  it('a match running to the edge of its window is not trusted: the whole output is scanned', () => {
    // A rule that only the output matches (a tag, then a long run of letters), with a run longer than
    // the window around the replacement: the window would show it cut short.
    const rules = withRules(`[[rules]]\nid = "after-tag"\ndescription = "after a tag"\nseverity = "low"\nregex = '''\\[TEST_TOKEN\\] ([a-z]{300,})'''\n`);
    const text = `${filler(400)}\ntok_fake0000fake0001 ${'x'.repeat(12000)}\n${filler(400, 400)}\n`;
    const v = verify(text, 'txt', { rules });
    expect(v.doc.edits.length).toBe(3);
    expect(v.windows).toBeUndefined();
    const at = v.output.indexOf('x'.repeat(100));
    expect(brief(v.full)).toEqual([{ rule: 'after-tag', start: at, end: at + 12000, line: 401, column: 14 }]);
  });

  it('a document whose output still holds a secret is withheld, with what was found where', async () => {
    const redactor = new Redactor({ rules: TEST_RULES, config: parseRedactConfig(cfgText, 'x') });
    const text = `{"tok_fake0000fake0002": 1,\n${Array.from({ length: 30 }, (_, i) => ` "k${i}": "words ${i}",`).join('\n')}\n "mail": "ann@example.com"}\n`;
    const r = await redactDocument(redactor, Buffer.from(text), 'keys.json', 'json');
    expect(r.output).toBeUndefined();
    expect(r.entry).toMatchObject({
      status: 'leftover',
      reason: 'verification found 1 finding(s) left in the output; not written',
      leftovers: [{ rule: 'test-token', kind: 'secret', line: 1, column: 3, fingerprint: expect.stringMatching(/^[0-9a-f]+$/) }],
    });
    expect(JSON.stringify(r.entry)).not.toContain('tok_fake0000fake0002');
  });
});

describe('Redactor.findInWindows: several windows in one scan', () => {
  it('maps each finding back to its window, and refuses a match running from one window into the next', () => {
    const rules = withRules(`[[rules]]\nid = "run"\ndescription = "run of a"\nseverity = "low"\nregex = '''\\b(a{30,})\\b'''\n`);
    const redactor = new Redactor({ rules, config: parseRedactConfig(cfgText, 'x') });
    const text = `one tok_fake0000fake0001\ntwo\nthree tok_fake0000fake0002 x\n${'a'.repeat(20)}\nmid\n${'a'.repeat(20)}\n`;
    const w1: [number, number] = [0, 25];
    const w2: [number, number] = [29, 59];
    expect(brief(redactor.findInWindows(text, 'x.txt', 'redact', [w1, w2]))).toEqual([
      { rule: 'test-token', start: 4, end: 24, line: 1, column: 5 },
      // Offsets are the text's; lines and columns are those of the scan (the caller locates what it keeps).
      { rule: 'test-token', start: 35, end: 55, line: 2, column: 7 },
    ]);
    // Put end to end, two runs of 20 would read as one of 40: that is not in the text.
    const a1 = text.indexOf('a'.repeat(20));
    const a2 = text.lastIndexOf('\n', text.length - 2) + 1;
    expect(redactor.findInWindows(text, 'x.txt', 'redact', [[a1, a1 + 20], [a2, a2 + 20]])).toBeUndefined();
  });

  it('a first line read as column headers comes before the windows, as it does before them in the text', () => {
    // Found only with the context word "code" around it: in a table, that is its column's header.
    const rules = withRules(
      `[[rules]]\nid = "code"\nkind = "pii"\ndescription = "code"\nseverity = "low"\nregex = '''\\b([A-Z]{2}\\d{6})\\b'''\ncontext = ["code"]\nrequireContext = true\n`,
    );
    const redactor = new Redactor({ rules, config: parseRedactConfig(cfgText, 'x') });
    const text = `id,code,note\n${Array.from({ length: 20 }, (_, i) => `${i},XY${String(100000 + i)},plain`).join('\n')}\n`;
    const row = text.indexOf('\n5,') + 1;
    const win: [number, number] = [row, text.indexOf('\n', row) + 1];
    const head = text.indexOf('\n') + 1;
    expect(brief(redactor.findInWindows(text, 'x.csv', 'redact', [win], head))).toEqual([{ rule: 'code', start: row + 2, end: row + 10, line: 2, column: 3 }]);
    // Without the header line before it, the window alone has no context word: nothing found.
    expect(redactor.findInWindows(text, 'x.csv', 'redact', [win])).toEqual([]);
    expect(brief(redactor.leftovers(text, 'x.csv')).filter((f) => f.start === row + 2)).toEqual([{ rule: 'code', start: row + 2, end: row + 10, line: 7, column: 3 }]);
  });
});

describe('windowed verification finds what a scan of the whole output finds (built-in packs)', () => {
  const packs = ['secrets', 'pii'].map((d) => loadPacks(path.join(REPO, 'rules', d), true));
  const rules: RuleSet = { rules: packs.flatMap((p) => p.rules), allowlist: packs[0].allowlist };
  const carriers = rules.rules.flatMap((r) => r.examples.match).filter((e) => e.length < 300 && !/[\r\n]/.test(e));
  const rand = prng(7);
  const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const words = 'the report customer name account team meeting email phone password token key update of and to in'.split(' ');
  const lines = (n: number) =>
    Array.from({ length: n }, () => Array.from({ length: 6 + Math.floor(rand() * 10) }, () => (rand() < 0.01 ? pick(carriers) : pick(words))).join(' '));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const docs: [string, string][] = [];
  for (let i = 0; i < 30; i++) {
    const ls = lines(60 + Math.floor(rand() * 120));
    docs.push(['txt', ls.join('\n') + '\n']);
    docs.push(['md', `# Page ${i}\n\n${ls.slice(0, 3).join('\n')}\n\n\`\`\`\n${ls.slice(3, 5).join('\n')}\n\`\`\`\n${ls.slice(5).join('\n\n')}\n`]);
    docs.push(['json', JSON.stringify({ id: i, items: ls.map((text, k) => ({ k, text })) }, null, 2) + '\n']);
    docs.push(['jsonl', ls.map((text, k) => JSON.stringify({ id: k, text })).join('\n') + '\n']);
    docs.push(['csv', 'id,name,comment\n' + ls.map((l, k) => `${k},${pick(['Ann Lee', 'row', 'Bob Stone'])},"${l.replace(/"/g, '""')}"`).join('\n') + '\n']);
    docs.push(['html', `<html><body>\n${ls.map((l) => `<p title="t">${esc(l)}</p>`).join('\n')}\n</body></html>\n`]);
  }

  for (const [label, opts] of [
    ['default operators', {}],
    // Hashes put 64 hex digits in the output, which some rules take for keys: leftovers to find.
    ['hash operators', { operators: { secret: 'hash', pii: 'hash' } }],
  ] as const) {
    it(`${label}: same leftovers, lines and columns, document by document`, () => {
      const redactor = new Redactor({ rules, key: KEY, ...opts });
      let windowed = 0;
      let withLeftovers = 0;
      for (const [format, text] of docs) {
        const doc = new DocSession(redactor, `d.${format}`);
        const output = HANDLERS[format].process(text, doc, {}).output as string;
        const full = redactor.leftovers(output, `d.${format}`);
        const win = verifyByWindows(redactor, doc, text, output);
        if (!win) continue;
        windowed++;
        if (full.length) withLeftovers++;
        expect(brief(win), `${format}:\n${text}`).toEqual(brief(full));
      }
      expect(windowed).toBeGreaterThan(docs.length / 2);
      if (label === 'hash operators') expect(withLeftovers).toBeGreaterThan(windowed / 4);
    });
  }
});
