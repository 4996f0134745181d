import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, REPO } from './helpers/cli.js';

const CONFIG = path.join(REPO, 'fixtures/redact/spillguard.toml');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sg-redact-enc-'));
const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * `scan` reads through base64, hex, percent-encoding, JS escapes and HTML entities; redact read none
 * of them in text, Markdown, JSON values or CSV cells, so `tok&#95;…` or a base64 `.env` went out as
 * it came, with exit 0, although a scan of the output found it.
 */
describe('redact reads encoded values as scan does', () => {
  it('text and Markdown: entities, base64, percent-encoding and JS escapes are replaced at the escapes spelling the value', () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'a.txt'),
      `mail ann&#64;example.com, then a key tok&#95;fake0000fake0001 here\nenv: ${b64('TOKEN=tok_fake0000fake0002\n')}\nhttps://x.test/cb?t=tok%5Ffake0000fake0003&u=1\n`,
    );
    fs.writeFileSync(path.join(dir, 'b.md'), '# Notes\n\n`tok\\u005ffake0000fake0004` and tok_fake0000fake0004 again\n');
    const r = cli(['redact', 'a.txt', 'b.md', '--out', 'o', '--manifest', 'm.jsonl', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    // One escape run reaches from the address to the key: each is replaced, the prose between them kept.
    expect(fs.readFileSync(path.join(dir, 'o/a.txt'), 'utf8')).toBe('mail [EMAIL], then a key [TEST_TOKEN] here\nenv: [TEST_TOKEN]\nhttps://x.test/cb?t=[TEST_TOKEN]&u=1\n');
    expect(fs.readFileSync(path.join(dir, 'o/b.md'), 'utf8')).toBe('# Notes\n\n`[TEST_TOKEN]` and [TEST_TOKEN] again\n');
    const m = fs.readFileSync(path.join(dir, 'm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    type Rec = { rule: string; start: number; end: number; outStart: number; outEnd: number; line: number; column: number };
    const recs = (e: { redactions: Rec[] }) => e.redactions.map((x) => [x.rule, x.start, x.end, x.outStart, x.outEnd, x.line, x.column]);
    expect(recs(m[0])).toEqual([
      ['test-email', 5, 24, 5, 12, 1, 6],
      ['test-token', 37, 61, 25, 37, 1, 38],
      ['test-token', 72, 108, 48, 60, 2, 6],
      ['test-token', 129, 151, 81, 93, 3, 21],
    ]);
    expect(recs(m[1])).toEqual([
      ['test-token', 10, 35, 10, 22, 3, 2],
      ['test-token', 41, 61, 28, 40, 3, 33],
    ]);
  });

  it('Markdown backslash escapes (turndown, markdownify: jane\\_doe@…, tok\\_…) are read as rendered; other escapes and code stay as they are', () => {
    const dir = tmp();
    const md = '| who | mail |\n|---|---|\n| Jane | jane\\_doe@example.org |\n\nkey tok\\_fake0000fake0001, path C:\\\\Users and \\*stars\\*\n\n```\nx = "tok_fake0000fake0002"\n```\n';
    fs.writeFileSync(path.join(dir, 'a.md'), md);
    const r = cli(['redact', 'a.md', '--out', 'o', '--manifest', 'm.jsonl', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(dir, 'o/a.md'), 'utf8')).toBe(
      '| who | mail |\n|---|---|\n| Jane | [EMAIL] |\n\nkey [TEST_TOKEN], path C:\\\\Users and \\*stars\\*\n\n```\nx = "[TEST_TOKEN]"\n```\n',
    );
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'm.jsonl'), 'utf8'));
    expect(m.redactions.map((x: { rule: string; start: number; end: number; outStart: number; line: number; column: number }) => [x.rule, x.start, x.end, x.outStart, x.line, x.column])).toEqual([
      ['test-email', 34, 55, 34, 3, 10],
      ['test-token', 63, 84, 49, 5, 5],
      ['test-token', 125, 145, 102, 8, 6],
    ]);
    // Standard input reads Markdown the same way.
    const s = cli(['redact', '--stdin', '--format', 'md', '--config', CONFIG], { input: 'mail jane\\_doe@example.org\n' });
    expect([s.code, s.stdout]).toEqual([0, 'mail [EMAIL]\n']);
  });

  it('JSONL on standard input, HTML comments, scripts and styles, and CSV cells: an entity-spelt value is replaced, other bytes pass through', () => {
    const jsonl = cli(['redact', '--stdin', '--config', CONFIG], { input: '{"id":7,"t":"key tok&#95;fake0000fake0005 ok"}\n' });
    expect([jsonl.code, jsonl.stdout]).toEqual([0, '{"id":7,"t":"key [TEST_TOKEN] ok"}\n']);
    // HTML comments, scripts and styles are not decoded for the page, but a scan reads references there too.
    const html = cli(['redact', '--stdin', '--format', 'html', '--config', CONFIG], {
      input: '<!-- ann&#64;example.com --><script>if (a && b) x = "tok&#95;fake0000fake0006";</script><style>/* bob&#x40;example.com */</style>\n',
    });
    expect([html.code, html.stdout]).toEqual([0, '<!-- [EMAIL] --><script>if (a && b) x = "[TEST_TOKEN]";</script><style>/* [EMAIL] */</style>\n']);
    const csv = cli(['redact', '--stdin', '--format', 'csv', '--config', CONFIG], { input: 'name,note\nAnn,"ann&#64;example.com, 2 days"\n' });
    expect([csv.code, csv.stdout]).toEqual([0, 'name,note\nAnn,"[EMAIL], 2 days"\n']);
  });

  it('mask keeps the input\'s offsets over escapes: as long as their raw spelling, not the decoded value', () => {
    const dir = tmp();
    const md = 'contact: jane\\_doe@example.com today\nkey tok\\_fake0000fake0005 end\n';
    const html = '<p>mail ann&#64;example.com</p><a title="tok&#95;fake0000fake0006">x</a>\n';
    fs.writeFileSync(path.join(dir, 'a.md'), md);
    fs.writeFileSync(path.join(dir, 'b.html'), html);
    const r = cli(['redact', 'a.md', 'b.html', '--out', 'o', '--operator', 'pii=mask', '--operator', 'secret=mask', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(dir, 'o/a.md'), 'utf8')).toBe(`contact: ${'*'.repeat(21)} today\nkey ${'*'.repeat(21)} end\n`);
    expect(fs.readFileSync(path.join(dir, 'o/b.html'), 'utf8')).toBe(`<p>mail ${'*'.repeat(19)}</p><a title="${'*'.repeat(24)}">x</a>\n`);
  });
});
