// The demo shop under a strict Content-Security-Policy: the snippet must run and deliver
// with no inline script, no eval, no inline style and no connection outside 'self'.
// The pages come from the collector as they are; page.route adds the header.
import { expect, test } from './test';
import type { Page } from '@playwright/test';
import { BASE, ofType, ready, tenantOf, useTenant, waitForEvents } from './helpers';

const CSP = "default-src 'self'; connect-src 'self'";

interface Violation {
  url: string;
  directive: string;
  blocked: string;
  sample: string;
}

/** Serves every page of the site with the CSP header, and records each violation (through a
 * binding, which CSP does not govern, so the record survives navigations). */
async function strict(page: Page) {
  const violations: Violation[] = [];
  const errors: string[] = [];
  let pages = 0;
  await page.exposeBinding('__cspViolation', (_src, v: Violation) => void violations.push(v));
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__cspViolation({ url: location.href, directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample }),
    ),
  );
  await page.route(`${BASE}/**`, async (route) => {
    if (route.request().resourceType() != 'document') return route.fallback();
    const response = await route.fetch();
    pages++;
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } });
  });
  page.on('console', (m) => m.type() == 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return { violations, errors, pages: () => pages };
}

test('the demo shop under a strict CSP: no violation, no error, every event delivered', { tag: '@bidi-153' }, async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await useTenant(page, tenant);
  const csp = await strict(page);

  const res = await page.goto('/');
  expect(res?.headers()['content-security-policy']).toBe(CSP);
  const card = page.getByTestId('recs-home').getByTestId('product-card').first();
  await card.waitFor();
  await page.getByTestId('nav-category').click();
  await page.waitForURL(/category/);
  await page.getByTestId('filter-tops').click(); // pushState
  await page.getByTestId('product-card').first().getByTestId('card-link').click();
  await page.waitForURL(/product/);
  await page.getByTestId('add-to-cart').click();
  await page.getByTestId('nav-cart').click();
  // a page left before its async snippet ran reports nothing: the shop's script renders the
  // cart and the order before the load event, so wait for the snippet before moving on
  await page.waitForURL(/cart/);
  await ready(page);
  await page.getByTestId('checkout').click();
  await expect(page.getByTestId('order-id')).toBeVisible();
  await ready(page);
  const tx = await page.getByTestId('order-id').textContent();
  await page.goto('/order-static.html');
  await expect(page.getByTestId('static-note')).toBeVisible();

  const events = await waitForEvents(
    request,
    tenant,
    (e) => ofType(e, 'purchase').length == 3 && ofType(e, 'add_to_cart').length == 1 && ofType(e, 'page_view').length >= 7,
  );
  expect(ofType(events, 'page_view').map((e) => new URL(e.url).pathname)).toEqual(
    expect.arrayContaining(['/', '/category.html', '/product.html', '/cart.html', '/confirmation.html', '/order-static.html']),
  );
  expect(ofType(events, 'click')).toHaveLength(1);
  expect(ofType(events, 'recommendations_inserted').length).toBeGreaterThanOrEqual(2);
  expect(ofType(events, 'purchase').map((e) => e.deduplication_id.split(':')[2]).sort()).toEqual(
    [tx, 'T-STATIC-1', 'T-STATIC-1'].sort(),
  );
  expect(csp.pages()).toBeGreaterThanOrEqual(6);
  expect(csp.violations).toEqual([]);
  expect(csp.errors).toEqual([]);

  // the policy is really in force: an inline script is refused, and reported
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    // (an inline script runs, or is refused, as it is put in the page)
    document.head.append(s);
    return (window as any).__inline;
  });
  expect(ran).toBeUndefined();
  await expect.poll(() => csp.violations.map((v) => v.directive)).toEqual(['script-src-elem']);
});
