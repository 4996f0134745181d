import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/config/rules.js';
import type { Confidence, Kind, RuleSet } from '../src/engine/types.js';
import { createEngine } from '../src/engine/engine.js';
import { scanText } from '../src/scan/index.js';
import { createRedactor, redactStream, redactText } from '../src/redact/api.js';
import { redactCorpus, type CorpusOptions } from '../src/redact/corpus.js';
import { parseRedactConfig, type RedactConfig } from '../src/redact/config.js';
import type { Redactor } from '../src/redact/session.js';

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

  it('an operators key that is neither a kind nor a rule id (a typo) is named, not ignored with the value left under the default operator', () => {
    expect(() => redactText('mail ann@example.com', { rules, operators: { emial: 'mask' } as Record<string, 'mask'> })).toThrow(
      new TypeError('redact: operators.emial: "emial" is neither a kind (secret, pii, injection) nor the id of a rule in the rule set'),
    );
    expect(() => createRedactor({ rules, operators: { 'pii-emial': 'keep' } })).toThrow(
      new TypeError('redact: operators.pii-emial: "pii-emial" is neither a kind (secret, pii, injection) nor the id of a rule in the rule set'),
    );
    // A rule outside the rule set passed is not one the redactor can run.
    const secrets = { rules: rules.rules.filter((r) => r.kind === 'secret'), allowlist: rules.allowlist };
    expect(() => createRedactor({ rules: secrets, operators: { 'pii-email': 'mask' } })).toThrow(/operators\.pii-email: "pii-email" is neither a kind/);
    expect(redactText('mail ann@example.com', { rules, operators: { 'pii-email': 'mask' } }).text).toBe('mail ***************');
    expect(redactText('mail ann@example.com', { rules, operators: { pii: 'keep' } }).text).toBe('mail ann@example.com');
  });

  it('operators that is not an object is named, not read as no overrides (5) or letter by letter (a string)', () => {
    for (const [value, got] of [[5, '5'], ['mask', '"mask"'], [null, 'null'], [['mask'], '["mask"]']] as const)
      expect(() => createRedactor({ rules, operators: value as unknown as Record<string, 'mask'> })).toThrow(
        new TypeError(`redact: operators must be an object of kind or rule id → operator, e.g. { pii: 'mask' } (got ${got})`),
      );
  });

  it('redactor must come from createRedactor, and the options it was compiled from are not given beside it (they changed nothing)', () => {
    const redactor = createRedactor({ rules, kinds: ['secret'] });
    expect(() => redactText('mail ann@example.com', { redactor: { rules } as unknown as Redactor })).toThrow(
      new TypeError('redactText: redactor must be what createRedactor() returns (got an object with rules)'),
    );
    expect(() => redactStream({ redactor: 'x' as unknown as Redactor })).toThrow(new TypeError('redactStream: redactor must be what createRedactor() returns (got string)'));
    expect(() => redactText('mail ann@example.com', { redactor, kinds: ['pii'] })).toThrow(new TypeError('redactText: kinds cannot be combined with redactor: pass it to createRedactor()'));
    expect(() => redactStream({ redactor, operators: { pii: 'mask' } })).toThrow(new TypeError('redactStream: operators cannot be combined with redactor: pass it to createRedactor()'));
    expect(redactText('mail ann@example.com', { redactor, format: 'md', path: 'a.md' }).text).toBe('mail ann@example.com');
  });

  it('config that is not a [redact] table (a config file path, as loadRules takes) is named, not a failure on the first finding', () => {
    expect(() => redactText('mail ann@example.com', { rules, config: '.spillguard.toml' as unknown as RedactConfig })).toThrow(
      new TypeError('redact: config must be a [redact] table as loadRedactConfig() or parseRedactConfig() returns (got string)'),
    );
    expect(() => createRedactor({ rules, config: { rules: {} } as unknown as RedactConfig })).toThrow(
      new TypeError('redact: config must be a [redact] table as loadRedactConfig() or parseRedactConfig() returns (got an object with rules)'),
    );
    const config = parseRedactConfig('[redact.kinds]\npii = "mask"\n', 'x.toml');
    expect(redactText('mail ann@example.com', { rules, config }).text).toBe('mail ***************');
  });

  it('a key that is short, empty or not bytes is refused as the CLI refuses it: pseudonyms under it could be reversed', () => {
    expect(() => createRedactor({ rules, key: '' })).toThrow(new RangeError('redact: key must be at least 16 bytes long (got 0)'));
    expect(() => redactText('mail ann@example.com', { rules, key: 'abc' })).toThrow(new RangeError('redact: key must be at least 16 bytes long (got 3)'));
    expect(() => createRedactor({ rules, key: Buffer.alloc(15, 1) })).toThrow(RangeError);
    expect(() => createRedactor({ rules, key: 12345 as unknown as string })).toThrow(new TypeError('redact: key must be a string or a Buffer (got number)'));
    expect(redactText('mail ann@example.com', { rules, key: 'k'.repeat(16) }).text).toMatch(/^mail <EMAIL_[0-9a-f]{6}>$/);
  });

  it('rules that are not a rule set (the array loadRules().rules, a set without its allowlist) are named, in every entry point', () => {
    expect(() => createRedactor({ rules: rules.rules as unknown as RuleSet })).toThrow(
      new TypeError('redact: rules must be a rule set { rules, allowlist } as loadRules() returns (got an array)'),
    );
    expect(() => redactText('x', { rules: { rules: [] } as unknown as RuleSet })).toThrow(
      new TypeError('redact: rules must be a rule set { rules, allowlist } as loadRules() returns (got an object with rules)'),
    );
    expect(() => scanText('x', { rules: null as unknown as RuleSet })).toThrow(new TypeError('scan: rules must be a rule set { rules, allowlist } as loadRules() returns (got null)'));
    expect(() => createEngine(rules.rules as unknown as RuleSet)).toThrow(new TypeError('createEngine: rules must be a rule set { rules, allowlist } as loadRules() returns (got an array)'));
    expect(scanText('x', { rules: { rules: [], allowlist: rules.allowlist } }).findings).toEqual([]);
  });

  it('a format the entry point does not handle is named, not read as another', () => {
    expect(() => redactStream({ rules, format: 'csv' as 'text' })).toThrow(new TypeError('redactStream: format must be text or jsonl (got "csv")'));
    expect(() => redactText('x', { rules, format: 'toString' as 'txt' })).toThrow(new TypeError('redactText: unsupported format "toString"'));
    expect(() => redactText('x', { rules, format: 'pdf' as 'txt' })).toThrow(new TypeError('redactText: unsupported format "pdf"'));
  });

  it('redactCorpus names a missing option instead of failing inside node:path', async () => {
    const base = { paths: ['in'], cwd: '/nonexistent-spillguard-qa', outDir: 'out', redactor: { rules } } as CorpusOptions;
    await expect(redactCorpus({ paths: ['in'] } as CorpusOptions)).rejects.toThrow(new TypeError('redactCorpus: cwd must be a path (got undefined)'));
    await expect(redactCorpus({ ...base, outDir: undefined } as unknown as CorpusOptions)).rejects.toThrow(new TypeError('redactCorpus: outDir must be a path (got undefined)'));
    await expect(redactCorpus({ ...base, paths: 'in' } as unknown as CorpusOptions)).rejects.toThrow(new TypeError('redactCorpus: paths must be a list of files and folders (got "in")'));
    await expect(redactCorpus({ ...base, redactor: undefined } as unknown as CorpusOptions)).rejects.toThrow(
      new TypeError('redactCorpus: redactor must be an object of redactor options ({ rules, key, … }) (got undefined)'),
    );
  });

  it('valid options still redact', () => {
    expect(redactText('mail ann@example.com', { rules, minConfidence: 'low', kinds: ['pii'] }).text).toBe('mail [EMAIL]');
  });
});

