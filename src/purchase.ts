import { MAX_VALUE, type Fields } from './fields';

/** What `depict.purchase()` and a `<script type="application/json" data-depict-purchase>`
 * block take. Prices may be numbers or strings. */
export interface Order {
  transaction_id: string | number;
  currency: string;
  items: { product_id: string | number; price: string | number; variant_ids?: string[] }[];
}

/** A string, or a finite number as a string; '' for anything else. */
const str = (v: unknown) => (Number.isFinite(v) ? '' + v : typeof v == 'string' ? v : '');
const id = (v: unknown) => str(v) && str(v).length <= MAX_VALUE;
const PLAIN = /^\d+(\.\d+)?$/;
/** A price as a plain number: as it is when it is one ("1299.00", 499, "1299.0000"), else read
 * as shops print it ("1,299.00", "1 299,00 kr", "1.299,00", "CHF 1'299.00"): a comma or point
 * before the last one or two digits is the decimal point, the others group thousands. A
 * negative price stays invalid. */
const price = (v: unknown, s = str(v)) =>
  PLAIN.test(s) ? s : s.replace(/[^\d.,-]/g, '').replace(/[.,](?=.*[.,]|\d{3}$)/g, '').replace(',', '.');

/**
 * The purchase events of an order, one per line item, each with a deduplication_id made of
 * the tenant, the transaction id and the line (index and product), so that a reloaded or revisited
 * confirmation page sends the same ids again and the API stores the sale once.
 * Returns the problem instead when the order is malformed (nothing of it is then sent).
 */
export function purchaseEvents(tenant: string, order: unknown): [Fields, string][] | string {
  const { transaction_id, currency, items } = (order || {}) as Order;
  const bad =
    (!id(transaction_id) && 'transaction_id') ||
    (!/^[a-z]{3}$/i.test(str(currency)) && 'currency') ||
    (!(Array.isArray(items) && items.length) && 'items') ||
    // spread, not Array.from: Prototype.js (Magento 1) and MooTools replace Array.from with one
    // that ignores its function; spreading also turns a sparse array's holes into undefined
    [...items].map((it, i) => (!id(it?.product_id) || !PLAIN.test(price(it.price))) && `items[${i}]`).find(Boolean);
  if (bad) return bad + ' is missing or invalid';
  return items.map((it, i) => [
    { product_id: str(it.product_id), entity_price: price(it.price), currency: currency.toUpperCase(), variant_ids: it.variant_ids },
    // readable, and the same on every showing of the order
    `${tenant}:${transaction_id}:${i}:${it.product_id}`,
  ]);
}
