/**
 * Fault injection, for testing how the snippet copes with a failing API: for every request,
 * or only for one tenant's (so that tests running in parallel each break their own).
 */

/** What to do wrong, and how often. */
export interface FaultOptions {
  /**
   * Answer with this status (e.g. 503, 429) instead of handling the request. The default
   * is 503 when no other effect (drop, reject, storeThenFail, delayMs) is given; with
   * `storeThenFail` it is the status sent after storing (503 by default); with `stallBody`,
   * the status whose body stalls (400 by default).
   */
  status?: number;
  /** Probability that a request gets the fault, 0..1 (default 1). */
  rate?: number;
  /** How many requests get the fault; then it turns itself off (default: no end). */
  count?: number;
  /** Seconds, sent as `Retry-After` with a faulted status. */
  retryAfter?: number;
  /** Answer this many milliseconds late (alone: a slow but otherwise normal answer). */
  delayMs?: number;
  /** Read the body, then close the connection without answering. */
  drop?: boolean;
  /**
   * Refuse the events with these deduplication_ids as if they failed validation: a 422
   * naming each one (`["body", i, "deduplication_id"]`, `value_error`), nothing stored.
   */
  reject?: string[];
  /** Store the events, then answer with an error: the answer got lost, the client retries. */
  storeThenFail?: boolean;
  /**
   * Send the answer's status and headers and the first bytes of its JSON body, then nothing
   * more, the connection left open: a proxy that hangs mid-answer. Nothing is stored.
   */
  stallBody?: boolean;
}

const CHECKS: { [K in keyof Required<FaultOptions>]: (v: unknown) => boolean } = {
  status: (v) => Number.isInteger(v) && (v as number) >= 400 && (v as number) <= 599,
  rate: (v) => typeof v == 'number' && v >= 0 && v <= 1,
  count: (v) => Number.isInteger(v) && (v as number) > 0,
  retryAfter: (v) => typeof v == 'number' && v >= 0,
  delayMs: (v) => typeof v == 'number' && v >= 0,
  drop: (v) => typeof v == 'boolean',
  reject: (v) => Array.isArray(v) && v.every((id) => typeof id == 'string'),
  storeThenFail: (v) => typeof v == 'boolean',
  stallBody: (v) => typeof v == 'boolean',
};

const EXPECTED: Record<keyof FaultOptions, string> = {
  status: 'an integer from 400 to 599',
  rate: 'a number from 0 to 1',
  count: 'a positive integer',
  retryAfter: 'a number of seconds',
  delayMs: 'a number of milliseconds',
  drop: 'true or false',
  reject: 'a list of deduplication_ids',
  storeThenFail: 'true or false',
  stallBody: 'true or false',
};

/**
 * Checks fault options read from JSON; unknown keys are errors, so that a typo
 * (`retry_after`) does not silently inject nothing.
 */
export function parseFaultOptions(x: unknown): { ok: true; value: FaultOptions } | { ok: false; error: string } {
  if (typeof x != 'object' || x === null || Array.isArray(x))
    return { ok: false, error: 'fault options must be a JSON object' };
  const errors: string[] = [];
  for (const [k, v] of Object.entries(x)) {
    if (!Object.hasOwn(CHECKS, k)) errors.push(`unknown option "${k}" (known: ${Object.keys(CHECKS).join(', ')})`);
    else if (!CHECKS[k as keyof FaultOptions](v)) errors.push(`"${k}" must be ${EXPECTED[k as keyof FaultOptions]}`);
  }
  return errors.length ? { ok: false, error: errors.join('; ') } : { ok: true, value: x as FaultOptions };
}

/** A fault in force, as `take` hands it out. */
export type Fault = FaultOptions & { rate: number };

/** The faults in force: one for all requests, and one per tenant that overrides it. */
export interface Faults {
  /** Sets the fault of `tenant`, or the global one; empty options clear it. */
  set(tenant: string | undefined, options: FaultOptions): void;
  /** Clears the fault of `tenant`, or the global one. */
  clear(tenant?: string): void;
  /**
   * Decides whether a request of `tenant` (its batch's first event's) gets a fault: the
   * tenant's own fault if it has one, else the global one; rolls `rate`, counts down `count`.
   */
  take(tenant: string | undefined): Fault | undefined;
  /** The faults in force, with the requests each has left (`count`). */
  list(): { global: FaultOptions | null; tenants: Record<string, FaultOptions> };
}

/** Creates the faults, with `global` in force from the start. `random` is for tests. */
export function createFaults(global?: FaultOptions, random: () => number = Math.random): Faults {
  const GLOBAL = Symbol('global');
  const faults = new Map<string | symbol, FaultOptions>();
  const set = (key: string | symbol, options: FaultOptions) => {
    if (Object.keys(options).length) faults.set(key, { ...options });
    else faults.delete(key);
  };
  if (global) set(GLOBAL, global);

  return {
    set: (tenant, options) => set(tenant ?? GLOBAL, options),
    clear: (tenant) => void faults.delete(tenant ?? GLOBAL),
    take(tenant) {
      const key = tenant !== undefined && faults.has(tenant) ? tenant : GLOBAL;
      const f = faults.get(key);
      if (!f) return undefined;
      const rate = f.rate ?? 1;
      if (rate < 1 && random() >= rate) return undefined;
      if (f.count !== undefined && --f.count <= 0) faults.delete(key);
      const otherEffect = f.drop || f.storeThenFail || f.reject?.length || f.delayMs;
      return { ...f, rate, status: f.status ?? (f.stallBody ? 400 : otherEffect ? undefined : 503) };
    },
    list: () => ({
      global: faults.get(GLOBAL) ?? null,
      tenants: Object.fromEntries([...faults].filter(([k]) => typeof k == 'string')) as Record<string, FaultOptions>,
    }),
  };
}
