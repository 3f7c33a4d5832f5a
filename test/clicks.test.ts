// @vitest-environment happy-dom
// clickAction (src/capture/clicks.ts): what a click on an element means, and watchClicks'
// delegated listeners.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clickAction, watchClicks, type ClickAction } from '../src/capture/clicks';

const $ = (sel: string) => document.querySelector(sel)!;
const abs = (href: string) => new URL(href, document.baseURI).href;

afterEach(() => {
  document.body.innerHTML = '';
});

describe('clickAction', () => {
  beforeEach(() => {
    document.body.innerHTML = `
      <header><a id=home href="/">Home</a><button id=menu>Menu</button></header>
      <div id=card data-depict-product-id="p1" data-depict-recommendation-id="r1">
        <a id=link href="/products/p1?x=1"><img id=img alt=""><span id=name>Shoe</span></a>
        <p id=desc>Nice <b id=bold>shoe</b></p>
        <button id=buy class="btn depict-add-to-cart"><svg id=icon><path id=path></path></svg><span id=buy-label>Add</span></button>
        <button id=wish data-depict-event="add_to_cart">Wish</button>
      </div>
      <div id=legacy data-recommendation-id="r2"><span id=legacy-text>No link here</span></div>
      <div id=search data-search-result-id="s1"><a href="https://other.example/p/9"><i id=search-i></i></a></div>
      <div id=listing data-depict-product-listing-result-id="l1"><em id=listing-em></em><a href="/p/l1">x</a></div>
      <button id=page-buy data-depict-event="add_to_cart">Buy (product page)</button>
      <button id=legacy-buy class="depict-add-to-cart">Buy (legacy)</button>`;
  });

  it('a click on an element inside a card is a click on it, with the card link’s href', () => {
    expect(clickAction($('#img'))).toEqual(['click', $('#img'), abs('/products/p1?x=1')]);
    expect(clickAction($('#name'))).toEqual(['click', $('#name'), abs('/products/p1?x=1')]);
    expect(clickAction($('#link'))).toEqual(['click', $('#link'), abs('/products/p1?x=1')]);
  });

  it('a click elsewhere in the card still gets the card’s link', () => {
    expect(clickAction($('#bold'))).toEqual(['click', $('#bold'), abs('/products/p1?x=1')]);
    expect(clickAction($('#card'))).toEqual(['click', $('#card'), abs('/products/p1?x=1')]);
  });

  it('the href is absolute, also for another origin', () => {
    const [, , href] = clickAction($('#search-i'))!;
    expect(href).toBe('https://other.example/p/9');
    expect(clickAction($('#listing-em'))![2]).toBe(abs('/p/l1'));
  });

  it('a product element without a link gives no href', () => {
    expect(clickAction($('#legacy-text'))).toEqual(['click', $('#legacy-text'), undefined]);
  });

  it('legacy and new result ids mark product elements', () => {
    expect(clickAction($('#legacy-text'))![0]).toBe('click');
    expect(clickAction($('#search-i'))![0]).toBe('click');
    expect(clickAction($('#listing-em'))![0]).toBe('click');
  });

  it('.depict-add-to-cart is an add_to_cart of that element, also from inside it (svg included)', () => {
    for (const id of ['#buy', '#buy-label', '#icon', '#path'])
      expect(clickAction($(id))).toEqual(['add_to_cart', $('#buy')]);
  });

  it('[data-depict-event=add_to_cart] is an add_to_cart of that element', () => {
    expect(clickAction($('#wish'))).toEqual(['add_to_cart', $('#wish')]);
    expect(clickAction($('#wish').firstChild)).toEqual(['add_to_cart', $('#wish')]);
  });

  it('an add-to-cart outside any product element is still an add_to_cart (its product comes from meta tags)', () => {
    expect(clickAction($('#page-buy'))).toEqual(['add_to_cart', $('#page-buy')]);
    expect(clickAction($('#legacy-buy'))).toEqual(['add_to_cart', $('#legacy-buy')]);
  });

  it('data-depict-event names the event type', () => {
    document.body.innerHTML = '<div data-depict-product-id="p"><a id=a data-depict-event="purchase">x</a></div>';
    expect(clickAction($('#a'))).toEqual(['purchase', $('#a')]);
  });

  it('a click outside any product element means nothing', () => {
    expect(clickAction($('#home'))).toBeUndefined();
    expect(clickAction($('#menu'))).toBeUndefined();
    expect(clickAction(document.body)).toBeUndefined();
    expect(clickAction(document.documentElement)).toBeUndefined();
  });

  it('text node targets are taken as their parent element', () => {
    const text = $('#name').firstChild!;
    expect(text.nodeType).toBe(Node.TEXT_NODE);
    expect(clickAction(text)).toEqual(['click', $('#name'), abs('/products/p1?x=1')]);
    expect(clickAction($('#buy-label').firstChild)).toEqual(['add_to_cart', $('#buy')]);
    expect(clickAction($('#home').firstChild)).toBeUndefined();
  });

  it('null, the document, the window and detached text give undefined', () => {
    expect(clickAction(null)).toBeUndefined();
    expect(clickAction(document)).toBeUndefined();
    expect(clickAction(window)).toBeUndefined();
    expect(clickAction(document.createTextNode('loose'))).toBeUndefined();
  });

  it('the nearest product element is the one whose link is taken', () => {
    document.body.innerHTML = `
      <div data-depict-recommendation-type="similar" data-depict-product-id="outer">
        <a href="/outer">outer</a>
        <div data-depict-product-id="inner"><a href="/inner">inner</a><span id=t>x</span></div>
      </div>`;
    expect(clickAction($('#t'))).toEqual(['click', $('#t'), abs('/inner')]);
  });

  it('an anchor without href is not a link', () => {
    document.body.innerHTML = `<div data-depict-product-id="p"><a id=t name=anchor>x</a><a href="/p">p</a></div>`;
    expect(clickAction($('#t'))).toEqual(['click', $('#t'), abs('/p')]);
  });

  it("a script's link (href=\"#\", javascript:void(0): a wishlist heart, a quick view) is not the product's link", () => {
    document.body.innerHTML = `<div data-depict-product-id="p"><a id=wish href="#">♡</a><a id=quick href="javascript:void(0)">Quick</a><a href="/p">p</a></div>
      <div data-depict-product-id="q"><a id=only href="#">♡</a></div>`;
    expect(clickAction($('#wish'))).toEqual(['click', $('#wish'), abs('/p')]);
    expect(clickAction($('#quick'))).toEqual(['click', $('#quick'), abs('/p')]);
    expect(clickAction($('#only'))).toEqual(['click', $('#only'), undefined]);
    // opened in a new tab, it is no product
    expect(clickAction($('#wish'), 1)).toBeUndefined();
  });

  // `t.closest('a[href]')` finds the wrapping link, outside the product element
  it('a card wrapped in its link gets that link as page_url', () => {
    document.body.innerHTML = `<a href="/p/1"><div data-depict-product-id="1"><img id=t></div></a>`;
    expect(clickAction($('#t'))).toEqual(['click', $('#t'), abs('/p/1')]);
  });

  it("a web component annotated on its host, its link in its shadow root: the event's path gives the link, also to a middle click", () => {
    document.body.innerHTML = `<product-card id=t data-depict-product-id="h1"></product-card>`;
    const host = $('#t');
    const a = Object.assign(document.createElement('a'), { href: '/product/h1' });
    host.attachShadow({ mode: 'open' }).append(a);
    // the target is the host (retargeted); the path starts inside the shadow root
    const path = [a, host.shadowRoot!, host, document.body, document.documentElement, document, window];
    expect(clickAction(host, 0, path)).toEqual(['click', host, abs('/product/h1')]);
    expect(clickAction(host, 1, path)).toEqual(['click', host, abs('/product/h1')]);
    // without the path, the shadow root's link is not found
    expect(clickAction(host, 1)).toBeUndefined();
  });
});

