// Property names of the snippet's own that the build renames like variables (terser's
// mangle.properties, scripts/minify.mjs): the queue's methods (src/queue.ts), 22 B brotli
// less than writing them out in every call. Renamed wherever they appear, so the snippet
// must not use a property of these names on anything but the queue (`navigator.storage.
// persist()` would break): test/renamed.test.ts checks every use against the type checker.
export const RENAMED = ['take', 'pending', 'fly', 'restore', 'unsent', 'settle', 'persist'];
