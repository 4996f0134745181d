import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findEncodedRuns, unescapeRun } from '../src/engine/decode.js';
import { mask } from '../src/reporters/mask.js';
import { scanText } from '../src/scan/index.js';
import type { Finding } from '../src/engine/types.js';
import { cli } from './helpers/cli.js';
import { rulesFrom, TOK_RULE } from './helpers/rules.js';

// Test-local rules only (no built-in pack): exact findings must not depend on other packs.
const rules = rulesFrom(TOK_RULE);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const hex = (s: string) => Buffer.from(s).toString('hex');
const scan = (text: string, decodeDepth?: number) => scanText(text, { rules, path: 'f.txt', decodeDepth }).findings;
const at = (f: Finding) => [f.ruleId, f.span.line, f.span.column, f.span.endLine, f.span.endColumn, f.origin.decoded ?? null, f.secret];
/** 1-based line and column of the first occurrence of `needle`. */
function pos(text: string, needle: string): [number, number] {
  const i = text.indexOf(needle);
  expect(i, needle).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, i);
  return [before.split('\n').length, i - before.lastIndexOf('\n')];
}

describe('encoded secrets are reported at the encoded span', () => {
  it('Kubernetes Secret data: values (base64)', () => {
    const enc = b64('tok_fake0000fake0001');
    const text = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ndata:\n  token: ${enc}\n`;
    expect(scan(text).map(at)).toEqual([['test-token', 6, 10, 6, 10 + enc.length, 'base64', 'tok_fake0000fake0001']]);
    const [f] = scan(text);
    expect(f.span.start).toBe(text.indexOf(enc));
    expect(f.span.end).toBe(text.indexOf(enc) + enc.length);
  });

  it('data: URIs and Authorization: Basic headers', () => {
    const uri = b64('config: tok_fake0000fake0002\n');
    const basic = b64('deploy:tok_fake0000fake0003');
    const text = `<a href="data:text/plain;base64,${uri}">x</a>\ncurl -H 'Authorization: Basic ${basic}' https://ci.internal.test\n`;
    expect(scan(text).map(at)).toEqual([
      ['test-token', ...pos(text, uri), 1, pos(text, uri)[1] + uri.length, 'base64', 'tok_fake0000fake0002'],
      ['test-token', ...pos(text, basic), 2, pos(text, basic)[1] + basic.length, 'base64', 'tok_fake0000fake0003'],
    ]);
  });

  it('URL-safe base64 is marked base64url', () => {
    const plain = 'tok_fake0000fake0004 ???>>>';
    expect(b64(plain)).toMatch(/[+/]/);
    const enc = Buffer.from(plain).toString('base64url');
    expect(enc).toMatch(/[-_]/);
    const text = `jwt_claim=${enc}`;
    expect(scan(text).map(at)).toEqual([['test-token', 1, 11, 1, 11 + enc.length, 'base64url', 'tok_fake0000fake0004']]);
  });

  it('hex, percent-encoding, JS escapes and HTML entities', () => {
    const h = hex('key=tok_fake0000fake0005');
    const lines = [
      `const blob = "${h}";`,
      'fetch("https://api.internal.test/v1?key=tok%5Ffake0000fake0006&x=1")',
      'const k = "\\x74\\x6f\\x6b\\x5ffake0000fake0007";',
      'const u = "\\u0074\\u006f\\u006b\\u005f\\u{66}ake0000fake0008";',
      '<div data-key="tok&#95;fake0000fake0009"></div>',
      '<p>key: tok&#95fake0000fake0012</p>',
    ];
    const text = lines.join('\n') + '\n';
    const found = scan(text).map(at);
    expect(found).toEqual([
      ['test-token', 1, 15, 1, 15 + h.length, 'hex', 'tok_fake0000fake0005'],
      ['test-token', ...pos(text, 'key=tok%5F'), 2, pos(text, 'key=tok%5F')[1] + 'key=tok%5Ffake0000fake0006'.length, 'percent', 'tok_fake0000fake0006'],
      ['test-token', 3, 12, 3, 12 + '\\x74\\x6f\\x6b\\x5ffake0000fake0007'.length, 'js-escape', 'tok_fake0000fake0007'],
      ['test-token', 4, 12, 4, 12 + '\\u0074\\u006f\\u006b\\u005f\\u{66}ake0000fake0008'.length, 'js-escape', 'tok_fake0000fake0008'],
      ['test-token', 5, 16, 5, 16 + 'tok&#95;fake0000fake0009'.length, 'html-entity', 'tok_fake0000fake0009'],
      // A numeric reference without its ';', as browsers read it.
      ['test-token', 6, 9, 6, 9 + 'tok&#95fake0000fake0012'.length, 'html-entity', 'tok_fake0000fake0012'],
    ]);
  });

  it('decodes nested encodings up to --max-decode-depth (base64>hex), and not beyond', () => {
    const enc = b64(hex('tok_fake0000fake0010'));
    const text = `payload: ${enc}\n`;
    expect(scan(text).map(at)).toEqual([['test-token', 1, 10, 1, 10 + enc.length, 'base64>hex', 'tok_fake0000fake0010']]);
    expect(scan(text, 1)).toEqual([]);
    expect(scan(`x: ${b64('tok_fake0000fake0011')}`, 0)).toEqual([]);
  });

  it('reports a secret once: a plain finding wins over the same secret inside an encoded run', () => {
    const text = '<a href="https://x.test/?a=1&amp;t=tok_fake0000fake0012&amp;b=2">\n';
    const col = pos(text, 'tok_')[1];
    expect(scan(text).map(at)).toEqual([['test-token', 1, col, 1, col + 20, null, 'tok_fake0000fake0012']]);
  });

  it('keeps the fingerprint of the decoded secret, so a plain and an encoded copy are one secret', () => {
    const [plain] = scan('tok_fake0000fake0013');
    const [decoded] = scan(`v: ${b64('tok_fake0000fake0013')}`);
    expect(decoded.fingerprint).toBe(plain.fingerprint);
  });

  it('honours an inline ignore on the encoded line', () => {
    const text = `token: ${b64('tok_fake0000fake0014')}  # spillguard:allow\n`;
    const r = scanText(text, { rules, path: 'f.txt' });
    expect(r.findings).toEqual([]);
    expect(r.suppressed.map((d) => d.reason)).toEqual(['inline "spillguard:allow" on line 1']);
  });

  it('finds an encoded run exactly once wherever it falls relative to chunk edges', () => {
    const enc = b64('tok_fake0000fake0015');
    const base = 'x '.repeat(200);
    for (let p = 0; p < 300; p += 11) {
      const text = `${base.slice(0, p)} ${enc} ${base.slice(p)}`;
      const found = scanText(text, { rules, path: 'f.txt', chunkSize: 64, overlap: 48 }).findings;
      expect(found.map((f) => [f.span.start, f.origin.decoded]), `at ${p}`).toEqual([[p + 1, 'base64']]);
    }
  });
});

