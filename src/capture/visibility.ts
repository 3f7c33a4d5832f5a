/** The viewability rule, after the MRC display standard: half of the element in view, in a
 * visible tab, for one continuous second. */
export const RATIO = 0.5;
export const DWELL = 1e3;

export interface Visibility {
  observe(el: Element): void;
  release(el: Element): void;
  /** A new page view: every element may be seen once more. */
  reset(): void;
}

/**
 * Calls `seen(el)` once per element per page view when the element has been at least
 * half in view, in a visible tab, for one continuous second. One IntersectionObserver for
 * all elements and a timer only per element in view, so thousands of cards cost little;
 * leaving the view or hiding the tab cancels the timer, and a seen element is unobserved.
 */
export function createVisibility(seen: (el: Element) => void): Visibility {
  const inView = new Set<Element>();
  const timers = new Map<Element, ReturnType<typeof setTimeout>>();
  let done = new WeakSet<Element>();
  let all = new Set<Element>();
  const stop = (el: Element) => {
    clearTimeout(timers.get(el));
    timers.delete(el);
  };
  const start = (el: Element) => {
    if (timers.has(el) || done.has(el) || document.visibilityState != 'visible') return;
    timers.set(
      el,
      setTimeout(() => {
        timers.delete(el);
        inView.delete(el);
        done.add(el);
        io.unobserve(el);
        if (el.isConnected) seen(el);
      }, DWELL),
    );
  };
  const io = new IntersectionObserver(
    (entries) => {
      for (const e of entries)
        if (e.isIntersecting && e.intersectionRatio >= RATIO) {
          inView.add(e.target);
          start(e.target);
        } else {
          inView.delete(e.target);
          stop(e.target);
        }
    },
    { threshold: RATIO },
  );
  addEventListener('visibilitychange', () =>
    document.visibilityState == 'visible' ? inView.forEach(start) : timers.forEach((_, el) => stop(el)),
  );
  return {
    observe(el) {
      if (!done.has(el)) {
        all.add(el);
        io.observe(el);
      }
    },
    release(el) {
      stop(el);
      inView.delete(el);
      all.delete(el);
      io.unobserve(el);
    },
    reset() {
      done = new WeakSet();
      const els = all;
      all = new Set();
      els.forEach((el) => el.isConnected && this.observe(el));
    },
  };
}
