// The second minification pass of every script whose bytes the build and the bench count:
// terser after esbuild. esbuild bundles and minifies; terser then renames by how often each
// name is used, in every scope, which brotli compresses better (about 4% of the snippet).
// The bench passes the peers' scripts through it too, so that the sizes compare like for like.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { minify } from 'terser';

/** Minifies `file` again in place, and its source map (`file.map`) when there is one,
 * keeping the map pointing at the original sources. Only transforms that keep the code's
 * meaning (no `unsafe` options). `preamble`: a first line for the output (comments are
 * dropped otherwise). `props`: property names to rename like variables, wherever they are
 * used — only names of the script's own internal objects, used on nothing else (a
 * browser's object with such a property would no longer find it). */
export async function squeeze(file, preamble, props) {
  const map = existsSync(file + '.map') ? file + '.map' : undefined;
  const code = readFileSync(file, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '');
  const name = file.split('/').pop();
  const sourceMap = (content) =>
    map && { content, url: name + '.map', filename: name, includeSources: true };
  // two passes: compress first, without renaming, then rename. Compressing while renaming
  // lets terser weigh a constant's value against its short new name and keep more of them as
  // variables; compressed alone it inlines them (QUOTA's 6e4, its quarter as 15e3), which
  // brotli takes better (the snippet: 14 bytes less, when it was 6,906)
  const pass = await minify(code, {
    ecma: 2020,
    // function declarations first in their scope (they are hoisted anyway, and the snippet is
    // strict code): more alike code, which brotli compresses better; 4 passes, after which
    // more change nothing (35 bytes less for the snippet than 2 passes without hoisting)
    compress: { passes: 4, hoist_funs: true },
    mangle: false,
    format: { comments: false },
    sourceMap: sourceMap(map && readFileSync(map, 'utf8')),
  });
  const out = await minify(pass.code, {
    ecma: 2020,
    compress: false,
    // `builtins`: renamed even where a browser object has a property of the same name
    // (`pending`, `persist`, ...), which the listed names never reach
    mangle: props ? { properties: { regex: new RegExp(`^(${props.join('|')})$`), builtins: true } } : true,
    // single quotes for every string (terser's default picks per string): one quote
    // character throughout, which brotli compresses better (9 bytes less for the snippet)
    format: { comments: false, preamble, quote_style: 1 },
    sourceMap: sourceMap(pass.map),
  });
  writeFileSync(file, out.code + (map ? '' : '\n'));
  if (map) writeFileSync(map, out.map);
}
