import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, REPO } from './helpers/cli.js';
import { minimalDocx, minimalPdf } from './helpers/docs.js';

const CASE = path.join(REPO, 'fixtures/redact/formats');
const KEY = { SPILLGUARD_KEY: 'spillguard-test-key-0001' };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sg-redact-'));
const RAW = ['tok_fake0000fake000', 'ops@example.com', 'ann@example.com', 'bob@example', 'jane.doe@example.org', '4000 1234', '4000-1234'];

/** Manifest lines with the run's temporary folder and settings hash taken out. */
const normManifest = (text: string, out: string) =>
  text.replaceAll(out, 'OUT').replace(/"settings":"[0-9a-f]+"/g, '"settings":"X"');

describe('spillguard redact: every format, exact outputs (fixtures/redact/formats)', () => {
  const out = tmp();
  const manifest = path.join(out, '..', `${path.basename(out)}.manifest.jsonl`);
  const r = cli(['redact', 'input', '--out', out, '--manifest', manifest, '--quiet'], { cwd: CASE, env: KEY });

  it('exits 0 and writes one output per input, mirrored', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(fs.readdirSync(path.join(CASE, 'input')).sort());
  });

  for (const name of fs.readdirSync(path.join(CASE, 'input')).sort()) {
    it(`${name}: structure kept, values redacted`, async () => {
      const got = fs.readFileSync(path.join(out, name), name.endsWith('.eml') ? 'latin1' : 'utf8');
      await expect(got).toMatchFileSnapshot(path.join(CASE, 'expected', name));
      for (const raw of RAW) expect(got).not.toContain(raw);
    });
  }

  it('the manifest: hashes, counts per entity, each redaction with rule, kind, offsets, fingerprint — no raw value', async () => {
    const text = fs.readFileSync(manifest, 'utf8');
    for (const raw of RAW) expect(text).not.toContain(raw);
    await expect(normManifest(text, out)).toMatchFileSnapshot(path.join(CASE, 'expected/manifest.jsonl'));
    const e = text.trim().split('\n').map((l) => JSON.parse(l));
    const notes = e.find((x) => x.input === 'input/notes.txt');
    expect(notes.counts).toEqual({ TEST_TOKEN: 1, EMAIL: 2, CARD: 1 });
    expect(notes.redactions[0]).toEqual({
      rule: 'test-token', kind: 'secret', entity: 'TEST_TOKEN', operator: 'tag', severity: 'high',
      start: 24, end: 44, outStart: 24, outEnd: 36, fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/), line: 2, column: 11,
    });
    expect(e.find((x) => x.input === 'input/mail.eml').notes).toEqual(['3: removed application/octet-stream part "blob.bin" (not text, cannot be checked)']);
  });
});