describe('what is not decoded', () => {
  it('leaves identifiers, paths, hashes and binary base64 alone without decoding them', () => {
    const code = [
      'document.getElementsByClassName("x").addEventListener("click", handleClickOutsideOfDropdownMenu);',
      'import x from "../../node_modules/some-package/dist/index.esm.js";',
      '"integrity": "sha512-V5VATkfmUo4/oHBKD8r0O7AjtIEOedsXxWgumOHAFOSuyQtUB44Z/JeZRpBVC3GCEhr6vCztpKjfiMx9KMdhHQ=="',
      'commit 9fceb02d0ae598e95dc970b74767f19372d61af8a1b2c3d4e5f60718293a4b5c',
      `png = "${Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).toString('base64')}"`,
    ].join('\n');
    expect(findEncodedRuns(code)).toEqual([]);
  });

  it('decodes only what turns into printable text', () => {
    expect(findEncodedRuns(`a ${b64('hello, this is text')} b`).map((r) => [r.scheme, r.text])).toEqual([['base64', 'hello, this is text']]);
    expect(findEncodedRuns(`a ${b64('\u0000\u0001binary\u0002\u0003data..')} b`)).toEqual([]);
    expect(unescapeRun('a%20b%E2%82%AC', 'percent')).toBe('a b€');
    expect(unescapeRun('&lt;&#x41;&#66;&quot;&bogus;&commat;&#64x', 'html-entity')).toBe('<AB"&bogus;@@x');
    expect(unescapeRun('\\x41\\u0042\\u{1F600}\\n', 'js-escape')).toBe('AB😀\n');
  });
});

describe('snippets on long lines', () => {
  it('carry a short window with the finding and its neighbours masked, decoded ones included', () => {
    const enc = b64('tok_fake0000fake0017');
    const line = 'var a=1;'.repeat(100) + `x="tok_fake0000fake0016",y="${enc}";` + 'var b=2;'.repeat(100);
    const found = scan(line);
    expect(found.map((f) => f.origin.decoded ?? null)).toEqual([null, 'base64']);
    for (const f of found) {
      expect(f.snippet!.length).toBeLessThanOrEqual(80);
      expect(f.snippet).not.toContain('tok_fake0000fake001');
      expect(f.snippet).not.toContain(enc.slice(0, 12));
    }
    // 32 characters of context before; after, the window ends inside the neighbour, which is masked whole.
    const before = line.slice(line.indexOf('tok_') - 32, line.indexOf('tok_'));
    expect(found[0].snippet).toBe(`…${before}${mask('tok_fake0000fake0016')}",y="${mask('tok_fake0000fake0017')}…`);
    expect(scan('short line tok_fake0000fake0016')[0].snippet).toBeUndefined();
  });
});

describe('CLI flags', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-decode-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, '.spillguard.toml'), `[extend]\nuseDefault = false\n${TOK_RULE}`);
  const input = `token: ${b64(hex('tok_fake0000fake0018'))}\n`;
  const found = (args: string[]) => {
    const r = cli(['scan', '-', '--format', 'json', ...args], { cwd: dir, input });
    return { code: r.code, decoded: r.code === 2 ? r.stderr : JSON.parse(r.stdout).findings.map((f: { decoded?: string }) => f.decoded) };
  };

  it('--max-decode-depth and --no-decode', () => {
    expect(found([])).toEqual({ code: 1, decoded: ['base64>hex'] });
    expect(found(['--max-decode-depth', '1'])).toEqual({ code: 0, decoded: [] });
    expect(found(['--no-decode'])).toEqual({ code: 0, decoded: [] });
    expect(found(['--max-decode-depth', '9'])).toEqual({ code: 2, decoded: 'spillguard: error: flag --max-decode-depth: must be a whole number from 0 to 8 (got 9)\n' });
  });
});
