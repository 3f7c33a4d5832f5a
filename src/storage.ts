import { json } from './fields';

/**
 * First-party key-value storage (localStorage) that can be held in memory only: while
 * consent is pending nothing may touch the shopper's storage, and where localStorage throws
 * (storage disabled, quota, Safari's old private mode) the snippet keeps working from memory.
 */
const mem: Record<string, string> = {};
let persist = true;

/** The localStorage keys the snippet uses; the README lists them. */
export const KEYS = ['depict_session', 'depict_attr', 'depict_unsent'] as const;
type Key = (typeof KEYS)[number];

/** The stored value; null (localStorage) or undefined (memory) when there is none. */
export function read(key: Key): string | null | undefined {
  try {
    if (persist) return localStorage.getItem(key);
  } catch {}
  return mem[key];
}

/** Stores a value; 1 unless localStorage threw (full, or denied). */
export function write(key: Key, value: string): 1 | undefined {
  mem[key] = value;
  try {
    if (persist) localStorage.setItem(key, value);
    return 1;
  } catch {}
}

/**
 * Switches between memory only and localStorage. Turning it on writes what memory holds,
 * with what earlier pages stored (unreadable until now): their session wins over one this
 * page began while consent was pending, and their attribution memory goes under this page's.
 */
export function persistStorage(on: boolean): void {
  persist = on;
  if (on)
    for (const k in mem) {
      let v = mem[k];
      try {
        const stored = localStorage.getItem(k);
        if (stored) v = k == 'depict_attr' ? json({ ...JSON.parse(stored), ...JSON.parse(v) }) : stored;
      } catch {}
      write(k as Key, v);
    }
}

/** Forgets a key, in memory and in localStorage. */
export function forget(key: Key): void {
  delete mem[key];
  try {
    localStorage.removeItem(key);
  } catch {}
}

/** Forgets every key. */
export const clearStorage = () => KEYS.forEach(forget);
