import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import { stringify as toToml } from 'smol-toml';
import { loadPacks, BUILTIN_RULES_DIR } from '../src/config/rules.js';
import { findEncodedRuns } from '../src/engine/decode.js';
import { createEngine } from '../src/engine/engine.js';
import { Prefilter, rarestTrigram } from '../src/engine/prefilter.js';
import { parseConfig } from '../src/engine/schema.js';
import type { Finding, RuleSet, RuleSpec, Severity } from '../src/engine/types.js';
import { SEVERITIES, CONFIDENCES } from '../src/engine/types.js';
import { SpillguardError } from '../src/errors.js';
import { format, FORMATS, type Report } from '../src/reporters/index.js';
import { scanText } from '../src/scan/index.js';
import { REPO } from './helpers/cli.js';
import { rulesFrom, TOK_RULE } from './helpers/rules.js';

/**
 * Property-based tests (docs/SECURITY.md "Hostile input"): random and mutated input never crashes the
 * engine, every reporter's output parses (SARIF against the official schema), every malformed config
 * is a SpillguardError naming the file, and redaction changes nothing outside the findings' spans.
 * numRuns are kept small enough for the whole file to run in well under a minute.
 */

const builtinSecrets = loadPacks(BUILTIN_RULES_DIR, true).rules.filter((r) => r.kind === 'secret');
const ALLOW = { paths: [], regexes: [], stopwords: [], allowTarget: 'secret' as const };
const secretsEngine = createEngine({ rules: builtinSecrets, allowlist: ALLOW });
const tokRules = rulesFrom(TOK_RULE);

// ---- generators ---------------------------------------------------------------------------------

/** Any UTF-16 code unit, lone surrogates and NUL included. */
const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyUnits = fc.string({ unit, maxLength: 300 });
const lineEnding = fc.constantFrom('\n', '\r\n', '\r', '\u2028', '\u0085', '');
/** Bytes, often invalid UTF-8, decoded the way sources decode files (U+FFFD for what is invalid). */
const invalidUtf8 = fc.uint8Array({ maxLength: 400 }).map((b) => new TextDecoder('utf-8').decode(b));
/** Fake secrets the built-in and test rules recognise, to mix into the noise. */
const planted = fc.constantFrom(
  'tok_fake0000fake0001',
  ['AK', 'IA', 'FAKEFUZZKEY23456'].join(''),
  ['gh', 'p_', 'FakeFuzz0000000000000000000000000000'].join(''),
  'password = "Fuzz-Fake-Pass-1234"',
  '-----BEGIN RSA PRIVATE KEY-----\nMIIFakeFuzz\n-----END RSA PRIVATE KEY-----',
);
const nestedJson = fc.integer({ min: 1, max: 3000 }).chain((depth) =>
  fc.tuple(planted, fc.boolean()).map(([s, arr]) => (arr ? '['.repeat(depth) + JSON.stringify(s) + ']'.repeat(depth) : '{"a":'.repeat(depth) + JSON.stringify(s) + '}'.repeat(depth))),
);
const jsonlLines = fc.array(fc.oneof(fc.json(), anyUnits, planted.map((s) => JSON.stringify({ text: s })), fc.constant('{"broken": '), fc.constant('')), { maxLength: 20 }).map((ls) => ls.join('\n'));
/** Found by the built-in rules wherever they stand, so a huge line around them must not hide them. */
const plantedBuiltin = fc.constantFrom(['AK', 'IA', 'FAKEFUZZKEY23456'].join(''), '-----BEGIN RSA PRIVATE KEY-----\nMIIFakeFuzz0000000000000000000000000000000000000000000\n-----END RSA PRIVATE KEY-----');
const hugeLine = fc
  .tuple(fc.constantFrom('a', '=', ' ', '\t', 'A1', '/+', '\0', '\uFFFD'), fc.integer({ min: 10_000, max: 300_000 }), plantedBuiltin)
  .map(([c, n, s]) => c.repeat(n >> 1) + ' ' + s + ' ' + c.repeat(n >> 1));
const piece = fc.oneof(
  { weight: 4, arbitrary: anyUnits },
  { weight: 2, arbitrary: invalidUtf8 },
  { weight: 3, arbitrary: planted },
  { weight: 2, arbitrary: lineEnding },
  { weight: 1, arbitrary: fc.constant('\0') },
  { weight: 1, arbitrary: nestedJson },
  { weight: 1, arbitrary: jsonlLines },
);
const hostileText = fc.array(piece, { maxLength: 30 }).map((ps) => ps.join(''));

// ---- engine -------------------------------------------------------------------------------------

