// The specs' `test`: Playwright's, with one automatic fixture that keeps a log of what the
// pages did — their console (the demo shop runs the snippet with data-debug, so each event
// and each send is there), every request to the API and for the snippet, with its answer —
// and prints it when a test fails. A failure on a CI machine then tells its own story.
import { test as base } from '@playwright/test';
import { pathOf as path } from './helpers';

export { expect } from '@playwright/test';

export const test = base.extend<{ pageLog: string[] }>({
  pageLog: [
    async ({ context }, use, info) => {
      const log: string[] = [];
      const t0 = Date.now();
      const at = () => `+${String(Date.now() - t0).padStart(5)} ms`;
      context.on('console', (m) => m.type() != 'endGroup' && log.push(`${at()} ${path(m.page()?.url() ?? '?')} console.${m.type()}: ${m.text()}`));
      context.on('weberror', (e) => log.push(`${at()} page error: ${e.error().message}`));
      const watched = (u: string) => /\/create-events|\/depict\.js/.test(u);
      context.on('requestfinished', async (r) => {
        if (!watched(r.url())) return;
        const status = await r.response().then((res) => res?.status(), () => '?');
        log.push(`${at()} ${r.method()} ${path(r.url()).split('?')[0]} → ${status}`);
      });
      context.on('requestfailed', (r) => watched(r.url()) && log.push(`${at()} ${r.method()} ${path(r.url()).split('?')[0]} failed: ${r.failure()?.errorText}`));
      // E2E_SNIPPET_DELAY=400: depict.js arrives that many ms late, as on a slow network. A
      // test that then fails leaves a page before its snippet ran, without waiting for it. (One
      // exception: in Firefox, a tab opened by a middle click never gets the delayed file, and
      // "the same through a new tab" times out waiting for it.)
      const delay = Number(process.env.E2E_SNIPPET_DELAY);
      if (delay) await context.route(/\/depict\.js(\?|$)/, (r) => setTimeout(() => r.continue().catch(() => {}), delay));
      await use(log);
      if (info.status !== info.expectedStatus) console.log(`what the pages did (${info.title}):\n${log.join('\n')}`);
    },
    { auto: true },
  ],
});
