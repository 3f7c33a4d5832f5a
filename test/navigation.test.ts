// @vitest-environment happy-dom
// watchNavigation (src/capture/navigation.ts): which URL changes are a new page, on each path
// (the Navigation API's currententrychange, or wrapped history methods and popstate), and the
// check it returns, with which the tracker looks again when the page changes.
import { beforeAll, describe, expect, it } from 'vitest';
import { watchNavigation } from '../src/capture/navigation';

describe('without the Navigation API (wrapped history, popstate)', () => {
  const pages: string[] = [];
  // the browser's own pushState: a URL change the snippet hears of by no method it wrapped (a
  // back button's traversal, before its popstate)
  const traverse = History.prototype.pushState.bind(history);
  let look: () => void;
  beforeAll(() => {
    look = watchNavigation(undefined, (previous) => pages.push(`${previous} -> ${location.pathname}${location.search}`));
  });

  it('pushState and replaceState to another path or query are a new page each; the hash alone is not', () => {
    const at = location.href;
    history.pushState({}, '', '/a');
    history.replaceState({}, '', '/a?x=1');
    history.pushState({}, '', '/a?x=1#reviews');
    expect(pages.splice(0)).toEqual([`${at} -> /a`, `${location.origin}/a -> /a?x=1`]);
  });

  it('a URL changed before popstate reaches the snippet (a router that renders in its own popstate listener): the check finds it, once; the popstate after it adds nothing', () => {
    const at = location.href;
    traverse({}, '', '/b');
    expect(pages).toEqual([]);
    look();
    look();
    dispatchEvent(new PopStateEvent('popstate'));
    expect(pages.splice(0)).toEqual([`${at} -> /b`]);
    // with no change, the check finds nothing
    look();
    expect(pages).toEqual([]);
  });

  it('a popstate to another URL is a new page', () => {
    traverse({}, '', '/c');
    dispatchEvent(new PopStateEvent('popstate'));
    expect(pages.splice(0)).toEqual([`${location.origin}/b -> /c`]);
  });
});