function checkFindings(text: string, findings: Finding[]): void {
  for (const f of findings) {
    expect(f.span.start).toBeGreaterThanOrEqual(0);
    expect(f.span.end).toBeLessThanOrEqual(text.length);
    expect(f.span.start).toBeLessThan(f.span.end);
    // Secret rules match the raw text: the secret is exactly what the span covers.
    expect(text.slice(f.span.start, f.span.end)).toBe(f.secret);
    expect(f.span.line).toBeGreaterThanOrEqual(1);
    expect(f.span.column).toBeGreaterThanOrEqual(1);
    expect(f.fingerprint).toMatch(/^[0-9a-f]+$/);
  }
}

describe('engine on hostile text', () => {
  it('never throws; every finding lies inside the text and is what its span covers', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const r = scanText(text, { engine: secretsEngine, path: 'fuzz.txt' });
        checkFindings(text, [...r.findings, ...r.suppressed.map((d) => d.finding)]);
      }),
      { numRuns: 300 },
    );
  });

  it('huge lines without newlines: found, and at the right offset', () => {
    fc.assert(
      fc.property(hugeLine, (text) => {
        const r = scanText(text, { engine: secretsEngine, path: 'huge.txt' });
        checkFindings(text, r.findings);
        expect(r.findings.length + r.suppressed.length).toBeGreaterThan(0);
      }),
      { numRuns: 12 },
    );
  });

  it('chunking is invisible: small overlapping chunks find exactly what one chunk finds', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 64, max: 512 }), (text, chunkSize) => {
        const whole = scanText(text, { rules: tokRules, path: 'x' }).findings;
        const chunked = scanText(text, { rules: tokRules, path: 'x', chunkSize, overlap: 64 }).findings;
        expect(chunked.map((f) => [f.span.start, f.span.end, f.span.line, f.span.column])).toEqual(
          whole.map((f) => [f.span.start, f.span.end, f.span.line, f.span.column]),
        );
      }),
      { numRuns: 120 },
    );
  });
});

// ---- reporters ----------------------------------------------------------------------------------

const sarifSchema = JSON.parse(fs.readFileSync(path.join(REPO, 'fixtures/schemas/sarif-schema-2.1.0.json'), 'utf8'));
const validateSarif = new Ajv({ allErrors: true, strict: false, logger: false }).compile(sarifSchema);

/** Strings as paths and messages can hold them: any well-formed text, control characters included. */
const text = fc.string({ unit: fc.oneof(fc.constantFrom('\0', '\n', '\r', '\t', '\x1b', '<', '&', '"', "'", ']]>', '\u2028', '\uFFFD'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: 40 });
const ruleId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/);
/** Distinctive, so a leak is visible; 20+ characters keep a 4-character prefix when masked. */
const secretValue = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/+=.'), minLength: 8, maxLength: 60 }).map((s) => `SeCrEt${s}`);

const findingArb = fc.record({
  ruleId,
  severity: fc.constantFrom(...SEVERITIES),
  confidence: fc.constantFrom(...CONFIDENCES),
  description: text,
  path: text.map((p) => p || 'x'),
  line: fc.integer({ min: 1, max: 1e6 }),
  column: fc.integer({ min: 1, max: 1e6 }),
  len: fc.integer({ min: 0, max: 100 }),
  secret: secretValue,
  member: fc.option(text, { nil: undefined }),
  record: fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: undefined }),
  field: fc.option(text, { nil: undefined }),
  commit: fc.option(fc.stringMatching(/^[0-9a-f]{40}$/), { nil: undefined }),
  snippet: fc.option(text, { nil: undefined }),
});

function toFinding(x: {
  ruleId: string; severity: Severity; confidence: (typeof CONFIDENCES)[number]; description: string; path: string; line: number; column: number;
  len: number; secret: string; member?: string; record?: number; field?: string; commit?: string; snippet?: string;
}): Finding {
  const f: Finding = {
    ruleId: x.ruleId,
    kind: 'secret',
    severity: x.severity,
    confidence: x.confidence,
    description: x.description,
    span: { start: x.line, end: x.line + x.secret.length, line: x.line, column: x.column, endLine: x.line, endColumn: x.column + x.len },
    origin: { path: x.path, member: x.member, record: x.record, field: x.field, commit: x.commit },
    secret: x.secret,
    fingerprint: 'f'.repeat(16),
  };
  // Snippets are built by the engine with known secrets masked; a reporter must never add the raw value.
  if (x.snippet !== undefined) f.snippet = x.snippet;
  return f;
}

