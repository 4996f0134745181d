import type { DocSession } from '../session.js';
import { Cursor, within } from './relocate.js';
import { bomLength, DocumentError, type FormatHandler, type FormatOptions } from './types.js';

interface Cell {
  start: number;
  end: number;
  quoted: boolean;
  value: string;
}
interface Row {
  start: number;
  /** After the row's cells, before its line break. */
  end: number;
  /** After the line break. */
  next: number;
  cells: Cell[];
}

/**
 * RFC 4180 rows: quoted cells may hold the separator, doubled quotes and line breaks. A byte-order
 * mark is before the first row, not in its first cell (a header "name", not "\ufeffname").
 */
export function parseDelimited(src: string, sep: string): Row[] {
  const rows: Row[] = [];
  const n = src.length;
  let i = bomLength(src);
  let line = 1;
  while (i < n) {
    const row: Row = { start: i, end: i, next: i, cells: [] };
    for (;;) {
      const start = i;
      let value = '';
      let quoted = false;
      if (src[i] === '"') {
        quoted = true;
        let j = i + 1;
        for (;;) {
          const k = src.indexOf('"', j);
          if (k < 0) throw new DocumentError(`line ${line}: unterminated quoted cell`);
          value += src.slice(j, k);
          if (src[k + 1] === '"') {
            value += '"';
            j = k + 2;
            continue;
          }
          i = k + 1;
          break;
        }
        for (const ch of value) if (ch === '\n') line++;
        // Lenient, as spreadsheets are: text after the closing quote belongs to the cell.
        while (i < n && src[i] !== sep && src[i] !== '\n' && src[i] !== '\r') value += src[i++];
      } else {
        while (i < n && src[i] !== sep && src[i] !== '\n' && src[i] !== '\r') i++;
        value = src.slice(start, i);
      }
      row.cells.push({ start, end: i, quoted, value });
      if (i < n && src[i] === sep) {
        i++;
        continue;
      }
      row.end = i;
      if (src[i] === '\r' && src[i + 1] === '\n') i += 2;
      else if (i < n) i++;
      row.next = i;
      line++;
      break;
    }
    rows.push(row);
  }
  return rows;
}

function encodeCell(value: string, sep: string, quoted: boolean): string {
  return quoted || value.includes(sep) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function makeHandler(name: string, sep: string): FormatHandler {
  return {
    name,
    process(input, doc: DocSession, opts: FormatOptions) {
      const src = input as string;
      const rows = parseDelimited(src, sep);
      const header = opts.header ?? true;
      const names = header && rows.length ? rows[0].cells.map((c) => c.value) : [];
      let cols: Set<number> | undefined;
      if (opts.columns?.length) {
        cols = new Set();
        // A number past every row would choose no cell at all: the document would go out unredacted.
        let width = 0;
        for (const row of rows) width = Math.max(width, row.cells.length);
        for (const c of opts.columns) {
          const byName = names.indexOf(c);
          const numbered = /^\d+$/.test(c);
          if (byName >= 0) cols.add(byName);
          else if (numbered && Number(c) >= 1 && Number(c) <= width) {
            cols.add(Number(c) - 1);
            // Passed through as the header, and chosen by number, not by a name the user typed: when it
            // holds a value (a first row of data read as the header), it is a leftover like any other.
            if (header && Number(c) <= names.length) doc.verifyTexts.push(names[Number(c) - 1]);
          }
          else if (numbered) throw new DocumentError(`--columns: no column "${c}" (${width ? `columns are numbered 1 to ${width}` : 'the document has none'})`);
          else throw new DocumentError(`--columns: no column "${c}"${header ? ' in the header' : ' (without a header, give 1-based numbers)'}`);
        }
      }
      // Cells alone lose their column's context (a "name" header makes "Bob" a name): the raw
      // document is scanned too and its findings go to the cells they fall in.
      const rawFindings = new Cursor(doc.rawFindings(src));
      if (cols) doc.verifyScoped = true;
      const out: string[] = [];
      let records = 0;
      // Unchanged rows are copied in one slice with their neighbours; `copied` is where that stretch starts.
      let copied = 0;
      const edits: number[] = [];
      rows.forEach((row, r) => {
        if (header && r === 0) return;
        let changed = false;
        let drop = false;
        edits.length = 0;
        const cells = row.cells.map((cell, c) => {
          if (cols && !cols.has(c)) return src.slice(cell.start, cell.end);
          // Only a cell with doubled quotes reads differently from its raw text, which the raw scan covered.
          const scan = cell.quoted && cell.value.includes('"');
          if (!cols && !scan && !rawFindings.has(cell.start, cell.end)) return src.slice(cell.start, cell.end);
          // A quoted cell without doubled quotes is its raw text between the quotes.
          const plain = !cell.quoted || src.slice(cell.start + 1, cell.end - 1) === cell.value;
          const extra = plain
            ? within(rawFindings, cell.start + (cell.quoted ? 1 : 0), cell.end - (cell.quoted ? 1 : 0), cell.value, false)
            : within(rawFindings, cell.start, cell.end, cell.value, true);
          const res = doc.redact(cell.value, { record: r + 1, field: names[c] ?? `#${c + 1}` }, { extra, scan, engine: 'redact' });
          if (cols) doc.verifyTexts.push(res.text);
          if (res.dropRecord) drop = true;
          if (!res.changed) return src.slice(cell.start, cell.end);
          changed = true;
          const enc = encodeCell(res.text, sep, cell.quoted);
          edits.push(cell.start, cell.end, enc.length);
          return enc;
        });
        if (drop) {
          doc.droppedRecords++;
          doc.edit(row.start, row.next, 0);
          out.push(src.slice(copied, row.start));
          copied = row.next;
          return;
        }
        records++;
        if (!changed) return;
        for (let k = 0; k < edits.length; k += 3) doc.edit(edits[k], edits[k + 1], edits[k + 2]);
        out.push(src.slice(copied, row.start), cells.join(sep));
        copied = row.end;
      });
      if (copied === 0) return { output: src, records };
      out.push(src.slice(copied));
      return { output: out.join(''), records };
    },
  };
}

export const csvHandler = makeHandler('csv', ',');
export const tsvHandler = makeHandler('tsv', '\t');
