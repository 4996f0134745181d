import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { defaultArgv } from '../src/cli/main.js';
import { scanCommand } from '../src/cli/commands/scan.js';
import { stagedCommand } from '../src/cli/commands/staged.js';
import { BIN, cli, REPO } from './helpers/cli.js';
import { cleanup, gitEnv, Repo, spillguard, tmpdir } from './helpers/gitrepo.js';

afterAll(cleanup);

/** Every command, the usage line its help starts with, and a flag only it has. */
const COMMANDS: Array<[name: string, usage: string, flag: string]> = [
  ['scan', 'spillguard scan [paths..]', '--max-archive-depth'],
  ['rules', 'spillguard rules <action> [pack]', 'test: a .toml pack or a folder of packs'],
  ['staged', 'spillguard staged', '--max-file-size'],
  ['git', 'spillguard git [revs..]', '--since'],
  ['hook', 'spillguard hook <action> [remote] [url]', '--force'],
  ['baseline', 'spillguard baseline <action> [paths..]', '--add-new'],
  ['ci', 'spillguard ci', '--annotations'],
  ['redact', 'spillguard redact [paths..]', '--manifest'],
  ['run', 'spillguard run [command..]', '--report'],
];

describe('spillguard --help', () => {
  it.each([['--help'], ['-h']])('%s alone lists every command, not the default command\'s flags', (flag) => {
    const r = cli([flag]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('spillguard');
    expect(r.stdout).toMatch(/^spillguard <command> \[options\]\n/);
    for (const [, usage] of COMMANDS) expect(r.stdout).toContain(`  ${usage} `);
    // scan's flags are `spillguard scan --help`'s business.
    expect(r.stdout).not.toContain('--max-file-size');
    expect(r.stdout).not.toContain('Positionals:');
    expect(r.stdout).toContain('`spillguard [paths..]` is `spillguard scan [paths..]`');
    expect(r.stdout).toContain('--version');
  });

  // Each command's module is loaded only when it runs: its help must still show all its flags.
  it.each(COMMANDS)('%s --help shows the command\'s own usage and flags', (name, usage, flag) => {
    const r = cli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('spillguard');
    expect(r.stdout.startsWith(`${usage}\n`)).toBe(true);
    expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('--help');
  });

  it('help text wraps between words, never inside one', () => {
    // (Help goes to a pipe here, so it is laid out at 100 columns.)
    expect(cli(['staged', '--help']).stdout.split('\n').slice(0, 4)).toEqual([
      'spillguard staged',
      '',
      'Scan what the next commit will contain (the index, not the working tree); report only added or',
      'changed lines',
    ]);
    const flat = (args: string[]) => cli(args).stdout.replace(/\s+/g, ' ');
    expect(flat(['--help'])).toContain('Scan what the next commit will contain (the index, not the working tree); report only added or changed lines');
    expect(flat(['scan', '--help'])).toContain('Uncompressed bytes per archive, nested ones included; larger ones are skipped');
    expect(flat(['redact', '--help'])).toContain('failed and left-over documents are still listed');
  });

  it.each(['scan', 'staged', 'git', 'hook', 'ci', 'baseline'])('%s --help gives --max-file-size\'s default as the docs do: 50MB', (name) => {
    const lines = cli([name, '--help']).stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('--max-file-size'));
    // (The defaults may go to the next line.)
    expect(lines.slice(at, at + 2).join(' ')).toMatch(/\[string\] \[default: "50MB"\]$/);
  });

  it('scan stays the default command: paths without a command are scanned, and their --help is scan\'s', () => {
    const help = cli(['.', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^spillguard \[paths\.\.\]\n/);
    expect(help.stdout).toContain('--max-archive-depth');
    const root = tmpdir('sg-default-');
    fs.writeFileSync(path.join(root, 'a.txt'), 'nothing to see\n');
    const r = cli(['a.txt', 'missing.txt'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('error: missing.txt: no such file or directory');
  });

  it('a usage error in a lazily loaded command still exits 2 with the usual message', () => {
    const r = cli(['staged', '--bogus-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spillguard: Unknown argument: --bogus-flag\n\nRun `spillguard --help` for usage.\n');
    const bad = cli(['rules', 'frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^spillguard: Invalid values:/);
  });
});

describe('start-up of spillguard staged', () => {
  it('`staged` alone (the hook\'s command line) runs on exactly the arguments yargs would give it', async () => {
    let parsed: unknown;
    await yargs(['staged'])
      .scriptName('spillguard')
      .command({ command: 'staged', describe: '', builder: stagedCommand.builder, handler: (a) => void (parsed = a) })
      .strict()
      .exitProcess(false)
      .parseAsync();
    expect(parsed).toBeDefined();
    expect(defaultArgv('staged', stagedCommand.builder)).toEqual(parsed);
    // A builder that declares positionals is left to yargs.
    expect(defaultArgv('scan', scanCommand.builder)).toBeUndefined();
  });

  it('`staged` alone and `staged` with flags that change nothing report the same', async () => {
    const r = Repo.init();
    r.write('a.txt', 'one\n');
    r.commitAll('one');
    // A fake AWS key id (AKIA + 16 base-32 characters), the shape the built-in pack looks for.
    r.write('a.txt', 'one\nAWS_ACCESS_KEY_ID=AKIAQQQQQQQQQQQQQQQQ\n');
    r.git('add', 'a.txt');
    const alone = await spillguard(['staged'], r.dir);
    const parsed = await spillguard(['staged', '--format', 'text', '--min-confidence', 'low'], r.dir);
    expect(alone.code).toBe(1);
    expect(alone.stdout).toContain('a.txt:2:');
    expect(alone).toEqual(parsed);
  });

  it('loads only what a pre-commit scan needs', () => {
    const r = Repo.init();
    r.write('a.txt', 'one\n');
    r.commitAll('one');
    r.write('a.txt', 'one\ntwo\n');
    r.git('add', 'a.txt');
    const log = path.join(tmpdir('sg-modlog-'), 'modules.txt');
    const res = spawnSync(process.execPath, ['--import', path.join(REPO, 'test/helpers/module-log.mjs'), BIN, 'staged'], {
      cwd: r.dir,
      env: { ...gitEnv(), SPILLGUARD_MODULE_LOG: log },
      encoding: 'utf8',
    });
    expect(res.stderr).not.toContain('spillguard');
    expect(res.status).toBe(0);
    const loaded = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => path.relative(REPO, new URL(u).pathname).split(path.sep).join('/'));
    expect(loaded).toContain('dist/git/staged.js');
    const unwanted = loaded.filter(
      (m) =>
        // other commands and what only they use
        (m.startsWith('dist/cli/commands/') && m !== 'dist/cli/commands/staged.js') ||
        /^dist\/(scan|redact)\//.test(m) ||
        /^dist\/sources\/(files|archive|sourcemap)\.js$/.test(m) ||
        /^dist\/git\/(history|hooks)\.js$/.test(m) ||
        // reporters other than the one printed (text)
        /^dist\/reporters\/(json|sarif|junit|gitlab|annotations)\.js$/.test(m) ||
        // no TOML to parse: no config file, and the built-in packs come from dist/rules.json
        m.includes('node_modules/smol-toml/') ||
        /node_modules\/(fast-glob|mammoth|unpdf|libphonenumber-js|simple-git)\//.test(m),
    );
    expect(unwanted).toEqual([]);
  });
});