describe('structured formats: field and column selection, records', () => {
  it('jsonl --field: only those fields change; ids, tenants and ACLs pass through byte for byte, in order', () => {
    const out = tmp();
    const r = cli(['redact', 'input/records.jsonl', '--out', out, '--field', 'text', '--quiet'], { cwd: CASE });
    expect(r.code).toBe(0);
    const lines = fs.readFileSync(path.join(out, 'records.jsonl'), 'utf8').split('\n');
    const input = fs.readFileSync(path.join(CASE, 'input/records.jsonl'), 'utf8').split('\n');
    expect(lines.length).toBe(input.length);
    expect(lines[0]).toBe('{"id":"doc-1","tenant":"acme","acl":["group:eng"],"text":"Contact [EMAIL] for access.","meta":{"author":"ann@example.com"}}');
    expect(lines[1]).toBe(input[1]);
    expect(lines[2]).toBe('');
  });

  it('JSON pointers select nested fields', () => {
    const out = tmp();
    cli(['redact', 'input/records.jsonl', '--out', out, '--field', '/meta/author', '--quiet'], { cwd: CASE });
    const first = fs.readFileSync(path.join(out, 'records.jsonl'), 'utf8').split('\n')[0];
    expect(first).toBe('{"id":"doc-1","tenant":"acme","acl":["group:eng"],"text":"Contact ops@example.com for access.","meta":{"author":"[EMAIL]"}}');
  });

  it('csv --columns by name or number; other cells untouched', () => {
    const out = tmp();
    cli(['redact', 'input/people.csv', '--out', out, '--columns', 'email', '--quiet'], { cwd: CASE });
    expect(fs.readFileSync(path.join(out, 'people.csv'), 'utf8')).toBe(
      'name,email,note\nAnn,[EMAIL],"likes ""quotes"", commas"\nBob,[EMAIL],"token tok_fake0000fake0006\nsecond line"\nCid,,plain\n',
    );
  });

  it('drop-record leaves out JSONL records and CSV rows holding a high-severity secret, and counts them', () => {
    const out = tmp();
    const manifest = path.join(out, 'm.jsonl');
    const dir = path.join(out, 'in');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(CASE, 'input/records.jsonl'), path.join(dir, 'records.jsonl'));
    fs.copyFileSync(path.join(CASE, 'input/people.csv'), path.join(dir, 'people.csv'));
    const r = cli(['redact', dir, '--out', path.join(out, 'o'), '--manifest', manifest, '--operator', 'secret=drop-record', '--quiet'], { cwd: CASE });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'o/records.jsonl'), 'utf8').split('\n').map((l) => (l ? JSON.parse(l).id : ''))).toEqual(['doc-1', 'doc-2', '', 'doc-4', '']);
    expect(fs.readFileSync(path.join(out, 'o/people.csv'), 'utf8')).toBe('name,email,note\nAnn,[EMAIL],"likes ""quotes"", commas"\nCid,,plain\n');
    const m = fs.readFileSync(manifest, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(m.map((e) => [e.input.split('/').pop(), e.records, e.droppedRecords])).toEqual([
      ['people.csv', 2, 1],
      ['records.jsonl', 3, 1],
    ]);
  });
});

describe('pdf and docx: text extracted, redacted, written as .txt', () => {
  it('built at test time, no binaries committed', () => {
    const dir = tmp();
    const input = path.join(dir, 'in');
    fs.mkdirSync(input);
    fs.writeFileSync(path.join(input, 'report.pdf'), minimalPdf(['Quarterly report', 'Token tok_fake0000fake0010 leaked', 'Contact ann@example.com']));
    fs.writeFileSync(path.join(input, 'memo.docx'), minimalDocx(['Memo', 'Use tok_fake0000fake0011 & mail ops@example.com']));
    fs.writeFileSync(path.join(input, 'broken.pdf'), 'not a pdf at all');
    const r = cli(['redact', input, '--out', path.join(dir, 'out'), '--manifest', path.join(dir, 'm.jsonl'), '--quiet'], { cwd: CASE });
    expect(fs.readFileSync(path.join(dir, 'out/report.pdf.txt'), 'utf8')).toBe('Quarterly report\nToken [TEST_TOKEN] leaked\nContact [EMAIL]\n');
    expect(fs.readFileSync(path.join(dir, 'out/memo.docx.txt'), 'utf8')).toBe('Memo\n\nUse [TEST_TOKEN] & mail [EMAIL]\n');
    // A document that cannot be parsed is reported with its path and reason; the rest go on; exit 2.
    expect(r.code).toBe(2);
    const m = fs.readFileSync(path.join(dir, 'm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(m.map((e) => [path.basename(e.input), e.status])).toEqual([
      ['broken.pdf', 'failed'],
      ['memo.docx', 'ok'],
      ['report.pdf', 'ok'],
    ]);
    expect(m[0].reason).toMatch(/^cannot extract text from PDF: /);
  });
});