/** Well-formed XML 1.0 for what JUnit output uses: elements, quoted attributes, escaped text, no bad characters. */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(xml)) problems.push('a character XML 1.0 forbids');
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const textPart = body.slice(i, lt < 0 ? body.length : lt);
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(textPart)) problems.push('a bare & in text');
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (!m) {
      problems.push(`malformed tag at ${lt}: ${JSON.stringify(body.slice(lt, lt + 40))}`);
      break;
    }
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(m[3])) problems.push('a bare & in an attribute');
    if (m[1]) {
      if (stack.pop() !== m[2]) problems.push(`unbalanced </${m[2]}>`);
    } else if (!m[4]) stack.push(m[2]);
    i = tag.lastIndex;
  }
  if (stack.length) problems.push(`unclosed <${stack.join('>, <')}>`);
  return problems;
}

const emptyRule = (id: string): RuleSpec => ({
  id, kind: 'secret', severity: 'high', confidence: 'medium', description: id, regex: 'x', flags: '', secretGroup: 0, keywords: [],
  onInvalid: 'drop', stopwords: [], allowRegexes: [], allowPaths: [], allowTarget: 'secret', tags: [], examples: { match: [], noMatch: [] }, source: 'x',
});

describe('reporters on arbitrary findings', () => {
  it('JSON, JSONL, SARIF and GitLab parse; SARIF is schema-valid; JUnit is well-formed; no raw secret anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(findingArb, { maxLength: 8 }),
        fc.array(fc.record({ path: text, message: text }), { maxLength: 3 }),
        fc.array(fc.record({ path: text, reason: text }), { maxLength: 3 }),
        (raw, errors, skipped) => {
          const findings = raw.map(toFinding);
          const report: Report = {
            findings,
            suppressed: findings.slice(0, 2).map((f) => ({ finding: f, reason: 'fuzz' })),
            skipped,
            errors,
            stats: { files: 1, bytes: 1, durationMs: 1 },
            rules: findings.slice(0, 3).map((f) => emptyRule(f.ruleId)),
          };
          for (const fmt of FORMATS) {
            const out = format(fmt, report, { toolVersion: '0.0.0', showSecrets: false, color: false, root: '/tmp/fuzz root', explain: true, now: new Date(0) });
            for (const f of findings) expect(out.includes(f.secret), `${fmt} leaks a secret`).toBe(false);
            if (fmt === 'json' || fmt === 'gitlab') JSON.parse(out);
            if (fmt === 'jsonl') for (const line of out.trimEnd().split('\n')) JSON.parse(line);
            if (fmt === 'sarif') {
              const doc = JSON.parse(out);
              expect(validateSarif(doc), JSON.stringify(validateSarif.errors)).toBe(true);
            }
            if (fmt === 'junit') expect(xmlProblems(out)).toEqual([]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the XML checker itself rejects what it should', () => {
    expect(xmlProblems('<a b="1"><c/></a>')).toEqual([]);
    expect(xmlProblems('<a>&</a>')).not.toEqual([]);
    expect(xmlProblems('<a><b></a>')).not.toEqual([]);
    expect(xmlProblems('<a b="<">x</a>')).not.toEqual([]);
    expect(xmlProblems('<a>\x01</a>')).not.toEqual([]);
  });
});

// ---- configuration ------------------------------------------------------------------------------

const VALID = `[extend]
useDefault = false
disabledRules = ["x"]

[[rules]]
id = "corp-token"
description = "Corp token"
severity = "high"
regex = '''\\b(cst_[A-Za-z0-9]{16})\\b'''
secretGroup = 1
keywords = ["cst_"]
entropy = 3.0
paths = ['''\\.env$''']
[rules.allowlist]
regexes = ['''^cst_EXAMPLE''']
stopwords = ["dummy"]

[allowlist]
paths = ['''^vendor/''']
regexes = ['''EXAMPLE''']
`;

/** Values of every TOML type, including the wrong ones for each field. */
const tomlValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 20 }),
    fc.constantFrom('(', '[', '(?<x>a)(?<x>b)', '\\', '(?P<n>a)', '\\Q(\\E', '[[:alpha:]]', '(?i)a', 'a{2,1}', '*', '(?<=a+)b'),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('id', 'regex', 'keywords', 'paths', 'regexes', 'x'), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const ruleFields = ['id', 'kind', 'severity', 'confidence', 'description', 'regex', 'flags', 'secretGroup', 'keywords', 'entropy', 'validate', 'onInvalid', 'path', 'paths', 'stopwords', 'allowlist', 'allowlists', 'tags', 'help', 'examples', 'bogus'];
