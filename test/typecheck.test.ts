// The whole project type-checks (tsconfig.json: the snippet, the collector, the tests, the
// e2e specs, the scripts), as `npx tsc --noEmit -p .` would say: a type error fails npm test.
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

describe('TypeScript', () => {
  it('finds no error in the project', () => {
    const config = ts.getParsedCommandLineOfConfigFile('tsconfig.json', {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram(config.fileNames, config.options);
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file ? `${d.file.fileName}(${d.file.getLineAndCharacterOfPosition(d.start!).line + 1})` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    expect(errors).toEqual([]);
  }, 120_000);
});