describe('structured formats: what users bring', () => {
  const CONFIG = path.join(REPO, 'fixtures/redact/spillguard.toml');
  const BOM = '\ufeff';
  const run = (args: string[], input?: string) => cli(['redact', ...args, '--config', CONFIG, '-q'], { cwd: tmp(), input });

  it('a UTF-8 byte-order mark before JSON, JSONL and CSV is accepted, and kept in the output (files and --stdin)', () => {
    const dir = tmp();
    const files = {
      'a.json': `${BOM}{"t":"ann@example.com"}\n`,
      'b.jsonl': `${BOM}{"t":"ann@example.com"}\n{"t":"bob@example.com"}\n`,
      'c.csv': `${BOM}name,email\nAnn,ann@example.com\n`,
      'd.tsv': `${BOM}"name"\temail\nAnn\tann@example.com\n`,
    };
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const r = cli(['redact', 'a.json', 'b.jsonl', 'c.csv', 'd.tsv', '--out', 'o', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const out = (f: string) => fs.readFileSync(path.join(dir, 'o', f)).toString('latin1');
    // The mark is the three bytes EF BB BF, written back as they were read.
    const bomBytes = '\xef\xbb\xbf';
    expect(out('a.json')).toBe(`${bomBytes}{"t":"[EMAIL]"}\n`);
    expect(out('b.jsonl')).toBe(`${bomBytes}{"t":"[EMAIL]"}\n{"t":"[EMAIL]"}\n`);
    expect(out('c.csv')).toBe(`${bomBytes}name,email\nAnn,[EMAIL]\n`);
    expect(out('d.tsv')).toBe(`${bomBytes}"name"\temail\nAnn\t[EMAIL]\n`);
    // --columns finds the first header cell by its name, not by "\ufeffname".
    const cols = cli(['redact', 'c.csv', '--out', 'o2', '--columns', 'name,email', '--config', CONFIG, '-q'], { cwd: dir });
    expect([cols.code, cols.stderr, fs.readFileSync(path.join(dir, 'o2/c.csv'), 'utf8')]).toEqual([0, '', `${BOM}name,email\nAnn,[EMAIL]\n`]);

    const stdin = (format: string, input: string, extra: string[] = []) => {
      const s = run(['--stdin', '--format', format, ...extra], input);
      return [s.code, s.stderr, s.stdout];
    };
    expect(stdin('json', files['a.json'])).toEqual([0, '', `${BOM}{"t":"[EMAIL]"}\n`]);
    expect(stdin('jsonl', files['b.jsonl'])).toEqual([0, '', `${BOM}{"t":"[EMAIL]"}\n{"t":"[EMAIL]"}\n`]);
    expect(stdin('jsonl', files['b.jsonl'], ['--field', 't'])).toEqual([0, '', `${BOM}{"t":"[EMAIL]"}\n{"t":"[EMAIL]"}\n`]);
    expect(stdin('csv', files['c.csv'], ['--columns', 'email'])).toEqual([0, '', `${BOM}name,email\nAnn,[EMAIL]\n`]);
    expect(stdin('text', `${BOM}mail ann@example.com\n`)).toEqual([0, '', `${BOM}mail [EMAIL]\n`]);
    // Dropped, the first record leaves the mark behind it, as the .jsonl handler does.
    expect(stdin('jsonl', `${BOM}{"t":"tok_fake0000fake0001"}\n{"t":"x"}\n`, ['--operator', 'secret=drop-record'])).toEqual([0, '', `${BOM}{"t":"x"}\n`]);
  });

  it('an e-mail text/html part is redacted as HTML: character references decoded, replacements escaped', () => {
    const dir = tmp();
    const eml = (cte: string, body: string) => `From: x@example.net\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: ${cte}\n\n${body}`;
    fs.writeFileSync(path.join(dir, 'a.eml'), eml('7bit', '<p>mail ann&#64;example.com, tok_fake0000fake&#48;012</p>\n<a href="mailto:bob@example.com">x</a>\n'));
    fs.writeFileSync(path.join(dir, 'b.eml'), eml('base64', `${Buffer.from('<p>ann&#x40;example.com</p>\n').toString('base64')}\n`));
    const r = cli(['redact', 'a.eml', 'b.eml', '--out', 'o', '--manifest', 'm.jsonl', '--config', CONFIG, '-q'], { cwd: dir, env: KEY });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(dir, 'o/a.eml'), 'latin1')).toBe(
      eml('7bit', '<p>mail &lt;EMAIL_d40ad8&gt;, [TEST_TOKEN]</p>\n<a href="mailto:&lt;EMAIL_9b8bf9&gt;">x</a>\n').replace('x@example.net', '<EMAIL_61a724>'),
    );
    expect(Buffer.from(fs.readFileSync(path.join(dir, 'o/b.eml'), 'latin1').split('\n\n')[1], 'base64').toString('utf8')).toBe('<p>&lt;EMAIL_d40ad8&gt;</p>\n');
    const m = fs.readFileSync(path.join(dir, 'm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(m[0].redactions.map((x: { rule: string; field: string; start: number; end: number }) => [x.rule, x.field, x.start, x.end])).toEqual([
      ['test-email', 'from', 1, 14],
      ['test-email', 'body', 8, 27],
      ['test-token', 'body', 29, 53],
      ['test-email', 'body', 74, 89],
    ]);
  });

  it('e-mail headers: encoded words in any readable charset are decoded and redacted; an unknown charset fails the document', () => {
    const dir = tmp();
    const b64 = (s: string, cs: BufferEncoding) => Buffer.from(s, cs).toString('base64');
    // windows-1252 and ISO-8859-15 words went out as they came, their addresses unread.
    const head = (subject: string) =>
      `From: ann@example.org\r\nSubject: ${subject}\r\nCc: =?iso-8859-15?Q?Bob_bob=40example=2Eorg?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi\r\n`;
    fs.writeFileSync(path.join(dir, 'a.eml'), head(`=?windows-1252?B?${b64('R\u00fcckruf: jose@example.org', 'latin1')}?=`), 'latin1');
    fs.writeFileSync(path.join(dir, 'b.eml'), head('=?x-unknown?Q?jose=40example.org?='), 'latin1');
    const r = cli(['redact', 'a.eml', 'b.eml', '--out', 'o', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([2, 'spillguard: failed: b.eml: subject: unsupported charset "x-unknown" in an encoded word\n']);
    expect(fs.readdirSync(path.join(dir, 'o'))).toEqual(['a.eml']);
    // A charset field that could hold a value is described, not quoted: errors reach stderr and the manifest.
    const token = 'sk_live_' + 'FAKE0000'.repeat(3);
    fs.writeFileSync(path.join(dir, 'c.eml'), `Subject: =?${token}?Q?hi?=\r\n\r\nHi\r\n`);
    fs.writeFileSync(path.join(dir, 'd.eml'), 'Subject: hi\r\nContent-Type: text/plain; charset="bob@example.org"\r\n\r\nHi\r\n');
    const hidden = cli(['redact', 'c.eml', 'd.eml', '--out', 'o2', '--config', CONFIG, '-q'], { cwd: dir });
    expect([hidden.code, hidden.stderr]).toEqual([
      2,
      `spillguard: failed: c.eml: subject: unsupported charset of ${token.length} characters (not shown: it could hold personal data) in an encoded word\n` +
        'spillguard: failed: d.eml: body: unsupported charset of 15 characters (not shown: it could hold personal data)\n',
    ]);
    expect(fs.readFileSync(path.join(dir, 'o/a.eml'), 'latin1')).toBe(
      `From: [EMAIL]\r\nSubject: =?UTF-8?B?${b64('R\u00fcckruf: [EMAIL]', 'utf8')}?=\r\nCc: Bob [EMAIL]\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi\r\n`,
    );
  });

  it('an e-mail text part in a transfer encoding other than 7bit, 8bit, binary, base64 or quoted-printable fails the document (x-uuencode hid an address)', () => {
    // "mail ann@example.com" uuencoded: it went out as it came, exit 0, unread.
    const uu = 'begin 644 note.txt\n4;6%I;"!A;FY 97AA;7!L92YC;VT \n`\nend\n';
    const r = run(['--stdin', '--format', 'eml'], `From: x@example.net\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\n${uu}`);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'spillguard: <stdin>: failed: body: unsupported Content-Transfer-Encoding "x-uuencode"\n']);
  });

  it('an e-mail attachment named after a person: the manifest note and the part left in its place name it redacted', () => {
    const dir = tmp();
    const file = 'scan for ann@example.com (passport).pdf';
    fs.writeFileSync(
      path.join(dir, 'a.eml'),
      `From: x@example.net\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/pdf; name="${file}"\nContent-Disposition: attachment; filename="${file}"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n`,
    );
    const r = cli(['redact', 'a.eml', '--out', 'o', '--manifest', 'm.jsonl', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(dir, 'o/a.eml'), 'utf8')).toBe(
      'From: [EMAIL]\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\n' +
        'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n[attachment removed by spillguard: application/pdf "scan for [EMAIL] (passport).pdf"]\n--b--\n',
    );
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'm.jsonl'), 'utf8'));
    expect(m.notes).toEqual(['2: removed application/pdf part "scan for [EMAIL] (passport).pdf" (not text, cannot be checked)']);
    // The removed part's own headers are not in the output: no redaction is listed for them.
    expect(m.redactions.map((x: { field: string; start: number; end: number }) => [x.field, x.start, x.end])).toEqual([['from', 1, 14], ['2', 9, 24]]);
    expect(m.counts).toEqual({ EMAIL: 2 });
  });

  it('UTF-16 text (Excel "Unicode Text", PowerShell exports) is redacted and written back in its encoding, not skipped as binary', () => {
    const dir = tmp();
    const le = (s: string) => Buffer.from(s, 'utf16le');
    const be = (s: string) => Buffer.from(s, 'utf16le').swap16();
    fs.writeFileSync(path.join(dir, 'le.tsv'), le('\ufeffname\tmail\r\nAnn\tann@example.com\r\n'));
    fs.writeFileSync(path.join(dir, 'be.txt'), be('\ufeffkey tok_fake0000fake0001\n'));
    fs.writeFileSync(path.join(dir, 'bad.txt'), Buffer.concat([le('\ufeffok '), Buffer.from([0x00, 0xd8, 0x41, 0x00])]));
    const r = cli(['redact', 'le.tsv', 'be.txt', 'bad.txt', '--out', 'o', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([2, 'spillguard: failed: bad.txt: not valid UTF-16LE text\n']);
    expect(fs.readFileSync(path.join(dir, 'o/le.tsv'))).toEqual(le('\ufeffname\tmail\r\nAnn\t[EMAIL]\r\n'));
    expect(fs.readFileSync(path.join(dir, 'o/be.txt'))).toEqual(be('\ufeffkey [TEST_TOKEN]\n'));
    expect(fs.existsSync(path.join(dir, 'o/bad.txt'))).toBe(false);
  });

  it('TSV as Excel and pandas write it: a quoted cell holding tabs, doubled quotes or a line break is one cell, redacted inside its quotes', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.tsv'), 'name\tnote\r\nAnn\t"mail ann@example.com\tnow"\r\nBob\t"say ""hi"" bob@example.com"\r\nCid\t"two\r\nlines cid@example.com"\r\nDan\t5" screen dan@example.com\r\n');
    const r = cli(['redact', 'a.tsv', '--out', 'o', '--columns', 'note', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(dir, 'o/a.tsv'), 'utf8')).toBe(
      'name\tnote\r\nAnn\t"mail [EMAIL]\tnow"\r\nBob\t"say ""hi"" [EMAIL]"\r\nCid\t"two\r\nlines [EMAIL]"\r\nDan\t"5"" screen [EMAIL]"\r\n',
    );
  });

  it('--columns N: a header cell of the chosen column holding a value (data read as the header) is a leftover, not passed through', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'p.csv'), 'Ann,ann@example.com\nBob,bob@example.com\n');
    fs.writeFileSync(path.join(dir, 'q.csv'), 'name,email\nBob,bob@example.com\n');
    const r = cli(['redact', 'p.csv', 'q.csv', '--out', 'o', '--columns', '2', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([1, 'spillguard: leftover: p.csv: verification found 1 finding(s) left in the output; not written\n']);
    expect(fs.readdirSync(path.join(dir, 'o'))).toEqual(['q.csv']);
    expect(fs.readFileSync(path.join(dir, 'o/q.csv'), 'utf8')).toBe('name,email\nBob,[EMAIL]\n');
  });

  it('--columns N past the widest row fails the document (it would choose no cell and leak every one), exit 2', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'p.csv'), 'name,email\nAnn,ann@example.com\n');
    fs.writeFileSync(path.join(dir, 'q.csv'), 'Ann,ann@example.com,x\n');
    const r = cli(['redact', 'p.csv', 'q.csv', '--out', 'o', '--columns', '3', '--no-header', '--config', CONFIG, '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([2, 'spillguard: failed: p.csv: --columns: no column "3" (columns are numbered 1 to 2)\n']);
    expect(fs.readdirSync(path.join(dir, 'o'))).toEqual(['q.csv']);
    expect(fs.readFileSync(path.join(dir, 'o/q.csv'), 'utf8')).toBe('Ann,ann@example.com,x\n');
    const s = run(['--stdin', '--format', 'csv', '--columns', '9'], 'name,email\nAnn,ann@example.com\n');
    expect([s.code, s.stdout, s.stderr]).toEqual([2, '', 'spillguard: <stdin>: failed: --columns: no column "9" (columns are numbered 1 to 2)\n']);
    const zero = run(['--stdin', '--format', 'csv', '--columns', '0'], 'name,email\nAnn,ann@example.com\n');
    expect([zero.code, zero.stdout, zero.stderr]).toEqual([2, '', 'spillguard: <stdin>: failed: --columns: no column "0" (columns are numbered 1 to 2)\n']);
  });
});