const randomConfig = fc.record({
  rules: fc.array(fc.dictionary(fc.constantFrom(...ruleFields), tomlValue, { maxKeys: 8 }), { maxLength: 3 }),
  extend: fc.option(fc.dictionary(fc.constantFrom('useDefault', 'path', 'disabledRules'), tomlValue, { maxKeys: 3 }), { nil: undefined }),
  allowlist: fc.option(fc.dictionary(fc.constantFrom('paths', 'regexes', 'stopwords', 'regexTarget'), tomlValue, { maxKeys: 3 }), { nil: undefined }),
}).map((doc) => {
  const clean = Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
  try {
    return toToml(clean);
  } catch {
    return VALID;
  }
});
const mutated = fc.tuple(fc.integer({ min: 0, max: VALID.length }), fc.integer({ min: 0, max: 20 }), fc.string({ unit, maxLength: 10 })).map(
  ([at, del, ins]) => VALID.slice(0, at) + ins + VALID.slice(at + del),
);

describe('configuration parser on malformed input', () => {
  it('every failure is a SpillguardError naming the file; every success compiles into a working engine', () => {
    fc.assert(
      fc.property(fc.oneof(randomConfig, mutated, anyUnits, invalidUtf8), (toml) => {
        let cfg;
        try {
          cfg = parseConfig(toml, 'fuzz.toml');
        } catch (e) {
          expect(e).toBeInstanceOf(SpillguardError);
          expect((e as SpillguardError).context.file).toBe('fuzz.toml');
          expect((e as SpillguardError).render()).toMatch(/^fuzz\.toml/);
          return;
        }
        // What parses must run: the engine compiles it and scans without throwing.
        const rs: RuleSet = { rules: cfg.rules, allowlist: cfg.allowlist };
        scanText('cst_AbCdEfGh12345678 x', { rules: rs, path: '.env' });
      }),
      { numRuns: 600 },
    );
  });
});

// ---- redaction ----------------------------------------------------------------------------------

const redactApi = fs.existsSync(path.join(REPO, 'src/redact/api.ts')) ? await import('../src/redact/api.js') : undefined;

describe.skipIf(!redactApi)('redaction on hostile text', () => {
  const redactor = redactApi?.createRedactor({ rules: { rules: builtinSecrets, allowlist: ALLOW }, kinds: ['secret'], injection: false });

  it('changes no character outside the spans it records (txt)', () => {
    fc.assert(
      fc.property(hostileText, (input) => {
        const r = redactApi!.redactText(input, { redactor, format: 'txt' });
        const recs = [...r.redactions].sort((a, b) => a.start - b.start);
        let inAt = 0;
        let outAt = 0;
        for (const rec of recs) {
          expect(r.text.slice(outAt, rec.outStart)).toBe(input.slice(inAt, rec.start));
          inAt = rec.end;
          outAt = rec.outEnd;
        }
        expect(r.text.slice(outAt)).toBe(input.slice(inAt));
        for (const rec of recs) expect(input.slice(rec.start, rec.end).length).toBeGreaterThan(0);
      }),
      { numRuns: 120 },
    );
  });

  it('JSONL with malformed lines: a typed error that quotes nothing, or the same lines with only findings changed', () => {
    fc.assert(
      fc.property(jsonlLines, (input) => {
        let r;
        try {
          r = redactApi!.redactText(input, { redactor, format: 'jsonl' });
        } catch (e) {
          // A document that cannot be parsed fails as a whole, typed, and its message holds no input.
          expect((e as Error).constructor.name).toMatch(/DocumentError|SpillguardError/);
          expect((e as Error).message).not.toMatch(/fake|fuzz/i);
          return;
        }
        const inLines = input.split('\n');
        const outLines = r.text.split('\n');
        expect(outLines.length).toBe(inLines.length);
        inLines.forEach((line, i) => {
          // Lines holding no planted secret (JSON-decoded values are scanned too) come out byte for byte.
          if (!/fake|fuzz/i.test(line) && scanText(line, { engine: secretsEngine, path: 'x' }).findings.length === 0) expect(outLines[i]).toBe(line);
        });
      }),
      { numRuns: 100 },
    );
  });
});

