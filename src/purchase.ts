import { MAX_VALUE, type Fields } from './fields';

/** What `depict.purchase()` and a `<script type="application/json" data-depict-purchase>`
 * block take. Prices may be numbers or strings. */
export interface Order {
  transaction_id: string | number;
  currency: string;
  items: { product_id: string | number; price: string | number; variant_ids?: string[] }[];
}

const id = (v: unknown) => (typeof v == 'string' && v && v.length <= MAX_VALUE) || (typeof v == 'number' && isFinite(v));

/**
 * The purchase events of an order, one per line item, each with a deduplication_id made of
 * the tenant, the transaction id and the line (index and product), so that a reloaded or revisited
 * confirmation page sends the same ids again and the API stores the sale once.
 * Returns the problem instead when the order is malformed (nothing of it is then sent).
 */
export function purchaseEvents(tenant: string, order: unknown): [Fields, string][] | string {
  const o = (order || {}) as Order;
  const bad =
    (!id(o.transaction_id) && 'transaction_id') ||
    (!/^[A-Z]{3}$/i.test(typeof o.currency == 'string' ? o.currency : '') && 'currency') ||
    (!(Array.isArray(o.items) && o.items.length) && 'items') ||
    o.items.findIndex((it) => !id(it?.product_id) || !/^\d+(\.\d+)?$/.test(typeof it.price == 'number' ? '' + it.price : it.price)) + 1;
  if (bad)
    return `${typeof bad == 'string' ? bad : `items[${bad - 1}]`} is missing or invalid; an order is {transaction_id, currency, items: [{product_id, price}]}`;
  return o.items.map((it, i) => [
    {
      product_id: '' + it.product_id,
      entity_price: '' + it.price,
      currency: o.currency.toUpperCase(),
      variant_ids: it.variant_ids,
    },
    // readable, and the same on every showing of the order
    `${tenant}:${o.transaction_id}:${i}:${it.product_id}`,
  ]);
}
