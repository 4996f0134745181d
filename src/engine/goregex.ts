/**
 * gitleaks rules are written for Go's RE2. Translate the RE2-only syntax they use to a JavaScript
 * pattern plus flags. Inline modifiers such as `(?i)` have no JS equivalent in Node 20 when they
 * appear mid-pattern, so they widen to the whole regex: a slightly broader match, never a missed one.
 */
const POSIX: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\\x00-\\x7F',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\r\\n\\v\\f',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};

export function translateGoRegex(pattern: string, flags = ''): { source: string; flags: string } {
  const flagSet = new Set(flags.split('').filter(Boolean));
  let src = pattern;
  // \Q...\E quotes a literal run.
  src = src.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  // Inline flag groups: (?i) (?is) (?-i) and scoped (?i:...)
  src = src.replace(/\(\?([imsU]*)(?:-([imsU]*))?(\)|:)/g, (_m, on: string, _off: string, end: string) => {
    for (const f of on) if (f === 'i' || f === 's' || f === 'm') flagSet.add(f);
    return end === ':' ? '(?:' : '';
  });
  src = src.replace(/\(\?P</g, '(?<');
  src = src.replace(/\\z/g, '$').replace(/\\A/g, '^');
  src = src.replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
    const cls = POSIX[name];
    if (!cls) return m;
    return neg ? `^${cls}` : cls; // only meaningful inside a bracket expression, which is where RE2 allows it
  });
  return { source: src, flags: [...flagSet].sort().join('') };
}