describe('keyword prefilter', () => {
  /**
   * Keywords of 2 to 6 characters over a small alphabet (so they overlap and share prefixes), half
   * of them cut from the text itself (then case-folded), so most runs have hits. Case folds for
   * ASCII letters only (prefilter.ts), so the texts have no non-ASCII capitals.
   */
  function checkAgainstIndexOf(alpha: string[], runs: number, always: string[] = []): void {
    const kw = fc.array(fc.constantFrom(...alpha), { minLength: 2, maxLength: 6 }).map((a) => a.join('').toLowerCase());
    const text = fc.array(fc.constantFrom(...alpha, 'C'), { maxLength: 300 }).map((a) => a.join(''));
    const cut = fc.tuple(fc.nat(), fc.integer({ min: 2, max: 6 }));
    fc.assert(
      fc.property(fc.uniqueArray(kw, { maxLength: 6 }), fc.array(cut, { minLength: 1, maxLength: 6 }), text, (random, cuts, t) => {
        const fromText = t.length < 2 ? [] : cuts.map(([at, n]) => t.slice(at % (t.length - 1), (at % (t.length - 1)) + n).toLowerCase()).filter((k) => k.length >= 2);
        const keywords = [...new Set([...always, ...random, ...fromText])];
        if (keywords.length === 0) return;
        // One prefilter scans another text first: its lists are reused, and must not leak into the next scan.
        const pf = new Prefilter(keywords);
        pf.scan(t.split('').reverse().join('') + t);
        const { hits, found } = pf.scan(t);
        expect(found).toEqual(keywords.map((_, i) => i).filter((i) => hits[i] !== undefined));
        const lowered = t.toLowerCase();
        keywords.forEach((k, i) => {
          const want: number[] = [];
          for (let p = lowered.indexOf(k); p !== -1; p = lowered.indexOf(k, p + 1)) want.push(p);
          expect(hits[i] ?? [], `keyword ${JSON.stringify(k)} in ${JSON.stringify(t)}`).toEqual(want);
        });
      }),
      { numRuns: runs },
    );
  }

  it('finds every case-insensitive occurrence of every keyword, and nothing else', () => {
    checkAgainstIndexOf(['a', 'b', 'c', 'A', 'B', '_', '=', 'é', '中', 'x'], 400);
  });

  it('does so too when keywords are indexed by a trigram after their first (common trigrams such as "the", "ion")', () => {
    const code = (k: string) => Uint16Array.from(k, (c) => c.charCodeAt(0));
    // The alphabet's keywords are indexed past their start: the case the first property rarely reaches.
    expect(rarestTrigram(code('then'))).toBe(1);
    expect(rarestTrigram(code('secret'))).toBe(1); // "ecr", rarer than "sec"
    expect(rarestTrigram(code('xthe'))).toBe(0);
    expect(rarestTrigram(code('中文'))).toBe(-1);
    checkAgainstIndexOf(['t', 'h', 'e', 'n', ' ', 'i', 'o', 'T', 'H', 'x', 'é'], 400, ['then', 'ethen', 'tion']);
  });

  it('reports a keyword indexed past its start at the chunk\'s first and last characters, in any case', () => {
    const pf = new Prefilter(['secret', 'then']);
    const t = 'SeCret=1 then THEN secret';
    const { hits } = pf.scan(t);
    expect(hits[0]).toEqual([0, 19]);
    expect(hits[1]).toEqual([9, 14]);
    expect(pf.scan('secre').hits[0]).toBeUndefined();
    expect(pf.scan('ecrets').hits[0]).toBeUndefined();
  });
});

describe('encoded-run search', () => {
  // The search probes one position in 16 and walks only the runs under a probe (decode.ts): every
  // payload must be found wherever the probes fall, among identifiers of any length around it.
  it('finds every base64 payload of printable text among identifiers and punctuation', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_]{1,24}$/);
    const payload = fc.string({ minLength: 12, maxLength: 60 }).map((t) => t.replace(/[^\x20-\x7e]/g, 'x'));
    const piece = fc.oneof({ weight: 3, arbitrary: word.map((w) => ({ w })) }, { weight: 1, arbitrary: payload.map((p) => ({ p })) });
    const sep = fc.constantFrom(' ', '.', '(', ');', ', ', '\n', '"', ':');
    fc.assert(
      fc.property(fc.array(fc.tuple(piece, sep), { minLength: 1, maxLength: 40 }), fc.nat({ max: 40 }), (parts, lead) => {
        let text = '.'.repeat(lead);
        const want: [number, string][] = [];
        for (const [pc, sp] of parts) {
          if ('p' in pc) {
            want.push([text.length, pc.p]);
            text += Buffer.from(pc.p).toString('base64');
          } else text += pc.w;
          text += sp;
        }
        const got = findEncodedRuns(text).map((r) => [r.start, r.text]);
        for (const w of want) expect(got, JSON.stringify(text)).toContainEqual(w);
      }),
      { numRuns: 300 },
    );
  });
});
