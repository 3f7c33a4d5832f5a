// The sizes the README and the benchmarks quote, measured one way: used by build.mjs (the
// snippet's budget) and bench/ (ours and the peers).
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Raw, gzip (level 9) and brotli (quality 11) sizes of a file, in bytes. */
export function sizes(file) {
  const b = readFileSync(file);
  return {
    raw: b.length,
    gzip: gzipSync(b, { level: 9 }).length,
    brotli: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
