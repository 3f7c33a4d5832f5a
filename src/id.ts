/** A random id for an event: a v4 UUID, or 32 random hex digits where `crypto.randomUUID`
 * is missing (it needs a secure context, and Safari < 15.4 lacks it). */
export const uuid = (): string =>
  crypto.randomUUID?.() ||
  // spread, not Array.from (which some old libraries replace, see purchase.ts)
  [...crypto.getRandomValues(new Uint8Array(16))].map((b) => (b + 256).toString(16).slice(1)).join('');
