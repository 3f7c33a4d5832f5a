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

export function read(key: Key): string | null {
  try {
    if (persist) return localStorage.getItem(key);
  } catch {}
  return mem[key] ?? null;
}

export function write(key: Key, value: string): void {
  mem[key] = value;
  try {
    if (persist) localStorage.setItem(key, value);
  } catch {}
}

/** Switches between memory only and localStorage; turning it on writes what memory holds. */
export function persistStorage(on: boolean): void {
  persist = on;
  if (on) for (const k in mem) write(k as Key, mem[k]);
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
