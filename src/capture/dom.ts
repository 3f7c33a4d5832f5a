import { PRODUCT } from '../fields';

export const WIDGET = '[data-depict-recommendation-type]';

type Handler = ((el: Element) => void) | false;

/** What to report; a kind that is off (false) is not looked for. */
export interface DomHandlers {
  product: Handler;
  widget: Handler;
  purchase: Handler;
  /** A product element removed (reported only when products are). */
  removed(el: Element): void;
}

/** Calls `f` for `root` and each element under it that matches `sel`. */
const each = (root: Node, sel: string, f: Handler) => {
  if (f && root instanceof Element) {
    if (root.matches(sel)) f(root);
    root.querySelectorAll(sel).forEach(f);
  }
};

/**
 * Reports the annotated elements of the page — product elements, recommendation widgets,
 * declarative purchase blocks — that are there now and that are added later, and the
 * product elements that are removed (so they can be released). One MutationObserver; one
 * query per kind, so that a page of 5,000 cards costs three selector queries, not 15,000
 * matches. Returns the function that reports what is on the page (the caller runs the first
 * scan, after the page view it belongs to); with every kind off, there is nothing to watch:
 * no observer, no query, and undefined.
 */
export function watchDom(h: DomHandlers): (() => void) | undefined {
  if (!(h.product || h.widget || h.purchase)) return;
  const found = (root: Node) => {
    each(root, PRODUCT, h.product);
    each(root, WIDGET, h.widget);
    each(root, 'script[data-depict-purchase]', h.purchase);
  };
  const page = document.documentElement;
  new MutationObserver((records) =>
    records.forEach((r) => {
      r.removedNodes.forEach((n) => each(n, PRODUCT, h.product && h.removed));
      r.addedNodes.forEach(found);
    }),
  ).observe(page, { childList: true, subtree: true });
  return () => found(page);
}