describe('library: redactStream in stream.pipeline (docs/redact.md)', () => {
  const redactor = createRedactor({ rules });
  /** A sink that takes one chunk per turn of the event loop, recording what the transform held meanwhile. */
  const slowSink = (t: NodeJS.ReadableStream & NodeJS.WritableStream & { readableLength: number; writableLength: number }) => {
    const out = { text: '', held: 0 };
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk, _enc, cb) {
        out.text += chunk;
        out.held = Math.max(out.held, t.readableLength + t.writableLength);
        setImmediate(cb);
      },
    });
    return { sink, out };
  };

  it('redacts 5,000 lines and records under backpressure from a slow reader, holding only a bounded amount', async () => {
    for (const format of ['text', 'jsonl'] as const) {
      const line = (i: number) => (format === 'jsonl' ? `${JSON.stringify({ i, text: `mail user${i}@example.com` })}\n` : `line ${i} mail user${i}@example.com\n`);
      const t = redactStream({ redactor, format });
      const { sink, out } = slowSink(t);
      await pipeline(Readable.from((function* () { for (let i = 0; i < 5_000; i++) yield line(i); })()), t, sink);
      const lines = out.text.split('\n');
      expect(lines.length).toBe(5_001);
      expect(lines[4_999]).toBe(format === 'jsonl' ? '{"i":4999,"text":"mail [EMAIL]"}' : 'line 4999 mail [EMAIL]');
      expect(out.text).not.toContain('@example.com');
      // Two highWaterMarks' worth (16 KiB each side) plus a line, not the 150 KB input.
      expect(out.held).toBeLessThan(64 * 1024);
    }
  });

  it("rejects the pipeline with the source's or the sink's error", async () => {
    const failing = Readable.from((async function* () { yield 'mail ann@example.com\n'; throw new Error('source broke'); })());
    await expect(pipeline(failing, redactStream({ redactor }), new Writable({ write: (_c, _e, cb) => cb() }))).rejects.toThrow('source broke');
    const sink = new Writable({ write: (_c, _e, cb) => cb(new Error('sink broke')) });
    await expect(pipeline(Readable.from(['mail ann@example.com\n']), redactStream({ redactor }), sink)).rejects.toThrow('sink broke');
  });

  it('works as the document transformer of a loader chain (docs/redact.md), metadata kept and records stored beside it', async () => {
    type Doc = { pageContent: string; metadata: Record<string, unknown> };
    const loaded: Doc[] = [
      { pageContent: 'write to ann@example.com', metadata: { source: 'corpus/a.txt', tenant: 't1' } },
      { pageContent: 'nothing here', metadata: { source: 'corpus/b.md', tenant: 't2' } },
    ];
    const keyed = createRedactor({ rules, key: 'spillguard-test-key-0001' });
    const redactDocuments = async (docs: Doc[]) =>
      docs.map((doc) => {
        const r = redactText(doc.pageContent, { redactor: keyed, path: doc.metadata.source as string });
        return { ...doc, pageContent: r.text, metadata: { ...doc.metadata, redactions: r.redactions } };
      });
    const store: Doc[] = []; // stands in for a vector store's addDocuments
    store.push(...(await redactDocuments(loaded)));
    expect(store.map((d) => [d.pageContent, d.metadata.tenant, (d.metadata.redactions as { rule: string }[]).map((r) => r.rule)])).toEqual([
      ['write to <EMAIL_d40ad8>', 't1', ['pii-email']],
      ['nothing here', 't2', []],
    ]);
    expect(JSON.stringify(store)).not.toContain('ann@');
  });
});
