import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

describe('a PDF that does not parse: one line naming it, nothing from pdf.js', () => {
  it('--quiet lists the failed document only, exit 2; the other documents are written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-redact-pdf-'));
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in/broken.pdf'), '%PDF-1.4 garbage');
    fs.writeFileSync(path.join(dir, 'in/note.txt'), 'mail ann@example.com\n');
    const r = cli(['redact', 'in', '--out', 'out', '--quiet'], { cwd: dir });
    expect(r.stderr).toBe('spillguard: failed: in/broken.pdf: cannot extract text from PDF: Invalid PDF structure.\n');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'out/note.txt'), 'utf8')).toBe('mail [EMAIL]\n');
  });
});
