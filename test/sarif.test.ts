import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import { pathToFileURL } from 'node:url';
import { cli, REPO } from './helpers/cli.js';
import { TOK_RULE } from './helpers/rules.js';
import { zip } from './helpers/archives.js';

const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'fixtures/schemas/sarif-schema-2.1.0.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const MULTITOOL = path.join(REPO, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');

/** A repository with history and a staged change, so the git modes' SARIF is checked too. */
function gitRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-sarif-git-'));
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir });
  git('init', '-q');
  git('config', 'user.email', 'dev@example.invalid');
  git('config', 'user.name', 'Dev');
  fs.cpSync(path.join(REPO, 'fixtures/scan/basic/input/.spillguard.toml'), path.join(dir, '.spillguard.toml'));
  fs.writeFileSync(path.join(dir, 'a.js'), 'const t = "tok_fake0000hist0001";\n');
  git('add', '.');
  git('commit', '-qm', 'first');
  fs.writeFileSync(path.join(dir, 'b.js'), '// staged\nconst u = "tok_fake0000stag0001";\n');
  git('add', 'b.js');
  return dir;
}
const GIT = gitRepo();

/** Names a URI must escape (`#`, `?`), and a scan of a path outside the working directory. */
function oddTree(): { names: string; inside: string; zip: string } {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-sarif-odd-'));
  const config = `[extend]\nuseDefault = false\n${TOK_RULE}`;
  for (const dir of ['names', 'in', 'out', 'zip']) fs.mkdirSync(path.join(d, dir));
  fs.writeFileSync(path.join(d, 'zip/.spillguard.toml'), config);
  fs.writeFileSync(path.join(d, 'zip/m.zip'), zip([{ name: 'pkg/b.txt', data: '\n  k = tok_fake0000fake0003\n' }]));
  fs.writeFileSync(path.join(d, 'names/.spillguard.toml'), config);
  fs.writeFileSync(path.join(d, 'in/.spillguard.toml'), config);
  for (const n of ['hash#x.txt', 'q?x.txt', 'sp ace%.txt']) fs.writeFileSync(path.join(d, 'names', n), 'k = tok_fake0000fake0001\n');
  fs.writeFileSync(path.join(d, 'out/a.txt'), 'k = tok_fake0000fake0002\n');
  return { names: path.join(d, 'names'), inside: path.join(d, 'in'), zip: path.join(d, 'zip') };
}
const ODD = oddTree();

/** Every source that emits SARIF: files, staged, history, and the CI command. */
export const SARIF_CASES: { name: string; cwd: string; args: string[] }[] = [
  { name: 'scan basic', cwd: path.join(REPO, 'fixtures/scan/basic/input'), args: ['scan', '--max-file-size', '1KB'] },
  { name: 'scan empty result', cwd: path.join(REPO, 'fixtures/scan/basic/input'), args: ['scan', 'docs'] },
  { name: 'staged', cwd: GIT, args: ['staged'] },
  { name: 'git history', cwd: GIT, args: ['git'] },
  { name: 'names with # ? % and a space', cwd: ODD.names, args: ['scan'] },
  { name: 'a path outside the working directory', cwd: ODD.inside, args: ['scan', '../out/a.txt'] },
  { name: 'an archive member', cwd: ODD.zip, args: ['scan'] },
];

function sarifOf(c: (typeof SARIF_CASES)[number]): string {
  const r = cli([...c.args, '--format', 'sarif'], { cwd: c.cwd });
  expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
  return r.stdout;
}

describe('SARIF output', () => {
  for (const c of SARIF_CASES) {
    it(`${c.name}: validates against the official SARIF 2.1.0 schema`, () => {
      const doc = JSON.parse(sarifOf(c));
      const ok = validate(doc);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });

    it(`${c.name}: zero errors and warnings from sarif-multitool --rule-kind "Gh;Sarif"`, () => {
      // npm 11 does not run the package's chmod install script unless approved.
      fs.chmodSync(MULTITOOL, 0o755);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-sarif-')), 'out.sarif');
      fs.writeFileSync(file, sarifOf(c));
      const log = `${file}.validation.sarif`;
      const r = spawnSync(MULTITOOL, ['validate', '--rule-kind', 'Gh;Sarif', '--output', log, file], {
        encoding: 'utf8',
        env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const results = JSON.parse(fs.readFileSync(log, 'utf8')).runs[0].results ?? [];
      const problems = results
        .filter((x: { level?: string }) => x.level === 'error' || x.level === 'warning')
        .map((x: { ruleId: string; message: { text?: string; arguments?: string[] } }) => `${x.ruleId}: ${x.message.text ?? x.message.arguments?.join(' ')}`);
      expect(problems).toEqual([]);
    });
  }

  it('URIs are references that keep the whole path: # and ? escaped; outside the root, an absolute file URI', () => {
    const uris = (c: (typeof SARIF_CASES)[number]) =>
      JSON.parse(sarifOf(c)).runs[0].results.map((r: { locations: { physicalLocation: { artifactLocation: unknown } }[] }) => r.locations[0].physicalLocation.artifactLocation);
    expect(uris(SARIF_CASES[4])).toEqual([
      { uri: 'hash%23x.txt', uriBaseId: '%SRCROOT%' },
      { uri: 'q%3Fx.txt', uriBaseId: '%SRCROOT%' },
      { uri: 'sp%20ace%25.txt', uriBaseId: '%SRCROOT%' },
    ]);
    expect(uris(SARIF_CASES[5])).toEqual([{ uri: pathToFileURL(path.join(ODD.inside, '../out/a.txt')).href }]);
  });

  it("an archive member's finding stands on the archive, without the member's lines as a region; the message says where", () => {
    const [r] = JSON.parse(sarifOf(SARIF_CASES[6])).runs[0].results;
    expect(r.locations).toEqual([{ physicalLocation: { artifactLocation: { uri: 'm.zip', uriBaseId: '%SRCROOT%' } } }]);
    expect(r.message.text).toBe('Test token found: tok_***** (in pkg/b.txt, line 2, column 7)');
    expect(r.properties.member).toBe('pkg/b.txt');
  });

  it('--category is automationDetails.id with one trailing slash, as github/codeql-action writes it', () => {
    const id = (cat?: string) =>
      JSON.parse(cli(['scan', 'docs', '--format', 'sarif', ...(cat === undefined ? [] : ['--category', cat])], { cwd: SARIF_CASES[1].cwd }).stdout).runs[0]
        .automationDetails.id;
    expect(id()).toBe('spillguard/');
    expect(id('secrets')).toBe('secrets/');
    expect(id('secrets/')).toBe('secrets/');
    expect(id('lang:js/secrets')).toBe('lang:js/secrets/');
  });

  it('never holds a snippet or the raw secret', () => {
    const out = sarifOf(SARIF_CASES[0]);
    expect(out).not.toContain('"snippet"');
    expect(out).not.toContain('tok_fake0000fake0001');
    expect(out).not.toContain('Fake-Pass-1234');
  });
});