describe('watchClicks', () => {
  // watchClicks adds listeners to window that cannot be removed: install it once
  const seen: ClickAction[] = [];
  const on = vi.fn((a: ClickAction, _menu: boolean) => void seen.push(a));
  let installed = false;

  beforeEach(() => {
    if (!installed) watchClicks(on), (installed = true);
    seen.length = 0;
    on.mockClear();
    document.body.innerHTML = `
      <div data-depict-product-id="p1"><a id=link href="/p/1"><span id=t>Shoe</span></a>
        <button id=buy class=depict-add-to-cart>Add</button></div>
      <button id=other>Other</button>`;
  });

  const click = (el: Element, type = 'click', button = 0) =>
    el.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, button }));

  it('reports primary clicks', () => {
    click($('#t'));
    click($('#buy'));
    expect(seen).toEqual([
      ['click', $('#t'), abs('/p/1')],
      ['add_to_cart', $('#buy')],
    ]);
    expect(on.mock.calls.map((c) => c[1])).toEqual([false, false]);
  });

  it("a link's context menu (a right click, a long press), which may open it in a new tab, is reported as such on a product link; off a link, not at all", () => {
    click($('#t'), 'contextmenu', 2);
    click($('#buy'), 'contextmenu', 2);
    expect(seen).toEqual([['click', $('#t'), abs('/p/1')]]);
    expect(on.mock.calls.map((c) => c[1])).toEqual([true]);
  });

  it('reports middle clicks (auxclick) on links, not right clicks', () => {
    click($('#t'), 'auxclick', 1);
    click($('#t'), 'auxclick', 2);
    expect(seen).toEqual([['click', $('#t'), abs('/p/1')]]);
  });

  it('a middle click off any link opens nothing and adds nothing to a cart: not reported', () => {
    document.body.insertAdjacentHTML(
      'beforeend',
      `<div data-depict-product-id="p2"><span id=plain>Text</span><button id=buy2 data-depict-event="add_to_cart">Add</button>
        <a id=buy-link href="/cart/add?id=p2" data-depict-event="add_to_cart">Add (a link)</a></div>`,
    );
    click($('#buy'), 'auxclick', 1);
    click($('#buy2'), 'auxclick', 1);
    click($('#plain'), 'auxclick', 1);
    expect(seen).toEqual([]);
    // a link that adds to the cart does so in the new tab too
    click($('#buy-link'), 'auxclick', 1);
    expect(seen).toEqual([['add_to_cart', $('#buy-link')]]);
  });

  it('a middle click on an add-to-cart button inside a card that a link wraps opens the product: a click, not an add to cart', () => {
    document.body.insertAdjacentHTML(
      'beforeend',
      `<a id=wrap href="/p/3"><div data-depict-product-id="p3"><button id=buy3 class=depict-add-to-cart>Add</button></div></a>`,
    );
    click($('#buy3'), 'auxclick', 1);
    click($('#buy3'));
    expect(seen).toEqual([
      ['click', $('#buy3'), abs('/p/3')],
      ['add_to_cart', $('#buy3')],
    ]);
  });

  it("one product click per card and task: a second click event that the first makes (a label's control, a card's link.click()) is not reported; an add to cart is", async () => {
    document.body.insertAdjacentHTML('beforeend', '<div data-depict-product-id="p2"><span id=t2>Boot</span></div>');
    click($('#t'));
    click($('#link'));
    click($('#t2'));
    click($('#buy'));
    click($('#buy'));
    expect(seen.map((a) => a[0] + ' ' + (a[1] as HTMLElement).id)).toEqual(['click t', 'click t2', 'add_to_cart buy', 'add_to_cart buy']);
    // a click in a later task is the shopper's next one
    await new Promise((r) => setTimeout(r));
    click($('#link'));
    expect(seen.map((a) => a[1])).toHaveLength(5);
  });

  it('reports nothing for clicks outside products', () => {
    click($('#other'));
    expect(on).not.toHaveBeenCalled();
  });

  it('sees clicks whose propagation the page stops (capture phase)', () => {
    $('#t').addEventListener('click', (e) => e.stopPropagation());
    document.body.addEventListener('click', (e) => e.stopImmediatePropagation(), { capture: true });
    click($('#t'));
    expect(seen).toHaveLength(1);
  });
});
