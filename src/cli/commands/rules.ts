import path from 'node:path';
import type { Argv } from 'yargs';
import { BUILTIN_RULES_DIR, loadPacks, loadRules } from '../../config/rules.js';
import { checkExamples } from '../../engine/examples.js';
import { SpillguardError } from '../../errors.js';
import { kindsOf } from '../common.js';

interface RulesArgs {
  action: 'list' | 'test';
  pack?: string;
  config?: string;
  kind?: 'secret' | 'pii' | 'all';
  format: 'text' | 'json';
}

export const rulesCommand = {
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['list', 'test'] as const, describe: 'list: rules in force; test: run a pack\'s examples' })
      .positional('pack', { type: 'string', describe: 'test: a .toml pack or a folder of packs (default: the built-in packs)' })
      .option('config', { alias: 'c', type: 'string', describe: 'list: config file to apply' })
      .option('kind', { choices: ['secret', 'pii', 'all'] as const, describe: 'list: which kinds (default: all)' })
      .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const }),
  run: async (argv: RulesArgs): Promise<number> => {
    if (argv.action === 'list') {
      const { rules } = loadRules({ config: argv.config, root: process.cwd(), kinds: kindsOf(argv.kind, 'all') });
      if (argv.format === 'json') {
        process.stdout.write(JSON.stringify(rules.map((r) => ({ id: r.id, kind: r.kind, severity: r.severity, confidence: r.confidence, keywords: r.keywords, validator: r.validate ?? null, description: r.description })), null, 2) + '\n');
        return 0;
      }
      const rows = rules.map((r) => [r.id, r.kind, r.severity, r.confidence, r.keywords.join(',') || '(none)', r.validate ?? '-']);
      const head = ['ID', 'KIND', 'SEVERITY', 'CONFIDENCE', 'KEYWORDS', 'VALIDATOR'];
      const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i].length))));
      const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
      process.stdout.write([fmt(head), ...rows.map(fmt)].join('\n') + `\n${count(rules.length, 'rule')}\n`);
      return 0;
    }
    const target = argv.pack ? path.resolve(argv.pack) : BUILTIN_RULES_DIR;
    let packs;
    try {
      packs = loadPacks(target, true);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SpillguardError('usage', 'no such pack file or folder', { file: argv.pack });
      throw e;
    }
    const failures = checkExamples(packs.rules);
    const examples = packs.rules.reduce((n, r) => n + r.examples.match.length + r.examples.noMatch.length, 0);
    for (const f of failures) process.stdout.write(`FAIL ${path.relative(process.cwd(), f.file) || f.file}: rule "${f.rule}": ${f.field} ${f.message}\n`);
    process.stdout.write(`${count(packs.rules.length, 'rule')}, ${examples} examples: ${examples - failures.length} passed, ${failures.length} failed\n`);
    return failures.length ? 1 : 0;
  },
};

/** "1 rule", "2 rules": a one-rule pack, the common case when writing one, read "1 rules". (Every rule has at least two examples.) */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
