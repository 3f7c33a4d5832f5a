/** The viewability rule, after the MRC display standard: half of the element in view, in a
 * visible tab, for one continuous second. */
export const RATIO = 0.5;
export const DWELL = 1e3;

/** `observe(el)`: watch an element; `release(el)`: stop, for an element that is removed;
 * `reset()`: a new page view, where every element may be seen once more. Functions, not an
 * object's methods, whose names would survive minification. */
export type Visibility = [observe: (el: Element) => void, release: (el: Element) => void, reset: () => void];

/**
 * Calls `seen(el)` when the element has been at least half in view, in a visible tab, for
 * one continuous second. One IntersectionObserver for all elements and a timer only per
 * element in view, so thousands of cards cost little; leaving the view or hiding the tab
 * cancels the timer, and a seen element is unobserved: seen once until reset() (a new page
 * view), or until it is released and observed again.
 */
export function createVisibility(seen: (el: Element) => void): Visibility {
  /** The elements in view, each with its timer (none while the tab is hidden). */
  const inView = new Map<Element, any>();
  /** The elements seen this page view (no longer observed), to observe again on reset(). One
   * released and observed again (moved, or removed and added again) may be seen again: the
   * tracker reports each product's fields once per page view. */
  const seenHere = new Set<Element>();
  const stop = (el: Element) => {
    clearTimeout(inView.get(el));
    inView.delete(el);
  };
  const start = (el: Element) => {
    // a seen element may still have an entry queued from before it was unobserved
    if (!seenHere.has(el))
      inView.set(
        el,
        inView.get(el) ||
          (!document.hidden &&
            setTimeout(() => {
              stop(el);
              seenHere.add(el);
              io.unobserve(el);
              if (el.isConnected) seen(el);
            }, DWELL)),
      );
  };
  // intersectionRatio is 0 when not intersecting
  const io = new IntersectionObserver((entries) => entries.forEach((e) => (e.intersectionRatio < RATIO ? stop : start)(e.target)), {
    threshold: RATIO,
  });
  // hidden: no timers; visible again: a full second from now
  addEventListener('visibilitychange', () =>
    inView.forEach((timer, el) => {
      clearTimeout(timer);
      inView.set(el, 0);
      start(el);
    }),
  );
  return [
    (el) => seenHere.has(el) || io.observe(el),
    (el) => {
      stop(el);
      seenHere.delete(el);
      io.unobserve(el);
    },
    () => {
      seenHere.forEach((el) => el.isConnected && io.observe(el));
      seenHere.clear();
    },
  ];
}
