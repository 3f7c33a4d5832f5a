// @vitest-environment happy-dom
// createVisibility (src/capture/visibility.ts) with a stub IntersectionObserver the test
// drives by hand, fake timers, and a settable document.visibilityState (and document.hidden).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DWELL, RATIO, createVisibility, type Visibility } from '../src/capture/visibility';

class StubIO {
  static last: StubIO;
  observed = new Set<Element>();
  constructor(
    public cb: IntersectionObserverCallback,
    public options?: IntersectionObserverInit,
  ) {
    StubIO.last = this;
  }
  observe(el: Element) {
    this.observed.add(el);
  }
  unobserve(el: Element) {
    this.observed.delete(el);
  }
  disconnect() {
    this.observed.clear();
  }
  takeRecords() {
    return [];
  }
  /** Reports `el` at `ratio` in view. */
  fire(el: Element, ratio: number) {
    const entry = { target: el, isIntersecting: ratio > 0, intersectionRatio: ratio } as IntersectionObserverEntry;
    this.cb([entry], this as unknown as IntersectionObserver);
  }
}

let state: DocumentVisibilityState = 'visible';
const setVisibility = (s: DocumentVisibilityState) => {
  state = s;
  // as a browser does: at the document, bubbling to the window
  document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
};

let seen: ReturnType<typeof vi.fn<(el: Element) => void>>;
let io: StubIO;
let vis: { observe: Visibility[0]; release: Visibility[1]; reset: Visibility[2] };
const card = (id: string) => {
  const el = document.createElement('div');
  el.id = id;
  el.setAttribute('data-depict-product-id', id);
  document.body.append(el);
  return el;
};

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('IntersectionObserver', StubIO);
  state = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state == 'hidden' });
  seen = vi.fn();
  const [observe, release, reset] = createVisibility(seen);
  vis = { observe, release, reset };
  io = StubIO.last;
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
  state = 'visible';
  // the listener of this test's instance stays on window: leave it with nothing to do
});

describe('createVisibility', () => {
  it('observes with a threshold of half the element', () => {
    expect(RATIO).toBe(0.5);
    expect(DWELL).toBe(1000);
    expect(io.options).toEqual({ threshold: 0.5 });
    const a = card('a');
    vis.observe(a);
    expect(io.observed.has(a)).toBe(true);
  });

  it('reports an element half in view for one second, once', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 0.5);
    vi.advanceTimersByTime(999);
    expect(seen).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen).toHaveBeenCalledWith(a);
    // still observed (see below); more intersection reports while it stays in view change nothing
    expect(io.observed.has(a)).toBe(true);
    io.fire(a, 1);
    vi.advanceTimersByTime(5000);
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('does not report an element less than half in view', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 0.49);
    vi.advanceTimersByTime(10_000);
    expect(seen).not.toHaveBeenCalled();
  });

  it('leaving the view before one second cancels; coming back starts a full second again', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 0.8);
    vi.advanceTimersByTime(900);
    io.fire(a, 0.2);
    vi.advanceTimersByTime(5000);
    expect(seen).not.toHaveBeenCalled();
    io.fire(a, 0.6);
    vi.advanceTimersByTime(999);
    expect(seen).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('repeated reports while in view do not restart the second', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 0.5);
    vi.advanceTimersByTime(600);
    io.fire(a, 0.9);
    vi.advanceTimersByTime(400);
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('times each element on its own', () => {
    const a = card('a');
    const b = card('b');
    vis.observe(a);
    vis.observe(b);
    io.fire(a, 1);
    vi.advanceTimersByTime(500);
    io.fire(b, 1);
    vi.advanceTimersByTime(500);
    expect(seen.mock.calls).toEqual([[a]]);
    vi.advanceTimersByTime(500);
    expect(seen.mock.calls).toEqual([[a], [b]]);
  });

  it('does not start while the tab is hidden; starts when it becomes visible', () => {
    const a = card('a');
    vis.observe(a);
    state = 'hidden';
    io.fire(a, 1);
    vi.advanceTimersByTime(5000);
    expect(seen).not.toHaveBeenCalled();
    setVisibility('visible');
    vi.advanceTimersByTime(999);
    expect(seen).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(seen).toHaveBeenCalledWith(a);
  });

  it('hiding the tab cancels the second; showing it again starts a full second', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 1);
    vi.advanceTimersByTime(800);
    setVisibility('hidden');
    vi.advanceTimersByTime(5000);
    expect(seen).not.toHaveBeenCalled();
    setVisibility('visible');
    vi.advanceTimersByTime(999);
    expect(seen).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('showing the tab does not restart elements that left the view meanwhile', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 1);
    setVisibility('hidden');
    io.fire(a, 0);
    setVisibility('visible');
    vi.advanceTimersByTime(5000);
    expect(seen).not.toHaveBeenCalled();
  });

  it('an element removed from the page before its second is not reported', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 1);
    a.remove();
    vi.advanceTimersByTime(2000);
    expect(seen).not.toHaveBeenCalled();
  });

  it('release() cancels the timer and stops observing', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 1);
    vis.release(a);
    expect(io.observed.has(a)).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(seen).not.toHaveBeenCalled();
    // nor is it brought back by the tab becoming visible
    setVisibility('hidden');
    setVisibility('visible');
    vi.advanceTimersByTime(2000);
    expect(seen).not.toHaveBeenCalled();
  });

  it('a seen element stays observed: back in view, it is seen again a full second later (a node a virtual list recycled for another product while out of view)', () => {
    const a = card('a');
    vis.observe(a);
    io.fire(a, 1);
    vi.advanceTimersByTime(1000);
    io.fire(a, 0);
    io.fire(a, 1);
    vi.advanceTimersByTime(999);
    expect(seen).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(seen.mock.calls).toEqual([[a], [a]]);
  });

  it('reset() (a new page view) starts a full second for every element in view, seen or not, without a new intersection report', () => {
    const a = card('a');
    const b = card('b');
    const out = card('out');
    vis.observe(a);
    vis.observe(b);
    vis.observe(out);
    io.fire(a, 1);
    vi.advanceTimersByTime(1000);
    io.fire(b, 1);
    vi.advanceTimersByTime(500);
    expect(seen.mock.calls).toEqual([[a]]);
    vis.reset();
    vi.advanceTimersByTime(999);
    expect(seen.mock.calls).toEqual([[a]]);
    vi.advanceTimersByTime(1);
    expect(seen.mock.calls).toEqual([[a], [a], [b]]);
  });

  it('reset() forgets released elements', () => {
    const a = card('a');
    vis.observe(a);
    vis.release(a);
    vis.reset();
    expect(io.observed.has(a)).toBe(false);
  });
});
