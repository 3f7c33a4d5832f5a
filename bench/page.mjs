// The bench's shop page: a category grid of product cards, a recommendation widget and the
// shop's own small script (quick view on card clicks, a cart counter, client-side navigations).
// Every variant gets the very same page; only the tracker's <script> tag in <head> differs.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** One product card of the grid. */
const card = (n) =>
  `<article class="card" data-depict-product-id="p-${n}" data-depict-product-listing-result-id="plr-${n}">` +
  `<a href="/p/${n}"><div class="img" style="background:hsl(${(n * 47) % 360} 45% 82%)"></div>` +
  `<h3>Product ${n}</h3><span class="price">${(19 + ((n * 13) % 180)).toFixed(2)} SEK</span></a>` +
  `<button class="depict-add-to-cart" type="button">Add to cart</button></article>`;

/** The recommendation widget's cards (the shop re-renders the widget on every navigation). */
const recCards = (page, count = 8) =>
  Array.from({ length: count }, (_, i) => {
    const n = 10000 + page * 100 + i;
    return (
      `<article class="card" data-recommendation-id="rec-${page}-${i}" data-depict-product-id="p-${n}">` +
      `<a href="/p/${n}"><div class="img" style="background:hsl(${(n * 31) % 360} 40% 80%)"></div>` +
      `<h3>Similar ${i + 1}</h3><span class="price">${(29 + i * 10).toFixed(2)} SEK</span></a>` +
      `<button class="depict-add-to-cart" type="button">Add to cart</button></article>`
    );
  }).join('');

/** The shop's own script: the same for every variant, baseline included. */
const SHOP_JS = `
(() => {
  const cart = document.getElementById('cart-count');
  let page = 0;
  // product links open a quick view instead of leaving the page (as many SPA shops do)
  document.addEventListener('click', (e) => {
    const t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    if (t.closest('.depict-add-to-cart')) {
      cart.textContent = String(+cart.textContent + 1);
      return;
    }
    const a = t.closest('a[href]');
    const c = t.closest('article.card');
    if (a && c) {
      e.preventDefault();
      const open = document.querySelector('article.card.quick');
      if (open) open.classList.remove('quick');
      c.classList.add('quick');
      document.getElementById('viewed').textContent = c.querySelector('h3').textContent;
    }
  });
  // a client-side navigation: new URL, new heading and a re-rendered recommendation widget
  window.shopNavigate = () => {
    page++;
    history.pushState({ page }, '', '/category/shoes?page=' + page);
    document.title = 'Shoes, page ' + page;
    document.querySelector('h1').textContent = 'Shoes, page ' + page;
    const old = document.querySelector('[data-depict-recommendation-type]');
    const w = document.createElement('section');
    w.setAttribute('data-depict-recommendation-type', 'similar');
    w.className = 'recs';
    w.innerHTML = '<h2>You may also like</h2><div class="grid">' + window.shopRecCards(page) + '</div>';
    old.replaceWith(w);
    dispatchEvent(new CustomEvent('bench:navigate'));
  };
  window.shopRecCards = ${recCards.toString().replace(/\n\s*/g, ' ')};
})();`;

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#222}
header{position:sticky;top:0;z-index:2;display:flex;gap:16px;align-items:center;padding:10px 20px;background:#fff;border-bottom:1px solid #ddd}
header nav a{color:#333;margin-right:12px}main{padding:20px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:14px}
.card{border:1px solid #e3e3e3;border-radius:8px;padding:10px;background:#fff}
.card a{color:inherit;text-decoration:none;display:block}.card .img{height:120px;border-radius:6px}
.card h3{font-size:14px;margin:8px 0 2px}.card .price{color:#555}
.card button{margin-top:8px;width:100%;padding:6px;border:0;border-radius:6px;background:#222;color:#fff}
.card.quick{outline:3px solid #2a7}.recs{margin:24px 0;padding:14px;background:#f6f6f6;border-radius:8px}`;

/**
 * The page's HTML.
 * @param {{cards?: number, head?: string, title?: string}} o  `head`: the tracker's tag(s).
 */
export function page({ cards = 200, head = '', title = 'Shoes' } = {}) {
  const grid = Array.from({ length: cards }, (_, i) => card(i + 1)).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><link rel="icon" href="data:,"><style>${CSS}</style>
${head}
</head><body>
<header><strong>Bench Shoes</strong><nav><a href="/">Home</a><a href="/category/shoes">Shoes</a><a href="/cart">Cart</a></nav>
<span>Cart: <b id="cart-count">0</b></span><span>Viewed: <i id="viewed">-</i></span></header>
<main><h1>${esc(title)}</h1>
<section class="recs" data-depict-recommendation-type="similar"><h2>You may also like</h2><div class="grid">${recCards(0)}</div></section>
<div class="grid" id="results">${grid}</div></main>
<script>${SHOP_JS}</script>
</body></html>`;
}
