// uuid (src/id.ts): the deduplication_id of an event, with and without crypto.randomUUID.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuid } from '../src/id';

afterEach(() => vi.restoreAllMocks());

describe('uuid', () => {
  it('is a v4 UUID where crypto.randomUUID exists', () => {
    expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is 32 random hex digits where it is missing (an insecure context, Safari before 15.4), from getRandomValues', () => {
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    const random = vi.spyOn(crypto, 'getRandomValues');
    let ids: string[];
    try {
      ids = Array.from({ length: 1000 }, uuid);
    } finally {
      // the prototype's method again
      delete (crypto as { randomUUID?: unknown }).randomUUID;
    }
    expect(typeof crypto.randomUUID).toBe('function');
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(1000);
    expect(random).toHaveBeenCalledTimes(1000);
    // every byte is two digits, leading zero kept: the digits are spread evenly
    const zeros = ids.join('').split('').filter((c) => c == '0').length;
    expect(zeros / 32000).toBeGreaterThan(1 / 16 - 0.01);
    expect(zeros / 32000).toBeLessThan(1 / 16 + 0.01);
  });
});
