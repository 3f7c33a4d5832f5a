// Builds the snippet (dist/depict.js), the ES module for bundlers (dist/esm/) and the
// local collector (dist/collector.js), prints their sizes, and fails when the snippet
// exceeds its brotli budget.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

/** The snippet's budget in bytes, brotli quality 11. The README quotes it. */
export const BUDGET = 6400;

const common = { bundle: true, logLevel: 'warning', legalComments: 'none' };

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
]);

/** Raw, gzip and brotli sizes of a file, in bytes. */
export function sizes(file) {
  const b = readFileSync(file);
  return {
    raw: b.length,
    gzip: gzipSync(b, { level: 9 }).length,
    brotli: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const s = sizes('dist/depict.js');
console.log(
  `dist/depict.js  ${s.raw} B raw, ${s.gzip} B gzip, ${s.brotli} B brotli (budget ${BUDGET} B brotli)`,
);
if (s.brotli > BUDGET) {
  console.error(`dist/depict.js is ${s.brotli - BUDGET} B over its ${BUDGET} B brotli budget`);
  process.exit(1);
}
