// `npm test`: builds, runs every suite (unit, then end-to-end in each engine), and ends with
// one line "N passed, M failed" summed over all suites. Exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { playwrightCount, playwrightFailures, unitCount, unitFailures } from './report.mjs';

/** Runs a command; its exit status, 1 when it could not start or died of a signal. */
const run = (cmd, args, env = {}) =>
  spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

/** Each suite: a command, and the JSON report it writes, read as [passed, failed, skipped?]. */
const suites = [
  {
    name: 'unit',
    cmd: ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.results/unit.json'],
    // the property tests' inputs: fixed, so that CI is repeatable (test/setup.ts)
    env: { FC_SEED: process.env.FC_SEED || '20261130' },
    report: '.results/unit.json',
    count: unitCount,
    failures: unitFailures,
  },
  // the Playwright specs (e2e/), once per engine: each project is its own run, with its own report
  ...['chromium', 'firefox'].map((engine) => ({
    name: `e2e ${engine}`,
    cmd: ['npx', 'playwright', 'test', `--project=${engine}`],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: `.results/e2e-${engine}.json` },
    report: `.results/e2e-${engine}.json`,
    count: playwrightCount,
    failures: playwrightFailures,
  })),
  // WebKit (WebKitGTK's MiniBrowser, which Playwright cannot drive): e2e-webkit/, selenium-webdriver
  {
    name: 'e2e webkit',
    cmd: ['node', 'e2e-webkit/run.mjs'],
    report: '.results/e2e-webkit.json',
    count: (j) => [j.passed, j.failed, j.skipped],
    failures: (j) => (j.failures || []).map((title) => ({ title, detail: [] })),
  },
];

rmSync('.results', { recursive: true, force: true });
if (run('node', ['build.mjs'])) {
  console.log('\nthe build failed\n0 passed, 1 failed');
  process.exit(1);
}

let passed = 0;
let failed = 0;
const lines = [];
// the tests that failed, named again at the end: CI's log may keep only its last lines
const failures = [];
for (const s of suites) {
  console.log(`\n== ${s.name}: ${s.cmd.join(' ')}\n`);
  const status = run(s.cmd[0], s.cmd.slice(1), s.env);
  let p = 0;
  let f = 0;
  let k = 0;
  try {
    if (existsSync(s.report)) {
      const j = JSON.parse(readFileSync(s.report, 'utf8'));
      [p, f, k = 0] = s.count(j);
      if (f) failures.push(...(s.failures?.(j) || []).map((t) => ({ ...t, title: `${s.name}: ${t.title}` })));
    }
  } catch (e) {
    console.error(`${s.name}: unreadable report ${s.report}: ${e.message}`);
  }
  // a suite that exits non-zero without a failed test (a crash, no tests) counts as a failure
  if (status && !f) f = 1;
  passed += p;
  failed += f;
  lines.push(`${s.name}: ${p} passed, ${f} failed${k ? `, ${k} skipped` : ''}`);
}
if (failures.length) {
  // the first few failures in full (the error, what the pages did), then each on one line
  for (const { title, detail } of failures.slice(0, 3).filter((t) => t.detail.length))
    console.log(`\n── ${title}\n` + detail.map((l) => '   ' + l).join('\n'));
  console.log('\nfailed:\n' + failures.map((t) => '  ✘ ' + t.title).join('\n'));
}
console.log('\n' + lines.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
