import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { REPO } from './helpers/cli.js';

const DIST = path.join(REPO, 'dist');

/**
 * Every named type reachable from the package's exports (parameters, results, their properties)
 * that a user cannot import from 'spillguard', with the export it was reached from.
 */
function unexportedTypes(): Map<string, string> {
  const entry = path.join(DIST, 'index.d.ts');
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true });
  const checker = program.getTypeChecker();
  const resolve = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!);
  const exported = new Set(exports.map(resolve));
  const ours = (d: ts.Node) => d.getSourceFile().fileName.startsWith(DIST);
  const named = ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class | ts.SymbolFlags.Enum;
  const seen = new Set<ts.Type>();
  const missing = new Map<string, string>();
  const visit = (t: ts.Type, from: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    const s = t.aliasSymbol ?? t.getSymbol();
    if (s && s.flags & named && s.declarations?.some(ours) && !exported.has(s) && !missing.has(s.name)) missing.set(s.name, from);
    for (const a of [...(t.aliasTypeArguments ?? []), ...(t.isUnionOrIntersection() ? t.types : []), ...((t as ts.TypeReference).typeArguments ?? [])]) visit(a, from);
    if (!(t.getFlags() & ts.TypeFlags.Object)) return;
    for (const p of checker.getPropertiesOfType(t)) {
      const d = p.valueDeclaration ?? p.declarations?.[0];
      if (d && ours(d)) visit(checker.getTypeOfSymbolAtLocation(p, d), `${from}.${p.name}`);
    }
    for (const sig of [...t.getCallSignatures(), ...t.getConstructSignatures()]) {
      for (const p of sig.parameters) visit(checker.getTypeOfSymbolAtLocation(p, p.valueDeclaration!), `${from}(${p.name})`);
      visit(sig.getReturnType(), `${from}()`);
    }
    for (const i of checker.getIndexInfosOfType(t)) visit(i.type, `${from}[]`);
  };
  for (const e of exports) {
    const s = resolve(e);
    const d = s.declarations?.[0];
    if (d) visit(s.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias) ? checker.getDeclaredTypeOfSymbol(s) : checker.getTypeOfSymbolAtLocation(s, d), e.name);
  }
  return missing;
}

describe('library types', () => {
  it('every type in a public signature can be imported from spillguard (the rest is plumbing the CLI passes in)', { timeout: 60_000 }, () => {
    const missing = unexportedTypes();
    // Internal hand-offs: the CLI's own git runs and the Redactor's methods used by the redact pipeline.
    const internal = ['StagedDiffRun', 'GitRun', 'HistoryRun', 'RepoInfo', 'BlobReader', 'BlobState', 'Occurrence', 'Prefetch', 'CommitInfo', 'RawEntry', 'BlobResult', 'LogParser', 'EngineView', 'Planned', 'VerifyRules'];
    expect([...missing].filter(([name]) => !internal.includes(name)).map(([name, from]) => `${name} (via ${from})`)).toEqual([]);
  });
});

/** The README's and docs' JS/TS blocks that import spillguard, each with the file and line it starts on. */
function docExamples(): { where: string; code: string }[] {
  const files = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: { where: string; code: string }[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(REPO, file), 'utf8');
    for (const m of text.matchAll(/^```(?:js|ts)\n([\s\S]*?)^```$/gm))
      if (m[1].includes("from 'spillguard'")) out.push({ where: `${file}:${text.slice(0, m.index).split('\n').length}`, code: m[1] });
  }
  return out;
}

describe('documented examples', () => {
  it('every library example in README.md and docs/ type-checks, strict, against the shipped declarations', { timeout: 90_000 }, () => {
    const examples = docExamples();
    expect(examples.map((e) => e.where.split(':')[0])).toEqual(['README.md', 'docs/bundles-archives.md', 'docs/git.md', 'docs/redact.md', 'docs/redact.md']);
    // Checked in the same program (one compile of Node's types): scanStream takes any iterable of
    // Buffers or strings, as it always did at run time, though its type refused an array.
    examples.push({ where: 'scanStream on an array', code: "import { scanStream } from 'spillguard';\nawait scanStream([Buffer.from('a'), 'b'], 'parts');\nawait scanStream(process.stdin, 'stdin');\n" });
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-examples-')));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'spillguard'));
      // What the examples take from elsewhere: the git example's repository folder, LangChain's modules (not installed here).
      fs.writeFileSync(path.join(dir, 'env.d.ts'), "declare const repoDir: string;\ndeclare module 'langchain/*';\ndeclare module '@langchain/*';\n");
      const names = examples.map((e, i) => {
        const f = path.join(dir, `example${i}.mts`);
        fs.writeFileSync(f, e.code);
        return f;
      });
      const program = ts.createProgram([path.join(dir, 'env.d.ts'), ...names], {
        module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
        strict: true, noEmit: true, types: ['node'], typeRoots: [path.join(REPO, 'node_modules/@types')], allowJs: false,
        // The JS examples' untyped callback parameters ((p) => new TextLoader(p)) are fine in JavaScript.
        noImplicitAny: false,
      });
      const errors = ts.getPreEmitDiagnostics(program).map((d) => {
        const i = d.file ? names.indexOf(d.file.fileName) : -1;
        return `${i >= 0 ? examples[i].where : d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
      expect(errors).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

});
