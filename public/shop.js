// The documented two-line pre-load stub: calls made before /depict.js has loaded are queued
// in depict.q and replayed, in order, when the snippet starts.
window.depict = window.depict && (depict.q || depict.loaded) ? depict : { q: [] };
'track set page purchase consent flush debug'.split(' ').forEach(function (m) { depict[m] = depict[m] || function () { depict.q.push([m, arguments]); return Promise.resolve(); }; });

/*
 * Nordvik, the demo storefront. Plain browser JS, no build, no network besides the page's own
 * origin, no randomness: every page renders the same way every time, so end-to-end tests can
 * rely on it. This file only renders the shop and annotates it; the snippet (/depict.js, async)
 * captures page views, clicks, add-to-carts, visibility and widget insertions on its own.
 * The one explicit call is depict.purchase() on the confirmation page.
 */
(function () {
  'use strict';

  // ---- Catalog ------------------------------------------------------------------------------

  const CATEGORIES = {
    dresses: 'Dresses',
    tops: 'Tops',
    shoes: 'Shoes',
    accessories: 'Accessories',
  };
  const SIZES = { dresses: ['S', 'M', 'L'], tops: ['S', 'M', 'L'], shoes: ['38', '40', '42'] };

  // id number, category, name, price in SEK, colour (also the placeholder's tone)
  const CATALOG = [
    [1001, 'dresses', 'Linen Midi Dress', 499, 'sand'],
    [1002, 'dresses', 'Jersey Slip Dress', 299, 'black'],
    [1003, 'dresses', 'Wrap Dress', 699, 'rose'],
    [1004, 'dresses', 'Pleated Maxi Dress', 899, 'olive'],
    [1005, 'dresses', 'Shirt Dress', 599, 'sky'],
    [1006, 'dresses', 'Knit Dress', 799, 'rust'],
    [1007, 'tops', 'Organic Cotton Tee', 199, 'white'],
    [1008, 'tops', 'Striped Breton Top', 349, 'navy'],
    [1009, 'tops', 'Merino Crew Sweater', 899, 'olive'],
    [1010, 'tops', 'Oversized Poplin Shirt', 449, 'sky'],
    [1011, 'tops', 'Ribbed Tank Top', 149, 'black'],
    [1012, 'tops', 'Cable Knit Cardigan', 999, 'sand'],
    [1013, 'shoes', 'Leather Sneaker', 1199, 'white'],
    [1014, 'shoes', 'Suede Loafer', 1299, 'rust'],
    [1015, 'shoes', 'Chelsea Boot', 1599, 'black'],
    [1016, 'shoes', 'Canvas Plimsoll', 499, 'navy'],
    [1017, 'shoes', 'Strappy Sandal', 699, 'sand'],
    [1018, 'shoes', 'Trail Running Shoe', 1099, 'sky'],
    [1019, 'accessories', 'Wool Scarf', 349, 'rust'],
    [1020, 'accessories', 'Leather Tote', 1499, 'sand'],
    [1021, 'accessories', 'Canvas Cap', 249, 'olive'],
    [1022, 'accessories', 'Leather Belt', 399, 'black'],
    [1023, 'accessories', 'Silk Scarf', 449, 'rose'],
    [1024, 'accessories', 'Crossbody Bag', 899, 'navy'],
  ].map(([n, cat, name, price, tone]) => {
    const id = 'p-' + n;
    // Clothes and shoes come in sizes; accessories in their own colour and black (or sand).
    const labels = SIZES[cat] || [tone, tone === 'black' ? 'sand' : 'black'];
    return {
      id,
      cat,
      name,
      tone,
      sku: 'SKU-' + n,
      price: price.toFixed(2), // the API wants prices as strings
      variants: labels.map((l) => ({ id: id + '-' + l.toLowerCase(), label: cap(l) })),
    };
  });
  const BY_ID = {};
  CATALOG.forEach((p) => { BY_ID[p.id] = p; });

  const CURRENCY = 'SEK';
  const HOME_RECS = ['p-1003', 'p-1008', 'p-1013', 'p-1020', 'p-1005', 'p-1016'];
  const LISTING_ALL_SIZE = 48; // "All" cycles the catalog twice
  const PAGE_SIZE = 12;
  const CART_KEY = 'demo_cart';
  const ORDER_KEY = 'demo_last_order';

  // ---- Helpers ------------------------------------------------------------------------------

  function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  }

  /** "1199.00" -> "1 199 kr" (no-break space), the same on every machine. */
  function money(price) {
    return String(Math.round(Number(price))).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0') + '\u00a0kr';
  }

  function $(sel) { return document.querySelector(sel); }
  function param(name) { return new URLSearchParams(location.search).get(name); }
  function page() { return document.documentElement.getAttribute('data-page'); }

  /**
   * One product card. `ids` holds the card's result-id attributes. The home widget passes
   * `legacy`: it is annotated the way an existing Depict integration already is
   * (data-recommendation-id, class depict-add-to-cart), to show that keeps working.
   */
  function cardHTML(p, ids, legacy) {
    const v = p.variants[0];
    const fields = legacy ? '' :
      ` data-depict-entity-price="${p.price}" data-depict-entity-identifiers='{"sku":"${p.sku}"}'`;
    const button = legacy
      ? 'class="btn btn-small depict-add-to-cart"'
      : `class="btn btn-small" data-depict-event="add_to_cart" data-depict-variant-ids="${v.id}"`;
    return `<article class="card" data-testid="product-card"${ids ? ' ' + ids : ''} data-depict-product-id="${p.id}"${fields}>
  <a class="card-link" data-testid="card-link" href="/product.html?id=${p.id}">
    <div class="ph ph-${p.cat} tone-${p.tone}" aria-hidden="true"></div>
    <h3 class="card-title">${esc(p.name)}</h3>
  </a>
  <p class="card-price">${money(p.price)}</p>
  <button type="button" ${button} data-cart-add="${v.id}" data-testid="card-add-to-cart">Add to cart</button>
</article>`;
  }

  // ---- Cart (the shop's own, in localStorage) -----------------------------------------------

  function readJSON(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function cart() { return readJSON(CART_KEY, []); }
  function saveCart(lines) { localStorage.setItem(CART_KEY, JSON.stringify(lines)); updateCartCount(); }

  function variantById(variantId) {
    const p = BY_ID[variantId.replace(/-[^-]+$/, '')];
    const v = p && p.variants.find((x) => x.id === variantId);
    return v ? { product: p, variant: v } : null;
  }

  function addToCart(variantId) {
    const found = variantById(variantId);
    if (!found) return;
    const lines = cart();
    const line = lines.find((l) => l.variant_id === variantId);
    if (line) line.qty += 1;
    else lines.push({ product_id: found.product.id, variant_id: variantId, qty: 1 });
    saveCart(lines);
    toast(`Added ${found.product.name} (${found.variant.label}) to your cart`);
  }

  function updateCartCount() {
    const el = $('#cart-count');
    if (el) el.textContent = String(cart().reduce((n, l) => n + l.qty, 0));
  }

  let toastTimer;
  function toast(text) {
    let el = $('#toast');
    if (!el) {
      el = document.createElement('div');
      el.id = 'toast';
      el.className = 'toast';
      el.setAttribute('role', 'status');
      el.setAttribute('data-testid', 'toast');
      document.body.appendChild(el);
    }
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 2500);
  }

  // ---- Home: the late "Recommended for you" widget ------------------------------------------

  function initHome() {
    // Simulates the round trip to Depict's /recommend: the widget enters the DOM 600 ms after
    // the page, so the snippet must notice a recommendation element added later.
    setTimeout(() => {
      const slot = $('#recs-home-slot');
      slot.innerHTML = `<section class="recs" data-depict-recommendation-type="front_page" data-testid="recs-home" id="recs-home">
  <h2>Recommended for you</h2>
  <div class="grid grid-6">${HOME_RECS.map((id, i) =>
    cardHTML(BY_ID[id], `data-recommendation-id="rec-home-${i + 1}"`, true)).join('\n')}</div>
</section>`;
    }, 600);
  }

  // ---- Category: filters (pushState), infinite scroll ---------------------------------------

  const listing = { cat: '', items: [], shown: 0, timer: 0, observer: null };

  /** The listing's cards in order: "All" cycles the catalog; a category lists its own products. */
  function listingItems(cat) {
    if (!cat) {
      return Array.from({ length: LISTING_ALL_SIZE }, (_, i) => {
        const p = CATALOG[i % CATALOG.length];
        const round = Math.floor(i / CATALOG.length);
        return { p, id: 'plr-' + p.id + (round ? '-' + (round + 1) : '') };
      });
    }
    return CATALOG.filter((p) => p.cat === cat).map((p) => ({ p, id: `plr-${cat}-${p.id}` }));
  }

  function currentCat() {
    const cat = param('cat') || '';
    return CATEGORIES[cat] ? cat : '';
  }

  function renderListing(fromStatic) {
    const cat = currentCat();
    clearTimeout(listing.timer);
    listing.cat = cat;
    listing.items = listingItems(cat);
    const title = cat ? CATEGORIES[cat] : 'All products';
    $('#listing-title').textContent = title;
    document.title = title + ' — Nordvik';
    document.querySelectorAll('[data-filter]').forEach((a) => {
      if (a.getAttribute('data-filter') === cat) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    const grid = $('#product-grid');
    // The first page of "All" is already in the static HTML, as a server would render it.
    if (fromStatic && !cat) listing.shown = grid.children.length;
    else {
      grid.innerHTML = '';
      listing.shown = 0;
      appendPage();
    }
    updateListingStatus();
    watchSentinel();
  }

  function appendPage() {
    const next = listing.items.slice(listing.shown, listing.shown + PAGE_SIZE);
    $('#product-grid').insertAdjacentHTML('beforeend', next.map((it) =>
      cardHTML(it.p, `data-depict-product-listing-result-id="${it.id}"`)).join('\n'));
    listing.shown += next.length;
  }

  function updateListingStatus(loading) {
    const grid = $('#product-grid');
    grid.setAttribute('data-count', String(listing.shown));
    $('#listing-status').textContent = loading ? 'Loading more…'
      : `Showing ${listing.shown} of ${listing.items.length}`;
    $('#scroll-sentinel').hidden = listing.shown >= listing.items.length;
  }

  /** (Re)starts watching the sentinel; observing anew re-checks it after the grid grew. */
  function watchSentinel() {
    const sentinel = $('#scroll-sentinel');
    if (!listing.observer) {
      listing.observer = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting) || listing.timer) return;
        if (listing.shown >= listing.items.length) return;
        updateListingStatus(true);
        // Simulates fetching the next page of Depict's /listings results.
        listing.timer = setTimeout(() => {
          listing.timer = 0;
          appendPage();
          updateListingStatus();
          watchSentinel();
        }, 300);
      }, { rootMargin: '0px 0px 200px 0px' });
    }
    listing.timer = 0;
    listing.observer.unobserve(sentinel);
    if (listing.shown < listing.items.length) listing.observer.observe(sentinel);
  }

  function initCategory() {
    document.querySelectorAll('[data-filter]').forEach((a) => {
      a.addEventListener('click', (e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        // Client-side navigation, as an SPA router does it: the snippet sees a new page view.
        if (a.href !== location.href) history.pushState({}, '', a.href);
        renderListing(false);
      });
    });
    window.addEventListener('popstate', () => renderListing(false));
    renderListing(true);
  }

  // ---- Search -------------------------------------------------------------------------------

  function slug(s) { return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); }

  function initSearch() {
    const q = (param('q') || '').trim();
    $('#search-input').value = q;
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const hits = words.length ? CATALOG.filter((p) => {
      const text = [p.name, p.cat, CATEGORIES[p.cat], p.tone].join(' ').toLowerCase();
      return words.every((w) => text.includes(w));
    }) : [];
    $('#search-heading').textContent = q ? `Results for “${q}”` : 'Search';
    document.title = (q ? q + ' — ' : '') + 'Search — Nordvik';
    $('#result-count').textContent = !q ? 'Type a word in the search box, e.g. “dress” or “black”.'
      : hits.length ? `${hits.length} product${hits.length > 1 ? 's' : ''}` : 'No products match.';
    $('#search-results').innerHTML = hits.map((p) =>
      cardHTML(p, `data-depict-search-result-id="sr-${slug(q)}-${p.id}"`)).join('\n');
  }

  // ---- Product page -------------------------------------------------------------------------

  /**
   * Runs while this script executes in <head>, before the async snippet can: the page's
   * product fields go into <meta name="depict-*"> tags, so the first page_view and the bare
   * Add to cart button already know the product.
   */
  function addProductMeta() {
    const p = BY_ID[param('id')];
    if (!p) return;
    document.title = p.name + ' — Nordvik';
    const meta = {
      'depict-product-id': p.id,
      'depict-entity-price': p.price,
      'depict-entity-identifiers': JSON.stringify({ sku: p.sku }),
    };
    Object.keys(meta).forEach((name) => {
      const m = document.createElement('meta');
      m.name = name;
      m.content = meta[name];
      document.head.appendChild(m);
    });
  }

  function initProduct() {
    const root = $('#product-root');
    const p = BY_ID[param('id')];
    if (!p) {
      root.innerHTML = `<div class="empty" data-testid="not-found"><h1>Product not found</h1>
  <p><a href="/category.html">Browse all products</a></p></div>`;
      return;
    }
    const v = p.variants[0];
    const kind = SIZES[p.cat] ? 'Size' : 'Colour';
    // Four more from the same category, starting after this product: always the same four.
    const same = CATALOG.filter((x) => x.cat === p.cat);
    const at = same.indexOf(p);
    const similar = [1, 2, 3, 4].map((k) => same[(at + k) % same.length]);
    root.innerHTML = `<nav class="crumbs"><a href="/category.html">All</a> / <a href="/category.html?cat=${p.cat}">${CATEGORIES[p.cat]}</a></nav>
<div class="product" data-testid="product-detail">
  <div class="ph ph-large ph-${p.cat} tone-${p.tone}" aria-hidden="true"></div>
  <div class="product-info">
    <h1 data-testid="product-title">${esc(p.name)}</h1>
    <p class="product-price" data-testid="product-price">${money(p.price)}</p>
    <p class="muted">Colour: ${cap(p.tone)} · Article ${p.sku}</p>
    <label class="field">${kind}
      <select id="variant-select" data-testid="variant-select">${p.variants.map((x) =>
        `<option value="${x.id}">${x.label}</option>`).join('')}</select>
    </label>
    <button type="button" class="btn" id="add-to-cart" data-testid="add-to-cart"
      data-depict-event="add_to_cart" data-depict-variant-ids="${v.id}" data-cart-add="${v.id}">Add to cart</button>
    <p class="muted">Free delivery over 500 kr · 30 days free returns</p>
  </div>
</div>
<section class="recs" data-depict-recommendation-type="similar" data-testid="recs-similar" id="recs-similar">
  <h2>You may also like</h2>
  <div class="grid">${similar.map((x, i) => cardHTML(x,
    `data-depict-recommendation-id="rec-sim-${x.id}" data-depict-click-location="similar_${i + 1}"`)).join('\n')}</div>
</section>`;
    $('#variant-select').addEventListener('change', (e) => {
      const button = $('#add-to-cart');
      button.setAttribute('data-depict-variant-ids', e.target.value);
      button.setAttribute('data-cart-add', e.target.value);
    });
  }

  // ---- Cart page ----------------------------------------------------------------------------

  /** Cart lines joined with the catalog, skipping anything no longer sold. */
  function cartView(lines) {
    return lines.map((l) => {
      const found = variantById(l.variant_id);
      return found && { ...l, name: found.product.name, variant: found.variant.label, price: found.product.price };
    }).filter(Boolean);
  }

  function total(lines) {
    return lines.reduce((sum, l) => sum + Number(l.price) * l.qty, 0).toFixed(2);
  }

  function linesHTML(lines) {
    return lines.map((l, i) => `<li class="line" data-testid="${l.remove ? 'cart-line' : 'order-line'}" data-product-id="${l.product_id}" data-variant-id="${l.variant_id}">
  <div class="ph ph-thumb ph-${BY_ID[l.product_id].cat} tone-${BY_ID[l.product_id].tone}" aria-hidden="true"></div>
  <div class="line-main"><a href="/product.html?id=${l.product_id}">${esc(l.name)}</a>
    <span class="muted">${esc(l.variant)} · ${l.qty} × ${money(l.price)}</span>${l.remove ? `
    <button type="button" class="link-button" data-remove="${i}" data-testid="cart-remove">Remove</button>` : ''}</div>
  <span class="line-total">${money(Number(l.price) * l.qty)}</span>
</li>`).join('\n');
  }

  function renderCart() {
    const root = $('#cart-root');
    const lines = cartView(cart()).map((l) => ({ ...l, remove: true }));
    if (!lines.length) {
      root.innerHTML = `<div class="empty" data-testid="cart-empty"><p>Your cart is empty.</p>
  <p><a class="btn" href="/category.html">Browse products</a></p></div>`;
      return;
    }
    root.innerHTML = `<ul class="lines" data-testid="cart-lines">${linesHTML(lines)}</ul>
<div class="summary"><span>Total</span><strong data-testid="cart-total">${money(total(lines))}</strong></div>
<a class="btn btn-wide" href="/confirmation.html" id="checkout" data-testid="checkout">Checkout</a>`;
  }

  function initCart() {
    $('#cart-root').addEventListener('click', (e) => {
      const button = e.target.closest('[data-remove]');
      if (!button) return;
      const lines = cart();
      lines.splice(Number(button.getAttribute('data-remove')), 1);
      saveCart(lines);
      renderCart();
    });
    renderCart();
  }

  // ---- Confirmation -------------------------------------------------------------------------

  /**
   * Turns the cart into an order, or shows the last order again on a reload. The order id is
   * kept in localStorage, so a reload reports the very same purchase (which the snippet
   * deduplicates). `?tx=` pins the id of a new order, for tests.
   */
  function initConfirmation() {
    const root = $('#order-root');
    const lines = cartView(cart());
    let order = readJSON(ORDER_KEY, null);
    if (lines.length) {
      order = {
        transaction_id: param('tx') || 'T-' + Date.now().toString(36).toUpperCase(),
        currency: CURRENCY,
        lines,
        total: total(lines),
      };
      localStorage.setItem(ORDER_KEY, JSON.stringify(order));
      saveCart([]);
    }
    if (!order) {
      root.innerHTML = `<div class="empty" data-testid="no-order"><h1>No recent order</h1>
  <p><a class="btn" href="/category.html">Start shopping</a></p></div>`;
      return;
    }
    // One item per cart line, at the unit price (the API's purchase item has no quantity).
    depict.purchase({
      transaction_id: order.transaction_id,
      currency: order.currency,
      items: order.lines.map((l) => ({ product_id: l.product_id, price: l.price, variant_ids: [l.variant_id] })),
    });
    root.innerHTML = `<h1>Thank you for your order</h1>
<p>Order number <strong data-testid="order-id" id="order-id">${esc(order.transaction_id)}</strong></p>
<ul class="lines" data-testid="order-lines">${linesHTML(order.lines)}</ul>
<div class="summary"><span>Total</span><strong data-testid="order-total">${money(order.total)}</strong></div>
<p class="note" data-testid="dedup-note">This page calls <code>depict.purchase()</code> on every load.
Reloading it reports the same order again with the same deduplication ids, so the sale is counted once.</p>`;
  }

  // ---- Start --------------------------------------------------------------------------------

  const INIT = {
    home: initHome,
    category: initCategory,
    search: initSearch,
    product: initProduct,
    cart: initCart,
    confirmation: initConfirmation,
  };

  if (page() === 'product') addProductMeta();

  document.addEventListener('DOMContentLoaded', () => {
    // Every card's Add to cart button names the variant it adds; the snippet sees the same click.
    document.addEventListener('click', (e) => {
      const button = e.target.closest('[data-cart-add]');
      if (button) addToCart(button.getAttribute('data-cart-add'));
    });
    updateCartCount();
    if (INIT[page()]) INIT[page()]();
    document.documentElement.setAttribute('data-shop-ready', '');
  });

  // For the page generator and for tests: the catalog and the card markup.
  window.demoShop = { catalog: CATALOG, cardHTML, money };
})();
