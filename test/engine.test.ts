import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { base62, crc32 } from '../src/engine/validators.js';
import { chunkStream, chunkText } from '../src/sources/chunker.js';
import { scanText } from '../src/scan/index.js';
import type { Finding } from '../src/engine/types.js';
import { rulesFrom, TOK_RULE } from './helpers/rules.js';

const tok = 'tok_a1b2c3d4e5f6a7b8';
const where = (f: Finding) => [f.ruleId, f.span.line, f.span.column, f.span.endLine, f.span.endColumn];

function findAll(text: string, toml = TOK_RULE, opts: { chunkSize?: number; overlap?: number } = {}): Finding[] {
  return scanText(text, { rules: rulesFrom(toml), ...opts }).findings;
}

describe('positions', () => {
  it('reports the secret group with 1-based line and column', () => {
    const [f] = findAll(`first line\nconst x = "${tok}";\n`);
    expect(where(f)).toEqual(['test-token', 2, 12, 2, 32]);
    expect(f.secret).toBe(tok);
    expect(f.span.start).toBe(11 + 11);
  });

  it('is right on CRLF files', () => {
    const f = findAll(`a\r\nb\r\n  ${tok}\r\nc`);
    expect(f.map(where)).toEqual([['test-token', 3, 3, 3, 23]]);
  });

  it('is right without a final newline', () => {
    expect(findAll(`x\n${tok}`).map(where)).toEqual([['test-token', 2, 1, 2, 21]]);
  });

  it('counts columns in code points, not UTF-16 units', () => {
    expect(findAll(`é😀 ${tok}`).map(where)).toEqual([['test-token', 1, 4, 1, 24]]);
  });

  it('finds secrets in a multi-megabyte single-line file at exact columns, across chunk boundaries', () => {
    const filler = 'var a=function(b){return b+1};'.repeat(200_000); // ~6 MB, one line
    const at = [100, 3_000_000, filler.length - 50];
    let text = filler;
    for (const p of [...at].reverse()) text = text.slice(0, p) + ` ${tok} ` + text.slice(p);
    const found = findAll(text);
    // Each insertion before p shifts later ones by the inserted length (22).
    expect(found.map((f) => f.span.column)).toEqual(at.map((p, i) => p + 2 + i * 22));
    expect(found.every((f) => f.span.line === 1)).toBe(true);
  });
});

describe('chunk boundaries', () => {
  it('finds a secret exactly once wherever it falls relative to chunk edges', () => {
    const base = 'x'.repeat(400);
    for (let p = 0; p < 300; p += 7) {
      const text = `${base.slice(0, p)} ${tok} ${base.slice(p)}`;
      const found = findAll(text, TOK_RULE, { chunkSize: 64, overlap: 40 });
      expect(found.map((f) => f.span.start), `at ${p}`).toEqual([p + 1]);
      expect(found[0].span.column).toBe(p + 2);
    }
  });

  it('streams and in-memory chunking agree, with lines carried across chunks', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 250 === 7 ? `k${i} = ${tok}` : `line ${i} é😀 filler text`));
    const text = lines.join('\r\n');
    const engine = createEngine(rulesFrom(TOK_RULE));
    const opts = { chunkSize: 4096, overlap: 512 };
    const fromText = [...chunkText(text, { path: 'a' }, opts)].flatMap((c) => engine.scanChunk(c));
    async function* parts() {
      const buf = Buffer.from(text);
      for (let i = 0; i < buf.length; i += 1000) yield buf.subarray(i, i + 1000); // splits multi-byte characters
    }
    const fromStream: Finding[] = [];
    for await (const c of chunkStream(parts(), { path: 'a' }, opts)) fromStream.push(...engine.scanChunk(c));
    const expected = lines.flatMap((l, i) => (l.includes(tok) ? [[i + 1, l.indexOf(tok) + 1]] : []));
    expect(fromText.map((f) => [f.span.line, f.span.column])).toEqual(expected);
    expect(fromStream.map((f) => [f.span.line, f.span.column])).toEqual(expected);
  });
});

