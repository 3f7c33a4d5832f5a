// @vitest-environment happy-dom
// sessionId (src/session.ts) over the storage module (src/storage.ts) and happy-dom's
// localStorage.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sessionId } from '../src/session';
import { clearStorage, persistStorage, read, write } from '../src/storage';

const M = 6e4;
const T0 = Date.parse('2025-03-01T10:00:00Z');
const raw = () => localStorage.getItem('depict_session');

beforeEach(() => {
  persistStorage(true);
  clearStorage();
  localStorage.clear();
});
afterEach(() => {
  persistStorage(true);
  clearStorage();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('sessionId', () => {
  it('starts a session and stores it as `id.time` under depict_session', () => {
    const id = sessionId(30, T0);
    expect(id).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(raw()).toBe(`${id}.${T0}`);
  });

  it('keeps the id within the timeout, and moves the time on', () => {
    const id = sessionId(30, T0);
    expect(sessionId(30, T0 + 29 * M)).toBe(id);
    expect(raw()).toBe(`${id}.${T0 + 29 * M}`);
    // the timeout counts from the last event, not the first
    expect(sessionId(30, T0 + 58 * M)).toBe(id);
  });

  it('starts a new session after the timeout', () => {
    const id = sessionId(30, T0);
    const next = sessionId(30, T0 + 30 * M);
    expect(next).not.toBe(id);
    expect(raw()).toBe(`${next}.${T0 + 30 * M}`);
    expect(sessionId(30, T0 + 30 * M + 1)).toBe(next);
  });

  it('uses the timeout it is given', () => {
    const id = sessionId(5, T0);
    expect(sessionId(5, T0 + 4 * M)).toBe(id);
    expect(sessionId(5, T0 + 10 * M)).not.toBe(id);
  });

  it('continues a session another tab or page stored', () => {
    localStorage.setItem('depict_session', `abc123.${T0}`);
    expect(sessionId(30, T0 + M)).toBe('abc123');
  });

  it('starts a new session from garbage in storage', () => {
    for (const junk of ['', 'no-dot', 'id.notatime', '.123', 'id.']) {
      localStorage.setItem('depict_session', junk);
      const id = sessionId(30, T0);
      expect(id).not.toBe('id');
      expect(id).not.toBe('no-dot');
      expect(id.length).toBeGreaterThan(8);
    }
  });

  it('uses Date.now() by default', () => {
    const id = sessionId(30);
    expect(raw()).toMatch(new RegExp(`^${id}\\.\\d{13}$`));
    expect(sessionId(30)).toBe(id);
  });

  it('gives ids that differ from one new session to the next', () => {
    const ids = new Set(Array.from({ length: 20 }, (_, i) => sessionId(30, T0 + i * 31 * M)));
    expect(ids.size).toBe(20);
  });
});

describe('storage in memory mode (persistStorage(false))', () => {
  it('writes nothing to localStorage, and still keeps the session in memory', () => {
    persistStorage(false);
    const id = sessionId(30, T0);
    expect(raw()).toBeNull();
    expect(localStorage.length).toBe(0);
    expect(sessionId(30, T0 + M)).toBe(id);
    expect(raw()).toBeNull();
  });

  it('does not read localStorage either', () => {
    localStorage.setItem('depict_session', `stored.${T0}`);
    persistStorage(false);
    expect(sessionId(30, T0 + M)).not.toBe('stored');
    expect(raw()).toBe(`stored.${T0}`);
  });

  it('persistStorage(true) writes what memory holds', () => {
    persistStorage(false);
    const id = sessionId(30, T0);
    persistStorage(true);
    expect(raw()).toBe(`${id}.${T0}`);
    expect(sessionId(30, T0 + M)).toBe(id);
  });

  it('clearStorage forgets the keys in memory and in localStorage', () => {
    sessionId(30, T0);
    write('depict_attr', '{}');
    localStorage.setItem('unrelated', 'x');
    clearStorage();
    expect(raw()).toBeNull();
    expect(localStorage.getItem('depict_attr')).toBeNull();
    expect(localStorage.getItem('unrelated')).toBe('x');
    persistStorage(false);
    expect(read('depict_session')).toBeUndefined();
  });

  it('keeps working from memory where localStorage methods throw', () => {
    const fail = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    vi.stubGlobal('localStorage', { getItem: fail, setItem: fail, removeItem: fail });
    let id = '';
    expect(() => (id = sessionId(30, T0))).not.toThrow();
    expect(sessionId(30, T0 + M)).toBe(id);
    expect(() => clearStorage()).not.toThrow();
    // and write() says the value did not go to localStorage (the page being left then sends
    // its events itself, having no copy for the next page)
    expect(write('depict_unsent', '[]')).toBeUndefined();
    expect(read('depict_unsent')).toBe('[]');
  });

  it('write() is truthy when localStorage took the value', () => {
    expect(write('depict_unsent', '[1]')).toBeTruthy();
    expect(localStorage.getItem('depict_unsent')).toBe('[1]');
  });

  it('keeps working from memory where reading `localStorage` itself throws (storage blocked)', () => {
    const desc = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('Access is denied for this document.', 'SecurityError');
      },
    });
    try {
      let id = '';
      expect(() => (id = sessionId(30, T0))).not.toThrow();
      expect(sessionId(30, T0 + M)).toBe(id);
    } finally {
      if (desc) Object.defineProperty(globalThis, 'localStorage', desc);
      else delete (globalThis as Record<string, unknown>).localStorage;
    }
  });
});
