/**
 * Every error a user can cause is a SpillguardError: it carries the context needed to act on it
 * (file, line, rule id, field, flag) and is rendered in one place, the CLI, with exit code 2.
 * Messages never include matched text: a rule or config error names where, not what was found.
 */
export interface ErrorContext {
  file?: string;
  line?: number;
  rule?: string;
  field?: string;
  flag?: string;
}

export type ErrorCode = 'config' | 'rule' | 'usage' | 'io' | 'git' | 'input';

export class SpillguardError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message);
    this.name = 'SpillguardError';
    this.code = code;
    this.context = context;
  }

  /** One line for people: `file:line: rule "id": field "x": message`. */
  render(): string {
    const c = this.context;
    const where: string[] = [];
    if (c.file) where.push(c.line ? `${c.file}:${c.line}` : c.file);
    if (c.rule) where.push(`rule "${c.rule}"`);
    if (c.field) where.push(`field "${c.field}"`);
    if (c.flag) where.push(`flag --${c.flag}`);
    return where.length ? `${where.join(': ')}: ${this.message}` : this.message;
  }
}

export function isSpillguardError(e: unknown): e is SpillguardError {
  return e instanceof SpillguardError;
}

/** Node's fs errors, turned into a reason a person can read ("permission denied"), without a stack. */
export function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EMFILE':
      return 'too many open files';
    default:
      return err?.message ? String(err.message).replace(/^[A-Z]+: /, '') : String(e);
  }
}

/**
 * Why a text is not JSON, without the text: V8's JSON.parse messages quote up to ten characters of
 * the input (`Unexpected token 'g', ..."token": ghp_FakeFu"... is not valid JSON`), which may be part
 * of a secret. Messages with a position keep it; quoted input is dropped.
 */
export function jsonReason(e: unknown): string {
  const m = String((e as Error)?.message ?? e).replace(/^JSON\.parse: /, '');
  if (!/["']/.test(m)) return m;
  return m.startsWith('Unexpected token') ? 'unexpected character' : 'malformed JSON';
}
