// Runs the WebKit suite (e2e-webkit/*.test.mjs) with node's test runner under a virtual
// display (`xvfb-run -a`: WebKitGTK's MiniBrowser needs one, and without it a WebDriver
// session hangs silently), one file at a time. Prints node's usual report and its counts,
// and writes .results/e2e-webkit.json = {passed, failed, skipped}. Needs dist/ built.
// Exits non-zero when a test failed, or when the suite could not run or overran.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(root, '.results', 'e2e-webkit.json');
/** The whole suite's limit: then every process it started is ended. */
const LIMIT_MS = Number(process.env.E2E_WEBKIT_TIMEOUT_MS || 10 * 60_000);

const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .map((f) => relative(root, join(here, f)));
const reporter = relative(root, join(here, 'summary-reporter.mjs'));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ passed: 0, failed: 1, skipped: 0, note: 'the suite did not finish' }) + '\n');

const node = [
  process.execPath,
  '--test',
  '--test-concurrency=1',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  `--test-reporter=./${reporter}`,
  `--test-reporter-destination=${relative(root, out)}`,
  ...files,
];
// a display of its own, unless told to use the one there is (E2E_WEBKIT_DISPLAY=1)
const [cmd, ...args] =
  process.env.E2E_WEBKIT_DISPLAY == '1' && process.env.DISPLAY
    ? node
    : ['xvfb-run', '-a', '-s', '-screen 0 1280x1024x24', ...node];

// its own process group, so that an overrun ends all of it: tests, collector, driver, browser
const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', detached: true });
const killAll = (sig) => {
  try {
    process.kill(-child.pid, sig);
  } catch {}
};
let overran = false;
const limit = setTimeout(() => {
  overran = true;
  console.error(`\ne2e-webkit: stopped after ${LIMIT_MS / 1000} s`);
  killAll('SIGTERM');
  setTimeout(() => killAll('SIGKILL'), 5_000).unref();
}, LIMIT_MS);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (killAll(sig), process.exit(1)));

child.on('error', (e) => {
  console.error(`e2e-webkit: cannot run ${cmd}: ${e.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  clearTimeout(limit);
  let n = { passed: 0, failed: 1 };
  try {
    if (existsSync(out)) n = JSON.parse(readFileSync(out, 'utf8'));
  } catch {}
  // a run that crashed or overran without a failed test still failed
  if ((code || signal || overran) && !n.failed) n = { ...n, failed: 1 };
  writeFileSync(out, JSON.stringify(n) + '\n');
  console.log(`\ne2e webkit: ${n.passed} passed, ${n.failed} failed${n.skipped ? `, ${n.skipped} skipped` : ''}`);
  process.exit(code || signal || overran || n.failed ? 1 : 0);
});