describe('chunkStream over bytes', () => {
  /** The owned parts of the chunks, in order, must be the decoded input exactly once, at the right offsets, lines and columns. */
  async function check(bytes: Buffer, partSize: number, chunkSize: number, overlap: number, expected: string) {
    async function* parts() {
      for (let i = 0; i < bytes.length; i += partSize) yield bytes.subarray(i, i + partSize);
    }
    let owned = '';
    for await (const c of chunkStream(parts(), { path: 'a' }, { chunkSize, overlap })) {
      const from = c.ownedStart ?? 0;
      expect(c.offset + from, 'offset').toBe(owned.length);
      const before = expected.slice(0, c.offset);
      expect(c.line, 'line').toBe(before.split('\n').length);
      expect(c.column, 'column').toBe([...before.slice(before.lastIndexOf('\n') + 1)].length + 1);
      expect(c.text, 'chunk text').toBe(expected.slice(c.offset, c.offset + c.text.length));
      owned += c.text.slice(from, c.ownedEnd ?? c.text.length);
    }
    expect(owned).toBe(expected);
  }

  it('cuts only between characters, whatever the part and chunk sizes', async () => {
    const text = Array.from({ length: 200 }, (_, i) => `l${i} é😀中 ${'x'.repeat(i % 13)}`).join('\n');
    for (const [part, size, overlap] of [[1, 64, 16], [3, 50, 20], [7, 97, 31], [1000, 64, 40], [5, 4096, 512]])
      await check(Buffer.from(text), part, size, overlap, text);
  });

  it('streams read in turns, or left half-read, never share a window (window buffers are reused from stream to stream)', async () => {
    const texts = ['a', 'b', 'c'].map((ch) => Array.from({ length: 300 }, (_, i) => `${ch}${i} ${ch.repeat(i % 17)}`).join('\n'));
    const stream = (t: string) => {
      async function* parts() {
        yield Buffer.from(t);
      }
      return chunkStream(parts(), { path: 'x' }, { chunkSize: 256, overlap: 32 })[Symbol.asyncIterator]();
    };
    const owned = (c: { text: string; ownedStart?: number; ownedEnd?: number }) => c.text.slice(c.ownedStart ?? 0, c.ownedEnd ?? c.text.length);
    const [a, b] = [stream(texts[0]), stream(texts[1])];
    let outA = '';
    let outB = '';
    for (;;) {
      const [x, y] = [await a.next(), await b.next()];
      if (!x.done) outA += owned(x.value);
      if (!y.done) outB += owned(y.value);
      if (x.done && y.done) break;
    }
    expect(outA).toBe(texts[0]);
    expect(outB).toBe(texts[1]);
    const left = stream(texts[1]);
    await left.next();
    await left.return(undefined);
    const c = stream(texts[2]);
    const d = stream(texts[0]);
    let outC = '';
    let outD = '';
    for (let r = await c.next(); !r.done; r = await c.next()) {
      outC += owned(r.value);
      const s = await d.next();
      if (!s.done) outD += owned(s.value);
    }
    for (let s = await d.next(); !s.done; s = await d.next()) outD += owned(s.value);
    expect(outC).toBe(texts[2]);
    expect(outD).toBe(texts[0]);
  });

  it('drops a leading byte-order mark, even split across parts, and keeps a U+FEFF inside the text', async () => {
    const body = 'a\ufeffb\n'.repeat(40);
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
    for (const part of [1, 2, 4, 100]) await check(bytes, part, 32, 8, body);
  });

  it('decodes invalid UTF-8 to U+FFFD as a whole-file decode does', async () => {
    const bytes = Buffer.from([0x61, 0xff, 0x62, 0xe4, 0xb8, 0x0a, 0xf0, 0x9f, 0x98, 0x80, 0xc3, 0x41].flatMap((b) => Array(1).fill(b)).concat(...Array(30).fill([0x78, 0xe4, 0xb8, 0xad, 0x80])));
    await check(bytes, 3, 16, 6, new TextDecoder().decode(bytes));
  });
});

describe('rules', () => {
  it('runs a rule only on lines holding one of its keywords', () => {
    const toml = `
[[rules]]
id = "hex-token"
regex = '''([a-f0-9]{32})'''
keywords = ["token"]
`;
    const hex = '0123456789abcdef0123456789abcdef';
    const found = findAll(`token = ${hex}\nother = ${hex}\nTOKEN: ${hex}\n`, toml);
    expect(found.map((f) => f.span.line)).toEqual([1, 3]);
  });

  it('applies the entropy threshold to the secret group', () => {
    const toml = TOK_RULE + 'entropy = 3.0\n';
    expect(findAll('tok_aaaaaaaaaaaaaaaa tok_aaaaaaaabbbbbbbb', toml)).toEqual([]);
    expect(findAll(tok, toml)).toHaveLength(1);
  });

  it('drops secrets holding a stopword, and rule allowlist regexes', () => {
    const toml = TOK_RULE + `stopwords = ["dead"]\n[rules.allowlist]\nregexes = ['''^tok_0000''']\n`;
    expect(findAll('tok_deadbeef12345678 tok_0000abcdef123456', toml)).toEqual([]);
    expect(findAll(tok, toml)).toHaveLength(1);
  });

  it('uses secretGroup and whole-match (group 0) rules', () => {
    const toml = `
[[rules]]
id = "kv"
regex = '''secret=(?:"([^"]{8,})")'''
keywords = ["secret="]
[[rules]]
id = "whole"
regex = '''WHOLE-[0-9]{6}'''
secretGroup = 0
keywords = ["whole-"]
`;
    const found = findAll('secret="abcd1234xyz" and WHOLE-123456', toml);
    expect(found.map((f) => [f.ruleId, f.secret, f.span.column])).toEqual([
      ['kv', 'abcd1234xyz', 9],
      ['whole', 'WHOLE-123456', 26],
    ]);
  });
});

describe('validators', () => {
  const gh = (random: string) => `ghp_${random}${base62(crc32(random), 6)}`;
  const toml = (onInvalid = 'drop') => `
[[rules]]
id = "gh"
regex = '''\\b(ghp_[0-9A-Za-z]{36})\\b'''
keywords = ["ghp_"]
validate = "github-checksum"
onInvalid = "${onInvalid}"
`;
  it('github-checksum raises a valid token to high confidence and drops a bad one', () => {
    const good = gh('EXAMPLE0EXAMPLE0EXAMPLE0EXAMPL');
    const bad = good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
    const found = findAll(`${good}\n${bad}\n`, toml());
    expect(found.map((f) => [f.span.line, f.confidence, f.validatedBy])).toEqual([[1, 'high', 'github-checksum']]);
    const low = findAll(`${bad}\n`, toml('low'));
    expect(low.map((f) => f.confidence)).toEqual(['low']);
  });

  it('jwt accepts base64url JSON with alg, rejects other dotted strings', () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'fake-user' })}.c2lnbmF0dXJlLWZha2U`;
    const noAlg = `${b64({ typ: 'JWT' })}.${b64({ sub: 'x' })}.c2ln`;
    const rules = `
[[rules]]
id = "jwt"
regex = '''\\b(eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,})'''
keywords = ["eyj"]
validate = "jwt"
`;
    expect(findAll(`a ${jwt}\nb ${noAlg}\n`, rules).map((f) => [f.span.line, f.confidence])).toEqual([[1, 'high']]);
  });
});
