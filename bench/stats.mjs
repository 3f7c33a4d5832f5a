// What the benches share: medians, and two builds run in alternating order.

/** The median of the numbers in xs (nulls left out; of an even count, the mean of the middle two), or null. */
export function median(xs) {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** "median (min–max)" of xs, to d decimals. */
export const spread = (xs, d = 1) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;

/**
 * Runs `run('A')` and `run('B')` `runs` times each, in the order A B B A A B ..., so that a
 * machine that gets faster or slower during the bench weighs on both builds alike. A run that
 * throws is reported and left out. Returns each build's results, in order.
 */
export async function alternate(runs, run) {
  const res = { A: [], B: [] };
  for (let r = 0; r < runs; r++)
    for (const n of r % 2 ? ['B', 'A'] : ['A', 'B']) {
      const x = await run(n).catch((e) => (console.log(`run ${r + 1} ${n} failed: ${e.message.split('\n')[0]}`), undefined));
      if (x !== undefined) res[n].push(x);
    }
  return res;
}
