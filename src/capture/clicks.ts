import { PRODUCT } from '../fields';

/** What a click asks for: the event type, the element whose fields it carries, and for a
 * product click the product element's link. */
export type ClickAction = [type: string, el: Element, href?: string];

const ACTION = '[data-depict-event],.depict-add-to-cart';

/**
 * What a click on `target` means: an action element (`data-depict-event="add_to_cart"` or
 * Depict's legacy class `depict-add-to-cart`) sends its event; a click elsewhere on or inside
 * a product element is a product `click`; anything else, nothing.
 */
export function clickAction(target: EventTarget | null): ClickAction | undefined {
  const t = target instanceof Element ? target : (target as Node | null)?.parentElement;
  if (!t) return;
  const action = t.closest(ACTION);
  if (action) return [action.getAttribute('data-depict-event') || 'add_to_cart', action];
  const product = t.closest(PRODUCT);
  if (!product) return;
  // the link the click is in (which may wrap the whole card), else the card's first link
  const link = (t.closest('a[href]') || product.querySelector('a[href]')) as HTMLAnchorElement | null;
  return ['click', t, link?.href];
}

/**
 * One delegated, passive, capture-phase listener for primary clicks, and one for middle
 * clicks (`auxclick`: browsers no longer fire `click` for them), so products opened in a
 * new tab count too. Capture phase, so a page that stops propagation does not hide clicks.
 */
export function watchClicks(on: (a: ClickAction) => void): void {
  const h = (e: MouseEvent) => {
    if (e.button > 1) return;
    const a = clickAction(e.target);
    if (a) on(a);
  };
  addEventListener('click', h, { capture: true, passive: true });
  addEventListener('auxclick', h, { capture: true, passive: true });
}
