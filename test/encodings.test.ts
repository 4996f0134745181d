import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../src/scan/index.js';
import { textEncoding } from '../src/sources/read.js';
import { cleanup, parseReport, Repo, spillguard, tokConfig } from './helpers/gitrepo.js';
import { rulesFrom, TOK_RULE } from './helpers/rules.js';

// Fake values only.
const S1 = 'tok_aaaaaaaaaaaaaaa1';
const S2 = 'tok_bbbbbbbbbbbbbbb2';

const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();
const bom = { le: Buffer.from([0xff, 0xfe]), be: Buffer.from([0xfe, 0xff]) };

afterAll(cleanup);

describe('text encodings', () => {
  it('scans UTF-16 text (with or without a byte-order mark) as text, with lines and columns in characters', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-enc-'));
    const text = `first line\r\n  k = "${S1}" # é\r\n`;
    fs.writeFileSync(path.join(dir, 'le.ps1'), Buffer.concat([bom.le, Buffer.from(text, 'utf16le')]));
    fs.writeFileSync(path.join(dir, 'be.reg'), Buffer.concat([bom.be, utf16be(text)]));
    fs.writeFileSync(path.join(dir, 'nobom.sql'), Buffer.from(`-- script\nPASSWORD '${S2}'\n`, 'utf16le'));
    // Binary stays binary: NULs that are not every other byte, and UTF-32 (its mark starts like UTF-16LE's).
    fs.writeFileSync(path.join(dir, 'data.bin'), Buffer.from([1, 0, 0, 0, 7, 0, 0, 0, ...Buffer.from(`k=${S1}`)]));
    fs.writeFileSync(path.join(dir, 'u32.txt'), Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from(`k=${S1}`, 'utf16le')]));
    const r = await scan({ paths: [dir], cwd: dir, rules: rulesFrom(TOK_RULE) });
    expect(r.findings.map((f) => [f.origin.path, f.span.line, f.span.column, f.secret])).toEqual([
      ['be.reg', 2, 8, S1],
      ['le.ps1', 2, 8, S1],
      ['nobom.sql', 2, 11, S2],
    ]);
    expect(r.skipped).toEqual([
      { path: 'data.bin', reason: 'binary file' },
      { path: 'u32.txt', reason: 'binary file' },
    ]);
  });

  it('streams a UTF-16 file larger than a chunk, a character split between reads kept whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-enc-'));
    const lines = Array.from({ length: 3000 }, (_, i) => (i === 2500 ? `été k=${S1}` : `line ${i} ünïcödé`));
    fs.writeFileSync(path.join(dir, 'big.txt'), Buffer.concat([bom.le, Buffer.from(lines.join('\n'), 'utf16le')]));
    const r = await scan({ paths: [dir], cwd: dir, rules: rulesFrom(TOK_RULE), chunkSize: 4096, overlap: 256 });
    expect(r.findings.map((f) => [f.origin.path, f.span.line, f.span.column])).toEqual([['big.txt', 2501, 7]]);
  });

  it('tells encodings from the head', () => {
    expect(textEncoding(Buffer.from('plain ascii'))).toBe('utf-8');
    expect(textEncoding(Buffer.concat([bom.le, Buffer.from('hi', 'utf16le')]))).toBe('utf-16le');
    expect(textEncoding(Buffer.concat([bom.be, utf16be('hi')]))).toBe('utf-16be');
    expect(textEncoding(Buffer.from('no mark, mostly ascii', 'utf16le'))).toBe('utf-16le');
    expect(textEncoding(utf16be('no mark, mostly ascii'))).toBe('utf-16be');
    expect(textEncoding(Buffer.from('ab\0cd'))).toBeUndefined();
    expect(textEncoding(Buffer.from('short', 'utf16le').subarray(0, 6))).toBeUndefined(); // too little to tell
  });

  it('finds a secret in a UTF-16 file committed to git', async () => {
    const repo = Repo.init();
    repo.write('setup.ps1', Buffer.concat([bom.le, Buffer.from(`$x = 1\r\n$k = "${S1}"\r\n`, 'utf16le')]));
    const c = repo.commitAll('windows script');
    const res = await spillguard(['git', '--config', tokConfig(), '-f', 'json'], repo.dir);
    expect(parseReport(res).findings.map((f) => [f.path, f.line, f.column, f.commit])).toEqual([['setup.ps1', 2, 7, c]]);
  });
});
