import { describe, expect, it } from 'vitest';
import { contentMatches, cQuote, intersectRanges, parsePatch, parseRawHeader, parseRawSection, patchHeader, touches } from '../src/git/diff.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);
const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('git diff parsing', () => {
  it('quotes paths as git does with core.quotePath=true', () => {
    expect(cQuote('plain/name.txt')).toBe('plain/name.txt');
    expect(cQuote('with space.txt')).toBe('with space.txt');
    expect(cQuote('new\nline')).toBe('"new\\nline"');
    expect(cQuote('tab\tq"b\\')).toBe('"tab\\tq\\"b\\\\"');
    expect(cQuote(latin1('ü'))).toBe('"\\303\\274"');
    expect(cQuote('\x01\x7f')).toBe('"\\001\\177"');
    expect(patchHeader({ srcRaw: 'a b', pathRaw: 'c\nd' })).toBe('diff --git a/a b "b/c\\nd"');
  });

  it('reads raw entries, renames and combined (merge) entries', () => {
    expect(parseRawHeader(`:100644 100644 ${A} ${B} M`)).toEqual({
      entry: { srcMode: '100644', dstMode: '100644', srcOid: A, dstOid: B, status: 'M' },
      paths: 1,
    });
    expect(parseRawHeader(`:100644 100644 ${A} ${B} R087`)?.paths).toBe(2);
    expect(parseRawHeader(`::100644 100644 100644 ${A} ${A} ${B} MM`)).toEqual({
      entry: { srcMode: '100644', dstMode: '100644', srcOid: A, dstOid: B, status: 'MM' },
      paths: 1,
    });
    expect(parseRawHeader('not raw')).toBeUndefined();
  });

  it('splits a --raw -p -z output into entries and per-file added ranges', () => {
    const raw = `:000000 100644 ${Z} ${A} A\0new\nname\0:100644 100644 ${A} ${B} R090\0old name\0new name\0:100644 100644 ${A} ${B} M\0bin\0\0`;
    const patch = [
      'diff --git "a/new\\nname" "b/new\\nname"',
      'new file mode 100644',
      '--- /dev/null',
      '+++ "b/new\\nname"',
      '@@ -0,0 +1,3 @@',
      '+x',
      '+@@ -1 +1 @@ not a header: a content line',
      '+diff --git also content',
      'diff --git a/old name b/new name',
      'similarity index 90%',
      '--- a/old name\t',
      '+++ b/new name\t',
      '@@ -2,0 +3 @@ context',
      '+y',
      '@@ -7 +8,0 @@',
      '-z',
      '@@ -9 +9,2 @@',
      '+w',
      '+v',
      'diff --git a/bin b/bin',
      'Binary files a/bin and b/bin differ',
      '',
    ].join('\n');
    const buf = Buffer.from(raw + patch, 'utf8');
    const { entries, patchStart } = parseRawSection(buf);
    expect(entries.map((e) => [e.status, e.srcPath, e.path])).toEqual([
      ['A', 'new\nname', 'new\nname'],
      ['R', 'old name', 'new name'],
      ['M', 'bin', 'bin'],
    ]);
    const info = parsePatch(buf, patchStart, entries);
    expect(info.get(entries[0])).toEqual({ added: [[1, 3]], binary: false });
    expect(info.get(entries[1])).toEqual({ added: [[3, 3], [9, 10]], binary: false });
    expect(info.get(entries[2])).toEqual({ added: [], binary: true });
  });

  it('rebuilds a file from a full-context patch, checked against its blob id', () => {
    const raw = `:100644 100644 ${A} ce013625030ba8dba906f756967f9e9ca394464a M\0f\0:100644 100644 ${A} ${B} M\0g\0\0`;
    const patch = [
      'diff --git a/f b/f',
      '--- a/f',
      '+++ b/f',
      '@@ -1,2 +1 @@',
      '-old',
      '-hello',
      '\\ No newline at end of file',
      '+hello',
      'diff --git a/g b/g',
      '--- a/g',
      '+++ b/g',
      '@@ -1,3 +1,4 @@',
      ' keep',
      '', // an empty context line, as diff.suppressBlankEmpty prints it
      '+new',
      ' last',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    const buf = Buffer.from(raw + patch, 'utf8');
    const { entries, patchStart } = parseRawSection(buf);
    const info = parsePatch(buf, patchStart, entries, true);
    const f = info.get(entries[0])!;
    expect(f.content?.toString()).toBe('hello\n');
    expect(f.added).toEqual([[1, 1]]);
    expect(contentMatches(f.content!, entries[0].dstOid)).toBe(true);
    const g = info.get(entries[1])!;
    expect(g.content?.toString()).toBe('keep\n\nnew\nlast');
    expect(g.added).toEqual([[3, 3]]);
    expect(contentMatches(g.content!, entries[1].dstOid)).toBe(false); // not the blob it claims: not used
    expect(contentMatches(Buffer.alloc(0), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')).toBe(true);
  });

  it('intersects and probes line ranges', () => {
    expect(intersectRanges([[1, 5], [8, 10]], [[3, 9]])).toEqual([[3, 5], [8, 9]]);
    expect(intersectRanges([[1, 2]], [])).toEqual([]);
    const r: Array<[number, number]> = [[3, 3], [9, 10]];
    expect(touches(r, 1, 2)).toBe(false);
    expect(touches(r, 2, 3)).toBe(true);
    expect(touches(r, 4, 8)).toBe(false);
    expect(touches(r, 4, 9)).toBe(true);
    expect(touches(r, 11, 20)).toBe(false);
  });
});
