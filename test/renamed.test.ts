// The build renames a few property names of the snippet's own wherever they appear
// (scripts/renamed.mjs: the queue's methods). A property of the same name on anything else —
// a browser object's (`navigator.storage.persist()`), a library's — would be renamed too, and
// no longer found. Every place the snippet names one of them must be the queue's, as the type
// checker sees it: a use that is not fails here, before it fails in a shop.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { RENAMED } from '../scripts/renamed.mjs';

const QUEUE = 'src/queue.ts';

const config = ts.getParsedCommandLineOfConfigFile('tsconfig.json', {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
/** The snippet's sources: src/, but the collector. */
const SNIPPET = config.fileNames.filter((f) => /\/src\//.test(f) && !/\/src\/collector\//.test(f));

/** Each place in `files` that names one of `names` as a property, and where the type checker
 * finds its declarations. */
function uses(names: string[], files = SNIPPET) {
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  const found: { at: string; name: string; declaredIn: string[] }[] = [];
  for (const file of program.getSourceFiles().filter((f) => files.includes(f.fileName))) {
    const visit = (node: ts.Node) => {
      // a property named: obj.name, obj['name'], { name: … }, { name }, { name } = obj, name() {}
      const name =
        ts.isPropertyAccessExpression(node) ? node.name
        : ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) ? node.argumentExpression
        : (ts.isPropertyAssignment(node) || ts.isMethodDeclaration(node) || ts.isMethodSignature(node) || ts.isPropertySignature(node) || ts.isShorthandPropertyAssignment(node)) ? node.name
        : ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent) ? (node.propertyName ?? node.name)
        : undefined;
      if (name && (ts.isIdentifier(name) || ts.isStringLiteralLike(name)) && names.includes(name.text)) {
        const symbol =
          ts.isShorthandPropertyAssignment(node) ? checker.getContextualType(node.parent as ts.Expression)?.getProperty(name.text)
          : ts.isBindingElement(node) ? checker.getTypeAtLocation(node.parent).getProperty(name.text)
          : checker.getSymbolAtLocation(name);
        found.push({
          at: `${file.fileName.replace(/.*\/(src|probe)\//, '$1/')}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${name.text}`,
          name: name.text,
          declaredIn: (symbol?.declarations ?? []).map((d) => d.getSourceFile().fileName.replace(/.*\/src\//, 'src/')),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

/** A use whose declaration is not (only) the queue's. */
const notQueue = (u: ReturnType<typeof uses>[number]) => !u.declaredIn.length || u.declaredIn.some((f) => f != QUEUE);

describe('the property names the build renames', () => {
  const all = uses(RENAMED);

  it("are used by the snippet on its queue only", () => {
    const elsewhere = all.filter(notQueue);
    expect(elsewhere.map((u) => `${u.at}: declared in ${u.declaredIn.join(', ') || 'nothing the checker knows'}`)).toEqual([]);
  });

  it('are each a method of the queue, and used', () => {
    // a name left in the list after the queue renamed its method would rename nothing
    for (const name of RENAMED) expect(all.filter((u) => u.name == name && u.declaredIn.includes(QUEUE)).length, name).toBeGreaterThan(1);
  });

  it('tells the queue\'s from any other object\'s (the check itself, on a file of its own)', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'renamed-')), 'probe');
    const probe = join(dir, 'probe.ts');
    ts.sys.createDirectory(dir);
    writeFileSync(
      probe,
      `declare const q: import(${JSON.stringify(resolve(QUEUE).replace(/\.ts$/, ''))}).Queue;
q.persist(true);
const { pending } = q;
navigator.storage.persist();
const mine = { settle: 1 };
mine['settle'];`,
    );
    const found = uses(RENAMED, [probe]).filter((u) => u.at.startsWith('probe/'));
    const bad = found.filter(notQueue).map((u) => u.at);
    expect(found.length - bad.length).toBe(2);
    expect(bad).toEqual(['probe/probe.ts:4 persist', 'probe/probe.ts:5 settle', 'probe/probe.ts:6 settle']);
    // a program of its own for the checker: 4.5 s were measured on a loaded 2-core machine
  }, 30_000);
});
