// What a bundler user writes, type-checked and never run. `tsc --noEmit -p .` checks it
// against src/esm.ts; test/esm.test.ts checks it against the built declarations, imported as
// `depict-snippet` (NodeNext and Bundler resolution). Each `@ts-expect-error` is a misuse the
// types must refuse: should one be accepted, the check fails ("unused @ts-expect-error").
import {
  EVENT_TYPES,
  consent,
  debug,
  flush,
  init,
  page,
  purchase,
  set,
  track,
  type Depict,
  type DepictConfig,
  type DepictEvent,
  type EventFields,
  type EventType,
  type Order,
} from '../src/esm';

init({ tenant: 'acme', market: 'se', apiKey: 'KEY' });
init({
  tenant: 'acme',
  market: 'se',
  apiKey: 'KEY',
  endpoint: 'https://collector.example/create-events',
  debug: true,
  consent: 'pending',
  capture: ['page_view', 'add_to_cart'],
  stripParams: 'email token',
  privacySignals: ['gpc', 'dnt'],
  sessionMinutes: 30,
  attributionHours: 24,
  batchMs: 100,
  global: true,
});
// @ts-expect-error apiKey is required
init({ tenant: 'acme', market: 'se' });
// @ts-expect-error consent is 'granted', 'pending' or 'denied'
init({ tenant: 'acme', market: 'se', apiKey: 'KEY', consent: 'yes' });
init({ tenant: 'acme', market: 'se', apiKey: 'KEY', consent: 'denied' });
// @ts-expect-error not a capture
init({ tenant: 'acme', market: 'se', apiKey: 'KEY', capture: ['pageview'] });

track('page_view');
track('add_to_cart', { product_id: 'p-1001', entity_price: 499, variant_ids: ['p-1001-m'] });
track('click', { product_id: 1002, recommendation_id: 'rec-1', variant_ids: 'a,b', entity_identifiers: { sku: 'S-1' } });
// @ts-expect-error not an event type
track('pageview');
// @ts-expect-error not a field
track('click', { prodct_id: 'p-1' });
// @ts-expect-error the snippet sets the tenant itself
track('click', { tenant: 'other' });
// @ts-expect-error entity_identifiers is an object (or its JSON)
track('click', { entity_identifiers: 7 });

set({ user_id: 'customer-42', ab_test_group: 'B' });
set({ ab_test_group: null });
page();
page({ url: 'https://shop.example/p/1' });
const order: Order = { transaction_id: 'T-1', currency: 'SEK', items: [{ product_id: 'p-1', price: 499 }] };
purchase(order);
// @ts-expect-error an order has items
purchase({ transaction_id: 'T-1', currency: 'SEK' });
// a cart line as the shop has it: Shopify's numeric variant ids, a quantity and a name (not sent)
purchase({ transaction_id: 1001, currency: 'SEK', items: [{ product_id: 'p-1', price: '499.00', variant_ids: [44012345], quantity: 2, name: 'Dress' }] });
purchase({ transaction_id: 'T-1', currency: 'SEK', items: [{ product_id: 'p-1', price: 499, variant_ids: 'p-1-m, p-1-l' }] });
// @ts-expect-error a line has a product id
purchase({ transaction_id: 'T-1', currency: 'SEK', items: [{ prodct_id: 'p-1', price: 499 }] });
const sent: Promise<void> = flush();
consent(true);
debug();
debug(false);

const types: readonly EventType[] = EVENT_TYPES;
const event: DepictEvent = { tenant: 't', market: 'm', type: 'purchase', entity_price: '499.00', currency: 'SEK' };
// @ts-expect-error the API takes prices as strings (track() converts numbers, the event type does not)
const raw: DepictEvent = { tenant: 't', market: 'm', type: 'purchase', entity_price: 499 };
const config: DepictConfig = { tenant: 't', market: 'm', apiKey: 'k' };
const fields: EventFields = { entity_price: 1, variant_ids: ['a', 2] };
const api: Pick<Depict, 'track' | 'flush'> = { track: () => {}, flush: () => Promise.resolve() };
// window.depict, as init({ global: true }) installs it, takes what the functions take
const global = (window as unknown as { depict: Depict }).depict;
global.track('add_to_cart', { product_id: 'p-1001', entity_price: 499, variant_ids: ['p-1001-m'] });
global.purchase(order);
const flushed: Promise<void> = global.flush();
// @ts-expect-error the snippet sets the tenant itself
global.track('click', { tenant: 'other' });
// @ts-expect-error an order has items
global.purchase({ transaction_id: 'T-1', currency: 'SEK' });

export { api, config, event, fields, flushed, raw, sent, types };
