import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';

/** The collector the e2e tests talk to: its own port, so a running `npm start` is no bother. */
export const PORT = Number(process.env.E2E_PORT || 8788);
export const BASE = `http://localhost:${PORT}`;

/** How each engine is launched (a spec that needs a flag more extends these). */
export const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  // keep Chromium's own background lookups off the (closed) network
  args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
};
export const FIREFOX = { executablePath: process.env.FIREFOX_PATH || '/usr/bin/firefox-esr' };

/** Tests that need more of Firefox than its ESR 140 has (Debian bookworm; bookworm-security
 * has ESR 153), and the first Firefox that has it. They run in Chromium and in newer Firefox. */
const NEEDS = [
  // the page's navigations told apart by the Navigation API's `navigate` event (Firefox 147):
  // without it the snippet takes the wrapped-history path, tested in both engines too
  { tag: '@navigation-api', firefox: 147 },
  // what Playwright does over WebDriver BiDi only from ESR 153 on: page.evaluate on a page
  // whose CSP forbids eval (ESR 140 applies the page's CSP to it, and reports a violation),
  // offline emulation (emulation.setNetworkConditions), and request events for the
  // snippet's keepalive sends (page.on('request') sees none of them in ESR 140)
  { tag: '@bidi-153', firefox: 153 },
];
const firefoxMajor = (() => {
  try {
    return Number(/Firefox (\d+)/.exec(execFileSync(FIREFOX.executablePath, ['--version'], { encoding: 'utf8' }))?.[1]) || Infinity;
  } catch {
    return Infinity; // no Firefox: its launch fails, and says why
  }
})();
const notInFirefox = NEEDS.filter((n) => firefoxMajor < n.firefox).map((n) => n.tag);
if (notInFirefox.length && !process.env.TEST_WORKER_INDEX && process.argv.includes('--project=firefox'))
  console.log(`Firefox ${firefoxMajor}: the tests tagged ${notInFirefox.join(' and ')} need a newer Firefox, and are not run in it (playwright.config.ts)`);

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Firefox ESR 140: Playwright made to take five BiDi commands it does not know as done
  globalSetup: './scripts/playwright-bidi.mjs',
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  // One JSON report per run: scripts/test.mjs runs each project on its own (`--project=…`)
  // and names the file with PLAYWRIGHT_JSON_OUTPUT_NAME, so each engine's counts stay apart.
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME || '.results/e2e.json' }]],
  use: { baseURL: BASE },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: CHROMIUM,
      },
    },
    {
      // Debian's stock Firefox ESR, driven over WebDriver BiDi (needs @playwright/test 1.64.x:
      // 1.65 sends a BiDi command that ESR 153 does not know; for ESR 140, globalSetup adjusts
      // it: scripts/playwright-bidi.mjs)
      name: 'firefox',
      // Chromium's own, not run here (rather than skipped): the audit drives a Chromium of its
      // own whatever the project; reliability.spec.ts is written against Chromium's
      // back/forward cache, offline emulation and console object previews; and @chromium-only
      // tests need what Playwright cannot do over WebDriver BiDi (see each). Nor, in an older
      // Firefox, the tests that need more of it (NEEDS above)
      testIgnore: ['**/audit.spec.ts', '**/reliability.spec.ts'],
      grepInvert: new RegExp(['@chromium-only', ...notInFirefox].join('|')),
      // one Firefox at a time: on this 2-core machine a second one barely shortens the run
      // (2.3 min with two, 2.5 with one) and slows every page enough to lose timing races
      workers: 1,
      use: {
        browserName: 'firefox',
        channel: 'moz-firefox',
        launchOptions: FIREFOX,
      },
    },
  ],
  webServer: {
    // a data folder per port: several runs may share the machine
    command: `rm -rf .data/e2e-${PORT} && node dist/collector.js`,
    url: `${BASE}/events`,
    env: { PORT: String(PORT), DEPICT_DATA_DIR: `.data/e2e-${PORT}`, QUIET: '1' },
    reuseExistingServer: false,
    timeout: 20_000,
  },
});
