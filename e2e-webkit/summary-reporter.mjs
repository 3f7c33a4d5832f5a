// A node:test reporter that writes only a summary, `{"passed": N, "failed": M, "skipped": K,
// "failures": [name: error, ...]}`: run.mjs sends it to .results/e2e-webkit.json, which
// scripts/test.mjs reads.
export default async function* summary(source) {
  const n = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for await (const { type, data } of source) {
    if (data?.details?.type == 'suite') continue; // a describe(): its tests count
    if (type == 'test:pass') n[data.skip || data.todo ? 'skipped' : 'passed']++;
    else if (type == 'test:fail') {
      n.failed++;
      const e = data.details?.error;
      n.failures.push(`${data.file ? data.file.replace(process.cwd() + '/', '') + ':' + data.line + ' ' : ''}${data.name}: ${String(e?.cause?.message || e?.message || '').split('\n')[0].slice(0, 200)}`);
    }
  }
  yield JSON.stringify(n) + '\n';
}
