import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from './helpers/cli.js';

const CONFIG = `[extend]\nuseDefault = false\n[[rules]]\nid = "test-token"\nregex = '''\\b(tok_[a-z0-9]{16})\\b'''\nkeywords = ["tok_"]\n`;

function repo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-baseline-'));
  fs.writeFileSync(path.join(dir, '.spillguard.toml'), CONFIG);
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src/a.js'), 'const a = "tok_fake0000base0001";\nconst b = "tok_fake0000base0002";\n');
  fs.writeFileSync(path.join(dir, 'src/b.js'), '// nothing\nconst c = "tok_fake0000base0003";\n');
  return dir;
}

const findings = (dir: string, args: string[] = []) => {
  const r = cli(['scan', '--format', 'json', '--baseline', '.spillguard-baseline.json', ...args], { cwd: dir });
  return { code: r.code, doc: JSON.parse(r.stdout) };
};

describe('baselines', () => {
  it('create writes a reviewable file: fingerprints with rule and path, sorted, no secret, no line, no time', () => {
    const dir = repo();
    const r = cli(['baseline', 'create'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('spillguard: wrote 3 entries to .spillguard-baseline.json\n');
    const text = fs.readFileSync(path.join(dir, '.spillguard-baseline.json'), 'utf8');
    expect(text).toBe(
      '{\n  "version": 1,\n  "tool": "spillguard",\n  "entries": [\n' +
        '    {"fingerprint":"4710c8debc7763bd9f4d84c269371c85","ruleId":"test-token","path":"src/a.js"},\n' +
        '    {"fingerprint":"4c8cc62d74f499abca341e47c7a200c7","ruleId":"test-token","path":"src/a.js"},\n' +
        '    {"fingerprint":"fa38d19429e5dc292f0111e9f96bdfce","ruleId":"test-token","path":"src/b.js"}\n' +
        '  ]\n}\n',
    );
    expect(text).not.toMatch(/tok_fake/);
    // Re-creating gives the same bytes: no churn.
    cli(['baseline', 'create'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, '.spillguard-baseline.json'), 'utf8')).toBe(text);
  });

  it('created or updated in a sub-folder of a repository, warns that the hooks apply the one at the top', () => {
    const dir = repo();
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const sub = path.join(dir, 'src');
    const warning = (action: string) =>
      `spillguard: warning: staged, git and the git hooks apply ../.spillguard-baseline.json, not this folder's .spillguard-baseline.json: run spillguard baseline ${action} at the repository's top for them\n`;
    const cfg = ['--config', '../.spillguard.toml'];
    expect(cli(['baseline', 'create', ...cfg], { cwd: sub }).stderr).toBe(`${warning('create')}spillguard: wrote 3 entries to .spillguard-baseline.json\n`);
    expect(cli(['baseline', 'update', ...cfg], { cwd: sub }).stderr).toBe(`${warning('update')}spillguard: .spillguard-baseline.json: 3 entries (0 dropped, 0 added)\n`);
    // Named files are the user's choice; at the top, the default file is the hooks' own.
    expect(cli(['baseline', 'create', ...cfg, '--output', 'b.json'], { cwd: sub }).stderr).toBe('spillguard: wrote 3 entries to b.json\n');
    expect(cli(['baseline', 'create'], { cwd: dir }).stderr).toBe('spillguard: wrote 3 entries to .spillguard-baseline.json\n');
  });

  it('survives moved lines and renamed files; a new secret, even on a baselined line, is reported alone', () => {
    const dir = repo();
    cli(['baseline', 'create'], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'src/a.js'), '\n\n// moved\nconst b = "tok_fake0000base0002";\n\nconst a = "tok_fake0000base0001";\n');
    fs.renameSync(path.join(dir, 'src/b.js'), path.join(dir, 'src/renamed.js'));
    let r = findings(dir);
    expect(r.doc.findings).toEqual([]);
    expect(r.doc.summary.suppressed).toBe(3);
    expect(r.code).toBe(0);

    // The old secret on line 4 is replaced by a new one: same line, new fingerprint.
    fs.writeFileSync(path.join(dir, 'src/a.js'), '\n\n// moved\nconst b = "tok_fake0000base0009";\n\nconst a = "tok_fake0000base0001";\n');
    r = findings(dir);
    expect(r.doc.findings.map((f: Record<string, unknown>) => [f.path, f.line, f.column])).toEqual([['src/a.js', 4, 12]]);
    expect(r.code).toBe(1);
  });

  it('update drops entries no longer found; --report-unused lists unused entries and inline ignores', () => {
    const dir = repo();
    cli(['baseline', 'create'], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'src/b.js'), '// nothing\nconst c = 1; // spillguard:allow\n');
    const unused = findings(dir, ['--report-unused']).doc.unused;
    expect(unused.baseline.map((e: { path: string }) => e.path)).toEqual(['src/b.js']);
    expect(unused.inline).toEqual([{ path: 'src/b.js', line: 2, marker: 'spillguard:allow' }]);
    const text = cli(['scan', '--baseline', '.spillguard-baseline.json', '--report-unused'], { cwd: dir }).stdout;
    expect(text).toContain('unused inline ignore: src/b.js:2 (spillguard:allow)');
    expect(text).toMatch(/unused baseline entry: test-token in src\/b\.js \([0-9a-f]{32}\)/);

    const up = cli(['baseline', 'update'], { cwd: dir });
    expect(up.stderr).toBe('spillguard: .spillguard-baseline.json: 2 entries (1 dropped, 0 added)\n');
    expect(up.code).toBe(0);
    expect(findings(dir, ['--report-unused']).doc.unused.baseline).toEqual([]);
    // One entry left: "1 entry", as create says it ("1 entries" before).
    fs.writeFileSync(path.join(dir, 'src/a.js'), 'const a = "tok_fake0000base0001";\n');
    expect(cli(['baseline', 'update'], { cwd: dir }).stderr).toBe('spillguard: .spillguard-baseline.json: 1 entry (1 dropped, 0 added)\n');
  });

  it('a secret spanning lines has one fingerprint in a CRLF checkout and an LF one: a baseline from either side holds', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-baseline-crlf-'));
    const rule = `[extend]\nuseDefault = false\n[[rules]]\nid = "test-key-block"\nregex = \'\'\'-----BEGIN TEST KEY-----[a-z0-9\\r\\n]{10,400}-----END TEST KEY-----\'\'\'\nkeywords = ["-----begin test key-----"]\n`;
    fs.writeFileSync(path.join(dir, '.spillguard.toml'), rule);
    const key = ['-----BEGIN TEST KEY-----', 'fake0000line0001', 'fake0000line0002', '-----END TEST KEY-----', ''];
    fs.writeFileSync(path.join(dir, 'lf.pem'), key.join('\n'));
    fs.writeFileSync(path.join(dir, 'crlf.pem'), key.join('\r\n'));
    const r = cli(['scan', '--format', 'json'], { cwd: dir });
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: Record<string, unknown>) => [f.path, f.ruleId, f.line, f.column, f.endLine, f.endColumn])).toEqual([
      ['crlf.pem', 'test-key-block', 1, 1, 4, 23],
      ['lf.pem', 'test-key-block', 1, 1, 4, 23],
    ]);
    expect(doc.findings[0].fingerprint).toBe(doc.findings[1].fingerprint);
    // A baseline made on the LF side (a Linux CI, or git's blob) suppresses the CRLF checkout.
    fs.renameSync(path.join(dir, 'crlf.pem'), path.join(dir, 'crlf.keep'));
    expect(cli(['baseline', 'create'], { cwd: dir }).code).toBe(0);
    fs.renameSync(path.join(dir, 'crlf.keep'), path.join(dir, 'crlf.pem'));
    fs.rmSync(path.join(dir, 'lf.pem'));
    const after = findings(dir);
    expect(after.doc.findings).toEqual([]);
    expect(after.doc.summary.suppressed).toBe(1);
    expect(after.code).toBe(0);
  });

  it('a malformed baseline is an error naming the file', () => {
    const dir = repo();
    fs.writeFileSync(path.join(dir, '.spillguard-baseline.json'), '{"version": 1, "entries": [{"fingerprint": "nope"}]}');
    const r = cli(['scan', '--baseline', '.spillguard-baseline.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('spillguard: error: .spillguard-baseline.json: field "entries[0].fingerprint": entries[0]: "fingerprint" must be 32 hex characters\n');
    // A merge conflict left in the committed file: the line is named, the text is not quoted.
    const ok = '    {"fingerprint":"4710c8debc7763bd9f4d84c269371c85","ruleId":"test-token","path":"src/a.js"}';
    fs.writeFileSync(path.join(dir, '.spillguard-baseline.json'), `{\n  "version": 1,\n  "entries": [\n<<<<<<< HEAD\n${ok}\n=======\n  ]\n}\n`);
    const conflict = "unresolved merge conflict (<<<<<<<): keep both sides' entries, or re-create it with `spillguard baseline create`";
    for (const args of [['scan', '--baseline', '.spillguard-baseline.json'], ['ci'], ['baseline', 'update']]) {
      const c = cli(args, { cwd: dir, env: { CI: '', GITHUB_ACTIONS: '', GITLAB_CI: '' } });
      // ci applies the repository's baseline without a flag: it is named in full, and as such.
      const said = args[0] === 'ci'
        ? `spillguard: error: ${path.join(fs.realpathSync(dir), '.spillguard-baseline.json')}:4: ${conflict} (the repository's baseline, applied by default)`
        : `spillguard: error: .spillguard-baseline.json:4: flag --baseline: ${conflict}`;
      expect([c.code, c.stderr.split('\n').filter((l) => l.includes('error'))]).toEqual([2, [said]]);
    }
    // Other invalid JSON: the line where V8 says it stopped.
    fs.writeFileSync(path.join(dir, '.spillguard-baseline.json'), `{\n  "version": 1,\n  "entries": [\n${ok}\n${ok}\n  ]\n}\n`);
    expect(cli(['scan', '--baseline', '.spillguard-baseline.json'], { cwd: dir }).stderr).toBe(
      'spillguard: error: .spillguard-baseline.json:5: flag --baseline: not valid JSON: malformed JSON\n',
    );
  });
});