describe('JSON numbers holding personal data', () => {
  // The built-in pii-credit-card rule; 4111111111111111 is the documented Visa test number.
  const record = '{"id": 7, "card": 4111111111111111, "n": [1, -2.5e3, {"c": 4111111111111111}], "note": "ok"}\n';

  it('a card number stored as a JSON number becomes a string holding the tag; keys, ids and other numbers stay digit for digit', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.json'), record);
    fs.writeFileSync(path.join(dir, 'b.jsonl'), record);
    const r = cli(['redact', 'a.json', 'b.jsonl', '--out', 'o', '--manifest', 'm.jsonl', '-q'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const want = '{"id": 7, "card": "[CARD]", "n": [1, -2.5e3, {"c": "[CARD]"}], "note": "ok"}\n';
    expect(fs.readFileSync(path.join(dir, 'o/a.json'), 'utf8')).toBe(want);
    expect(fs.readFileSync(path.join(dir, 'o/b.jsonl'), 'utf8')).toBe(want);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'm.jsonl'), 'utf8').split('\n')[0]);
    expect(m.redactions.map((x: { field: string; start: number; end: number; outEnd: number }) => [x.field, x.start, x.end, x.outEnd])).toEqual([
      ['/card', 0, 16, 6],
      ['/n/2/c', 0, 16, 6],
    ]);
  });

  it('--stdin and --field: a chosen number is redacted (it went out as it came, exit 0), an unchosen one passes', () => {
    const r = cli(['redact', '--stdin', '--field', 'card', '-q'], { input: record });
    expect([r.code, r.stdout]).toEqual([0, '{"id": 7, "card": "[CARD]", "n": [1, -2.5e3, {"c": 4111111111111111}], "note": "ok"}\n']);
    const mask = cli(['redact', '--stdin', '--operator', 'pii=mask', '-q'], { input: '{"card":4111111111111111}' });
    expect([mask.code, mask.stdout]).toEqual([0, '{"card":"****************"}']);
  });
});
