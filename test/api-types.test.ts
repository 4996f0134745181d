import { describe, expect, it } from 'vitest';
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
