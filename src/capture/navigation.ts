/**
 * Calls `onPage(previousHref)` on every client-side navigation that changes the path or the
 * query (not the hash alone); a page back from the back/forward cache is the tracker's (its
 * pageshow listener).
 * `pushState` and `replaceState` fire no event, hence the Navigation API where there is one
 * (Chrome 102, Firefox 147, Safari 26.2; `nav`, the page's `window.navigation`) and wrapped
 * history methods elsewhere. Returns the check, for the caller to look again when the page
 * changes: a router that renders the page in its own popstate listener (Swup, from its
 * cache), which runs before the snippet's, changes it before `popstate` reaches the snippet.
 */
export function watchNavigation(nav: EventTarget | undefined, onPage: (previous: string) => void): () => void {
  const key = () => location.pathname + location.search;
  let href = location.href;
  let last = key();
  const check = () => {
    const prev = href;
    href = location.href;
    // `last` is read before it takes the new key
    if (last != (last = key())) onPage(prev);
  };
  if (nav) nav.addEventListener('currententrychange', check);
  else {
    for (const m of ['pushState', 'replaceState'] as const) {
      // wrapped where it is (History.prototype, unless a page script set its own on history):
      // an own property would hide the wrapper that a monitoring tool (New Relic) puts on the
      // prototype later, which would then never see the page's navigations
      const h = history.hasOwnProperty(m) ? history : History.prototype;
      const orig = h[m];
      h[m] = function (this: History, ...args: Parameters<History['pushState']>) {
        const r = orig.apply(this, args);
        // a throw in onPage must not break the page's router
        try {
          check();
        } catch {}
        return r;
      };
    }
    addEventListener('popstate', check);
  }
  return check;
}
