// `npm test`: builds, runs every suite (unit, then end-to-end in each engine), and ends with
// one line "N passed, M failed" summed over all suites. Exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const run = (cmd, args, env = {}) =>
  spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status;

/** Each suite: a command, and the JSON report it writes, read as [passed, failed]. */
const suites = [
  {
    name: 'unit',
    cmd: ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.results/unit.json'],
    report: '.results/unit.json',
    count: (j) => [j.numPassedTests, j.numFailedTests + (j.numRuntimeErrors || 0)],
  },
  {
    name: 'e2e chromium',
    cmd: ['npx', 'playwright', 'test'],
    report: '.results/e2e-chromium.json',
    count: (j) => [j.stats.expected, j.stats.unexpected + j.stats.flaky + (j.errors?.length || 0)],
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
for (const s of suites) {
  const status = run(s.cmd[0], s.cmd.slice(1));
  let p = 0;
  let f = 0;
  if (existsSync(s.report)) [p, f] = s.count(JSON.parse(readFileSync(s.report, 'utf8')));
  // a suite that exits non-zero without a failed test (a crash, no tests) counts as a failure
  if (status && !f) f = 1;
  passed += p;
  failed += f;
  lines.push(`${s.name}: ${p} passed, ${f} failed`);
}
console.log('\n' + lines.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
