import { DocumentError, type FormatHandler } from './types.js';

/**
 * PDF and DOCX: the text is extracted (unpdf, mammoth), redacted, and written as text beside the
 * mirrored name (`report.pdf` → `report.pdf.txt`): rewriting the binary format would need a writer
 * for each, and a RAG pipeline wants the text anyway. Manifest offsets refer to the extracted text.
 * The libraries load on first use, so other formats never pay for them.
 */
export const pdfHandler: FormatHandler = {
  name: 'pdf',
  binary: true,
  outputSuffix: '.txt',
  async process(input, doc) {
    const { extractText, getDocumentProxy } = await import('unpdf');
    let pages: string[];
    try {
      // Errors only: pdf.js otherwise writes its own warnings ("Warning: Indexing all PDF objects") to
      // standard error, unprefixed, beside the run's report (with --quiet too).
      const pdf = await getDocumentProxy(new Uint8Array(input as Buffer), { verbosity: 0 });
      pages = (await extractText(pdf, { mergePages: false })).text as string[];
      await pdf.destroy?.();
    } catch (e) {
      throw new DocumentError(`cannot extract text from PDF: ${(e as Error).message}`);
    }
    const text = pages.map((p) => p.replace(/\s+$/, '')).join('\n\n') + '\n';
    return { output: doc.redact(text, {}, { base: 0 }).text };
  },
};

export const docxHandler: FormatHandler = {
  name: 'docx',
  binary: true,
  outputSuffix: '.txt',
  async process(input, doc) {
    const mammoth = (await import('mammoth')).default;
    let text: string;
    try {
      text = (await mammoth.extractRawText({ buffer: input as Buffer })).value;
    } catch (e) {
      throw new DocumentError(`cannot extract text from DOCX: ${(e as Error).message}`);
    }
    text = text.replace(/\n{3,}/g, '\n\n').replace(/\s+$/, '') + '\n';
    return { output: doc.redact(text, {}, { base: 0 }).text };
  },
};
