/** Request and event counters of the collector, in all and per tenant, for benchmarks. */

/** The counters `GET /stats` answers with. */
export interface Counters {
  /** POSTs to /create-events. */
  requests: number;
  /** Events in those POSTs' bodies, rejected and faulted ones included (bodies that parse as a list). */
  events_received: number;
  /** Events stored. */
  stored: number;
  /** Events not stored because their (tenant, deduplication_id) already was. */
  duplicates: number;
  /** POSTs answered with a 4xx. */
  rejected_batches: number;
  /** POSTs that a fault was injected into. */
  faulted: number;
}

const zero = (): Counters => ({
  requests: 0,
  events_received: 0,
  stored: 0,
  duplicates: 0,
  rejected_batches: 0,
  faulted: 0,
});

/** The counters since start (or the last reset), in all and per tenant. */
export interface Stats {
  /** Adds `delta` to the totals and, when `tenant` is known, to that tenant's. */
  add(tenant: string | undefined, delta: Partial<Counters>): void;
  /** The totals, or one tenant's counters (zeros for a tenant never seen). */
  get(tenant?: string): Counters;
  /** Sets the totals and every tenant's, or only one tenant's, back to zero. */
  reset(tenant?: string): void;
}

/** Creates a set of counters. */
export function createStats(): Stats {
  let total = zero();
  const byTenant = new Map<string, Counters>();
  const bump = (c: Counters, delta: Partial<Counters>) => {
    for (const k of Object.keys(delta) as (keyof Counters)[]) c[k] += delta[k] ?? 0;
  };
  return {
    add(tenant, delta) {
      bump(total, delta);
      if (tenant === undefined) return;
      let c = byTenant.get(tenant);
      if (!c) byTenant.set(tenant, (c = zero()));
      bump(c, delta);
    },
    get: (tenant) => ({ ...(tenant === undefined ? total : (byTenant.get(tenant) ?? zero())) }),
    reset(tenant) {
      if (tenant !== undefined) return void byTenant.delete(tenant);
      total = zero();
      byTenant.clear();
    },
  };
}
