/**
 * Calls `onPage(previousHref)` on every client-side navigation that changes the path or the
 * query (not the hash alone), and when the page comes back from the back/forward cache.
 * `pushState` and `replaceState` fire no event, hence the Navigation API where there is one
 * (Chrome 102, Firefox 147, Safari 26.2) and wrapped history methods elsewhere.
 */
export function watchNavigation(onPage: (previous: string) => void): void {
  const key = () => location.pathname + location.search;
  let last = key();
  let href = location.href;
  const check = () => {
    if (key() != last) {
      last = key();
      const prev = href;
      href = location.href;
      onPage(prev);
    } else href = location.href;
  };
  const nav = (window as unknown as { navigation?: EventTarget }).navigation;
  if (nav) nav.addEventListener('currententrychange', check);
  else {
    for (const m of ['pushState', 'replaceState'] as const) {
      const orig = history[m];
      history[m] = function (this: History, ...args: Parameters<History['pushState']>) {
        const r = orig.apply(this, args);
        try {
          check();
        } catch {}
        return r;
      };
    }
    addEventListener('popstate', check);
  }
  addEventListener('pageshow', (e) => e.persisted && onPage(document.referrer));
}
