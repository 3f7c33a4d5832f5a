/** The viewability rule, after the MRC display standard: half of the element in view, in a
 * visible tab, for one continuous second. */
export const RATIO = 0.5;
export const DWELL = 1e3;

/** `observe(el)`: watch an element; `release(el)`: stop, for an element that is removed;
 * `reset()`: a new page view, where every element may be seen once more. Functions, not an
 * object's methods, whose names would survive minification. */
export type Visibility = [observe: (el: Element) => void, release: (el: Element) => void, reset: () => void];

/**
 * Calls `seen(el)` each time the element has been at least half in view, in a visible tab,
 * for one continuous second. One IntersectionObserver for all elements and a timer only per
 * element in view, so thousands of cards cost little; leaving the view or hiding the tab
 * cancels the timer. A seen element stays observed: each time it comes back into view it is
 * seen again (the tracker reports each product's fields once per page view), so a node that a
 * virtual list recycles for another product out of view is seen as that product.
 */
export function createVisibility(seen: (el: Element) => void): Visibility {
  /** The elements in view, each with its timer; -1 once seen (no timer again until it leaves
   * the view; no timer id, which clearTimeout could take for another one of the page's), and
   * 0 or false while the tab is hidden. */
  const inView = new Map<Element, any>();
  const stop = (el: Element) => {
    clearTimeout(inView.get(el));
    inView.delete(el);
  };
  /** (`t`: 0 to start the second again) */
  const start = (el: Element, t = inView.get(el)) =>
    inView.set(
      el,
      t ||
        (!document.hidden &&
          setTimeout(() => {
            inView.set(el, -1);
            // in view but not shown (a fade carousel's other slides, at opacity 0; a closed
            // menu, visibility: hidden): looked at again a second later
            if (el.isConnected)
              (el as any).checkVisibility?.({ opacityProperty: true, visibilityProperty: true }) == 0 ? start(el, 0) : seen(el);
          }, DWELL)),
    );
  // intersectionRatio is 0 when not intersecting
  const io = new IntersectionObserver((entries) => entries.forEach((e) => (e.intersectionRatio < RATIO ? stop : start)(e.target)), {
    threshold: RATIO,
  });
  /** A full second from now for each element in view: the tab shown again (hidden: no
   * timers), or a new page view. */
  const restart = () =>
    inView.forEach((timer, el) => {
      clearTimeout(timer);
      start(el, 0);
    });
  addEventListener('visibilitychange', restart);
  return [
    (el) => io.observe(el),
    (el) => {
      stop(el);
      io.unobserve(el);
    },
    restart,
  ];
}
