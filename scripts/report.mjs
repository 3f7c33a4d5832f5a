// Reads the suites' JSON reports for `npm test` (scripts/test.mjs): what passed and failed,
// and for each failure a title and a few lines of detail — the error, and the end of what the
// pages did (e2e/test.ts prints it when a test fails) — which `npm test` prints at its very
// end, where a CI log that keeps only its last lines still shows why a test failed.

/** Terminal colours out. */
const plain = (s = '') => String(s).replace(/\x1b\[[\d;]*m/g, '');

/** An error's first line, for the one-line summary. */
export const firstLine = (m) => plain(m).trim().split('\n')[0].slice(0, 200);

/** The first `n` lines of an error message, less blank lines and the test runner's own
 * stack frames. */
const head = (m, n) =>
  plain(m)
    .split('\n')
    .filter((l) => l.trim() && !/^\s+at .*(node_modules|<anonymous>)/.test(l))
    .slice(0, n)
    .map((l) => l.slice(0, 300));

/** Playwright's JSON report, as [passed, failed, skipped]; a flaky test counts as failed. */
export const playwrightCount = (j) => [j.stats.expected, j.stats.unexpected + j.stats.flaky + (j.errors?.length || 0), j.stats.skipped];

/** The tests of a Playwright report that did not pass at once: `title` is "file:line title:
 * first line of the error"; `detail`, the error's first lines and the last lines the test
 * printed (the log of what its pages did). */
export const playwrightFailures = (j) => {
  const out = (j.errors || []).map((e) => ({ title: firstLine(e.message), detail: head(e.message, 12) }));
  const walk = (suite, titles) => {
    for (const spec of suite.specs || [])
      for (const t of spec.tests || [])
        if (t.status == 'unexpected' || t.status == 'flaky') {
          const r = t.results?.find((r) => r.error);
          const printed = (r?.stdout || []).map((c) => c.text ?? '').join('').split('\n').filter((l) => l.trim());
          out.push({
            title: `${spec.file}:${spec.line} ${[...titles, spec.title].join(' › ')}: ${firstLine(r?.error?.message)}`,
            detail: [...head(r?.error?.message, 12), ...(printed.length ? ['printed (last 20 lines):', ...printed.slice(-20).map((l) => '  ' + plain(l).slice(0, 300))] : [])],
          });
        }
    for (const s of suite.suites || []) walk(s, [...titles, s.title]);
  };
  for (const s of j.suites || []) walk(s, []);
  return out;
};

/** vitest's JSON report, as [passed, failed, skipped]. */
export const unitCount = (j) => [j.numPassedTests, j.numFailedTests + (j.numRuntimeErrors || 0), j.numPendingTests + (j.numTodoTests || 0)];

/** The failed tests of a vitest report, as `playwrightFailures` gives them. */
export const unitFailures = (j, cwd = process.cwd()) =>
  j.testResults.flatMap((f) =>
    f.assertionResults
      .filter((a) => a.status == 'failed')
      .map((a) => ({
        title: `${f.name.replace(cwd + '/', '')} ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`,
        detail: head(a.failureMessages?.[0], 12),
      })),
  );
