/**
 * A secret printed in colour may be split by escape sequences (`AKIA\e[1m…`), so matching runs on
 * the text without them and offsets are mapped back.
 */
import { ANSI_ESCAPES as ESCAPES } from '../engine/ansi.js';

export interface Stripped {
  text: string;
  /** map[i] = raw offset of plain offset i; length text.length + 1. Undefined when nothing was stripped. */
  map: number[] | undefined;
}

export function stripAnsi(raw: string): Stripped {
  if (!raw.includes('\x1b')) return { text: raw, map: undefined };
  const map: number[] = [];
  let text = '';
  let last = 0;
  ESCAPES.lastIndex = 0;
  for (let m = ESCAPES.exec(raw); m; m = ESCAPES.exec(raw)) {
    for (let i = last; i < m.index; i++) map.push(i);
    text += raw.slice(last, m.index);
    last = m.index + m[0].length;
  }
  for (let i = last; i < raw.length; i++) map.push(i);
  text += raw.slice(last);
  map.push(raw.length);
  return { text, map };
}

/** The escape sequences inside a raw slice, to be written after a replacement: colours stay balanced. */
export function escapesIn(raw: string): string {
  if (!raw.includes('\x1b')) return '';
  return raw.match(ESCAPES)?.join('') ?? '';
}

/** A safe place to cut raw text near `at`: not inside an escape sequence, not between surrogates. */
export function safeCut(raw: string, at: number): number {
  let cut = at;
  const esc = raw.lastIndexOf('\x1b', cut - 1);
  if (esc >= 0 && cut - esc < 256) {
    ESCAPES.lastIndex = esc;
    const m = ESCAPES.exec(raw);
    if (!m || m.index !== esc || esc + m[0].length > cut) cut = esc;
  }
  const c = raw.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return cut > 0 ? cut : at;
}
