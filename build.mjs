// Builds the snippet (dist/depict.js), the ES module for bundlers (dist/esm/) and the
// local collector (dist/collector.js) with its inspector (dist/inspector/), prints their
// sizes, and fails when the snippet exceeds its brotli budget.
// `node build.mjs --types=DIR` writes only the ES module's declarations, into DIR.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { squeeze } from './scripts/minify.mjs';
import { RENAMED } from './scripts/renamed.mjs';
import { sizes } from './scripts/sizes.mjs';

/** The snippet's budget in bytes, brotli quality 11. The README quotes it. */
export const BUDGET = 6940;

const common = { bundle: true, logLevel: 'warning', legalComments: 'none' };

/**
 * The ES module's declarations: `DIR/index.d.ts` and, under `DIR/types/`, one `.d.ts` per
 * module its public types use (src/esm.ts and what its declarations import, transitively).
 * Per file and without type-checking (`tsc --noEmit` and test/esm.test.ts check them), so it
 * takes a fraction of a second; relative imports get `.js`, which NodeNext resolution needs.
 */
async function declarations(dir) {
  const { default: ts } = await import('typescript');
  const out = new Map();
  const todo = ['esm'];
  while (todo.length) {
    const name = todo.pop();
    if (out.has(name)) continue;
    const { outputText } = ts.transpileDeclaration(readFileSync(`src/${name}.ts`, 'utf8'), {
      fileName: `${name}.ts`,
      compilerOptions: { strict: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext },
    });
    out.set(
      name,
      outputText.replace(/(\bfrom\s*|\bimport\s*\(\s*)(['"])(\.\.?\/[^'"]+?)(?:\.js)?\2/g, (_, pre, q, spec) => {
        todo.push(posix.join(posix.dirname(name), spec));
        return `${pre}${q}${spec}.js${q}`;
      }),
    );
  }
  rmSync(`${dir}/types`, { recursive: true, force: true });
  for (const [name, text] of out) {
    mkdirSync(posix.dirname(`${dir}/types/${name}`), { recursive: true });
    writeFileSync(`${dir}/types/${name}.d.ts`, text);
  }
  writeFileSync(`${dir}/index.d.ts`, "export * from './types/esm.js';\n");
}

const typesOnly = process.argv.find((a) => a.startsWith('--types='))?.slice(8);
if (typesOnly) {
  mkdirSync(typesOnly, { recursive: true });
  await declarations(typesOnly);
  process.exit(0);
}

await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: ['src/index.ts'],
    outfile: 'dist/depict.js',
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
  }),
  esbuild.build({
    ...common,
    entryPoints: ['src/collector/main.ts'],
    outfile: 'dist/collector.js',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
  }),
  // for bundlers: unminified (they minify), internal modules and idb-keyval bundled in
  esbuild.build({
    ...common,
    entryPoints: ['src/esm.ts'],
    outfile: 'dist/esm/index.js',
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    sourcemap: true,
  }).then(() => declarations('dist/esm')),
  // the collector's live inspector: its script, and its page and style as they are
  esbuild.build({
    ...common,
    entryPoints: ['src/collector/inspector/inspector.ts'],
    outfile: 'dist/inspector/inspector.js',
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
  }).then(() => {
    for (const f of ['index.html', 'inspector.css']) cpSync(`src/collector/inspector/${f}`, `dist/inspector/${f}`);
  }),
]);

// V8's explicit compile hint (Chrome 136+; other engines ignore the comment): every function
// is compiled while the script streams in, off the main thread, not each one on the main
// thread at its first call (start-up calls some 55). About 2 ms less start-up script in the
// bench, for 28 bytes. https://v8.dev/blog/explicit-compile-hints
//
// The queue's method names are renamed too (scripts/renamed.mjs): internal, and else kept
// whole in every call.
await squeeze('dist/depict.js', '//# allFunctionsCalledOnLoad', RENAMED);
const s = sizes('dist/depict.js');
console.log(
  `dist/depict.js  ${s.raw} B raw, ${s.gzip} B gzip, ${s.brotli} B brotli (budget ${BUDGET} B brotli)`,
);
if (s.brotli > BUDGET) {
  console.error(`dist/depict.js is ${s.brotli - BUDGET} B over its ${BUDGET} B brotli budget`);
  process.exit(1);
}
