import { PRODUCT } from '../fields';

export const WIDGET = '[data-depict-recommendation-type]';

/** What to report of one kind; false for a kind that is off (it is not looked for). */
type Handler = ((el: Element) => void) | false;

/** Calls `f` for the element matching `sel` that `root` is in (itself included) and for each
 * element under it that matches `sel`. */
const each = (root: Node, sel: string, f: Handler, el?: Element | null) => {
  if (f && root instanceof Element) {
    if ((el = root.closest(sel))) f(el);
    root.querySelectorAll(sel).forEach(f);
  }
};

/**
 * Reports the annotated elements of the page — product elements (to `product`),
 * recommendation widgets (`widget`), declarative purchase blocks (`purchase`) — that are
 * there now and that are added later, and the product elements that are removed (to
 * `removed`, only when products are reported: so they can be released). One
 * MutationObserver; one query per kind, so that a page of 5,000 cards costs three selector
 * queries, not 15,000 matches. Returns the function that reports what is on the page (the
 * caller runs the first scan, after the page view it belongs to); with every kind off,
 * there is nothing to watch: no observer, no query, and undefined.
 * (The handlers are arguments, not an object's properties, whose names would survive
 * minification.)
 */
export function watchDom(
  changed: (records: MutationRecord[]) => unknown,
  product: Handler,
  widget: Handler,
  purchase: Handler,
  removed: (el: Element) => void,
): (() => void) | undefined {
  if (!(product || widget || purchase)) return;
  // (an element put in a product element reports that one too: a card rendered before its
  // data, a skeleton, gets its product id and its content together; only elements, not text:
  // a framework that re-renders every card's price adds text nodes, and looks up nothing)
  const found = (root: Node) => {
    each(root, PRODUCT, product);
    each(root, WIDGET, widget);
    each(root, 'script[data-depict-purchase]', purchase);
  };
  const page = document.documentElement;
  // (not attributes: an observer of any attribute makes every setAttribute in the document
  // check it, about 70% more per call in Chromium; so a node that a virtual list recycles for
  // another product without moving it is not seen again)
  new MutationObserver((records) => {
    changed(records);
    records.forEach((r) => {
      r.removedNodes.forEach((n) => each(n, PRODUCT, product && removed));
      r.addedNodes.forEach(found);
    });
  }).observe(page, { childList: true, subtree: true });
  return () => found(page);
}
