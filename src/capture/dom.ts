import { PRODUCT } from '../fields';

export const WIDGET = '[data-depict-recommendation-type]';
export const PURCHASE = 'script[data-depict-purchase]';
const ANY = [PRODUCT, WIDGET, PURCHASE].join();

export interface DomHandlers {
  product(el: Element): void;
  widget(el: Element): void;
  purchase(el: Element): void;
  removed(el: Element): void;
}

const each = (root: Node, f: (el: Element) => void, sel = ANY) => {
  if (!(root instanceof Element)) return;
  if (root.matches(sel)) f(root);
  root.querySelectorAll(sel).forEach(f);
};

/**
 * Reports the annotated elements of the page — product elements, recommendation widgets,
 * declarative purchase blocks — that are there now and that are added later, and the
 * product elements that are removed (so they can be released). One MutationObserver.
 */
export function watchDom(h: DomHandlers): () => void {
  const found = (el: Element) =>
    el.matches(PURCHASE) ? h.purchase(el) : (el.matches(PRODUCT) && h.product(el), el.matches(WIDGET) && h.widget(el));
  const scan = () => each(document.documentElement, found);
  new MutationObserver((records) => {
    for (const r of records) {
      r.removedNodes.forEach((n) => each(n, h.removed, PRODUCT));
      r.addedNodes.forEach((n) => each(n, found));
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
  scan();
  return scan;
}
