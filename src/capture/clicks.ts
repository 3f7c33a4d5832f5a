import { PRODUCT } from '../fields';

/** A link that opens a page: not a script's (`href="#"`, `javascript:void(0)`: a wishlist
 * heart's, a quick view's, Magento Luma's "add to compare" in every card). */
const LINK = 'a[href]:not([href^="#"]):not([href^=javascript])';

/** What a click asks for: the event type, the element whose fields it carries, and for a
 * product click the product element's link. */
export type ClickAction = [type: string, el: Element, href?: string];

/**
 * What a click on `target` means: an action element (`data-depict-event="add_to_cart"` or
 * Depict's legacy class `depict-add-to-cart`) sends its event; a click elsewhere on or inside
 * a product element is a product `click`; anything else, nothing. A middle click (`middle`)
 * means something only on a link, which it opens in a new tab: on a button it adds nothing
 * to a cart, and on a button inside a link it opens that link.
 */
export function clickAction(target: EventTarget | null, middle?: unknown, path?: EventTarget[]): ClickAction | undefined {
  const t = target instanceof Element ? target : (target as Node | null)?.parentElement;
  // the event's path, into the shadow root of a web component whose host carries the product's
  // annotations (`target` is then the host): its link is the product's
  const link = (path?.find((n) => (n as Element).matches?.(LINK)) || t?.closest(LINK)) as HTMLAnchorElement | null | undefined;
  const action = t?.closest('[data-depict-event],.depict-add-to-cart');
  const product = t?.closest(PRODUCT);
  if (middle && !link) return;
  // middle-clicked, an action counts only as a link itself: a button in a card that a link
  // wraps opens the product, a product click
  if (action && (!middle || action.contains(link!))) return [action.getAttribute('data-depict-event') || 'add_to_cart', action];
  // the link the click is in (which may wrap the whole card), else the card's first link
  if (product) return ['click', t!, (link || (product.querySelector(LINK) as HTMLAnchorElement | null))?.href];
}

/**
 * One delegated, passive, capture-phase listener for primary clicks and middle clicks
 * (`auxclick`: browsers no longer fire `click` for them), so products opened in a new tab
 * count too, and for a link's context menu (`menu`: a right click, a long press on Android),
 * whose "Open link in new tab" fires no click at all; it means what a middle click means.
 * Capture phase, so a page that stops propagation does not hide clicks.
 */
export function watchClicks(on: (a: ClickAction, menu: boolean) => void): void {
  // one product click per product element and task: the shopper's click and a second click
  // event that it makes in the same task — the control a <label> passes it on to (a colour
  // swatch's radio, a compare checkbox), a card's script that clicks the card's link for it
  // (`link.click()` from its own click or mouseup handler). An action (an add to cart) always
  // counts: an add-to-cart button that a label names still adds to the cart
  let last: unknown;
  const h = (e: MouseEvent) => {
    const menu = e.type == 'contextmenu';
    const a = (menu || e.button < 2) && clickAction(e.target, menu || e.button, e.composedPath());
    const p = a && a[0] == 'click' && a[1].closest(PRODUCT);
    if (a && !(p && p == last)) {
      if (p) (last = p), setTimeout(() => (last = 0));
      on(a, menu);
    }
  };
  for (const type of ['click', 'auxclick', 'contextmenu']) addEventListener(type, h as EventListener, { capture: true, passive: true });
}
