import { MAX_VALUE, PLAIN, price, text, type Fields } from './fields';

/** What `depict.purchase()` and a `<script type="application/json" data-depict-purchase>`
 * block take. Prices may be numbers or strings. */
export interface Order {
  transaction_id: string | number;
  currency: string;
  /** One per line. `variant_ids` as for `track()`: a list (numbers in it become strings) or a
   * comma list. A line's other fields (`quantity`, `name`: a cart line as the shop has it) are
   * not sent. */
  items: { product_id: string | number; price: string | number; variant_ids?: (string | number)[] | string; [other: string]: unknown }[];
}

const id = (v: unknown) => text(v) && text(v).length <= MAX_VALUE;

/**
 * The purchase events of an order, one per line item, each with a deduplication_id made of
 * `shop` (the tenant and the market), the transaction id and the line (index and product),
 * so that a reloaded or revisited confirmation page sends the same ids again and the API
 * stores the sale once.
 * Returns the problem instead when the order is malformed (nothing of it is then sent).
 */
export function purchaseEvents(shop: string, order: unknown): [Fields, string][] | string {
  const { transaction_id, currency, items } = (order || {}) as Order;
  const bad =
    (!id(transaction_id) && 'transaction_id') ||
    (!/^[a-z]{3}$/i.test(text(currency)) && 'currency') ||
    (!(Array.isArray(items) && items.length) && 'items') ||
    // spread, not Array.from: Prototype.js (Magento 1) and MooTools replace Array.from with one
    // that ignores its function; spreading also turns a sparse array's holes into undefined
    [...items].map((it, i) => (!id(it?.product_id) ? `items[${i}].product_id` : !PLAIN.test(price(it.price)) && `items[${i}].price`)).find(Boolean);
  if (bad) return bad + ' is missing or invalid';
  return items.map((it, i) => [
    { product_id: text(it.product_id), entity_price: price(it.price), currency: currency.toUpperCase(), variant_ids: it.variant_ids as Fields['variant_ids'] },
    // readable, and the same on every showing of the order
    `${shop}:${transaction_id}:${i}:${it.product_id}`,
  ]);
}
