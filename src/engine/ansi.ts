/**
 * Terminal escape sequences (SGR colours and other CSI, OSC titles and links, two-byte escapes), as
 * CI logs and coloured tool output hold them.
 */
export const ANSI_ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

/**
 * The text with each escape sequence replaced by as many spaces: offsets, lines and columns stay
 * those of the input. Why: a rule's word boundary read the `m` of `\x1b[1m` as part of a secret
 * printed in bold, so `\x1b[1msk_live_…` matched nothing.
 */
export function blankEscapes(text: string): string {
  if (!text.includes('\x1b')) return text;
  return text.replace(ANSI_ESCAPES, (m) => ' '.repeat(m.length));
}
