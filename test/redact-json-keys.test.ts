import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const KEY = { SPILLGUARD_KEY: 'spillguard-test-key-0001' };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sg-redact-keys-'));

describe('JSON keys hiding a value behind escapes are verified decoded', () => {
  it('a .json key "a\\u0040example.com" is a leftover: not written, exit 1, reported without the value', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in/key.json'), '{"a\\u0040example.com": 1, "t": "x"}');
    fs.writeFileSync(path.join(dir, 'in/plain.json'), '{"caf\\u00e9": 1, "t": "x"}');
    const r = cli(['redact', 'in', '--out', 'out', '--manifest', 'm.jsonl', '--quiet'], { cwd: dir, env: KEY });
    expect(r.stderr).toBe('spillguard: leftover: in/key.json: verification found 1 finding(s) left in the output; not written\n');
    expect(r.code).toBe(1);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['plain.json']);
    const m = fs.readFileSync(path.join(dir, 'm.jsonl'), 'utf8');
    expect(m).not.toContain('a@example.com');
    const e = m.trim().split('\n').map((l) => JSON.parse(l));
    expect(e.map((x) => [x.input, x.status])).toEqual([['in/key.json', 'leftover'], ['in/plain.json', 'ok']]);
    expect(e[0].leftovers.map((l: { rule: string }) => l.rule)).toEqual(['pii-email']);
  });

  it('--stdin JSONL: a record whose escaped key holds an address is withheld, exit 1', () => {
    const input = '{"id":1,"m":{"a\\u0040example.com":true},"t":"x"}\n{"id":2,"m":{"\\u00e9t\\u00e9":true},"t":"b@example.com"}\n';
    const r = cli(['redact', '--stdin'], { input, env: KEY });
    expect(r.stdout).toBe('{"id":2,"m":{"\\u00e9t\\u00e9":true},"t":"<EMAIL_534370>"}\n');
    expect(r.stderr).toBe(
      'spillguard: <stdin>:1: record withheld: verification still found pii-email after redaction\n' +
        'spillguard redact: 1 records written, 0 dropped, 1 withheld, 0 not JSON; redactions: EMAIL 1\n',
    );
    expect(r.code).toBe(1);
  });
});

describe('--field: keys of an object chosen whole are verified', () => {
  const record = '{"id":1,"meta":{"bob@example.org":"x","n":"call jane@example.org"}}\n';
  it('a .jsonl key holding an address under --field /meta is a leftover: not written, exit 1', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in/k.jsonl'), record);
    const r = cli(['redact', 'in', '--out', 'out', '--field', '/meta', '--quiet'], { cwd: dir, env: KEY });
    expect(r.stderr).toBe('spillguard: leftover: in/k.jsonl: verification found 1 finding(s) left in the output; not written\n');
    expect(r.code).toBe(1);
    expect(fs.existsSync(path.join(dir, 'out/k.jsonl'))).toBe(false);
  });

  it('--stdin: the record is withheld under --field /meta; under --field /meta/n the key is not chosen and passes', () => {
    const whole = cli(['redact', '--stdin', '--field', '/meta'], { input: record, env: KEY });
    expect(whole.stdout).toBe('');
    expect(whole.stderr).toBe(
      'spillguard: <stdin>:1: record withheld: verification still found pii-email after redaction\n' +
        'spillguard redact: 0 records written, 0 dropped, 1 withheld, 0 not JSON\n',
    );
    expect(whole.code).toBe(1);
    // The key naming a chosen field is the user's own choice, not data.
    const one = cli(['redact', '--stdin', '--field', '/meta/n'], { input: record, env: KEY });
    expect(one.stdout).toBe('{"id":1,"meta":{"bob@example.org":"x","n":"call <EMAIL_2046a4>"}}\n');
    expect(one.code).toBe(0);
  });
});

describe('HTML script strings hiding a value behind JS escapes are read decoded', () => {
  it('"eve\\u0040example.com" in a <script> is replaced where its escapes spell it; a script that only escapes other text passes', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in/leak.html'), '<p>hi</p><script>var e = "eve\\u0040example.com";</script>\n');
    fs.writeFileSync(path.join(dir, 'in/fine.html'), '<p>mail bob@example.com</p><script>var s = "caf\\u00e9\\n";</script>\n');
    const r = cli(['redact', 'in', '--out', 'out', '--quiet'], { cwd: dir, env: KEY });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(dir, 'out/leak.html'), 'utf8')).toBe('<p>hi</p><script>var e = "<EMAIL_f21a50>";</script>\n');
    expect(fs.readFileSync(path.join(dir, 'out/fine.html'), 'utf8')).toBe('<p>mail &lt;EMAIL_9b8bf9&gt;</p><script>var s = "caf\\u00e9\\n";</script>\n');
  });
});
