/** The last rejected batches, with why and what, for the inspector (`GET /rejections`). */

/** How many rejected batches are kept. */
export const KEEP_REJECTIONS = 200;

/** Bodies larger than this are kept as the start of their text only. */
const KEEP_BODY = 64 * 1024;

/** A 422's issues beyond this many are not kept (the answer lists them all, as the API's
 * does): a batch of a million bad items has a million issues, ~400 MB in memory. */
export const KEEP_ISSUES = 100;

/** One rejected batch. */
export interface Rejection {
  /** Counts up from 1 since start; `?since=` filters on it. */
  id: number;
  received_at: string;
  /** The batch's tenant (its first event's), when it had one. */
  tenant: string | null;
  status: number;
  /** The answer's `detail`: the 422's issues (the first `KEEP_ISSUES`), or a message. */
  detail: unknown;
  /** How many issues the answer listed, when more than were kept. */
  detail_truncated?: number;
  /** The parsed body, or its text when it did not parse (cut at 64 KiB), or null. */
  body: unknown;
  body_truncated?: true;
  /** The collector's own explanation, where it has one (e.g. a wrong Content-Type). */
  hint?: string;
  origin: string | null;
  user_agent: string | null;
}

/** What the handler knows of a rejected batch. */
export type RejectionInput = Omit<Rejection, 'id' | 'received_at' | 'body' | 'body_truncated' | 'detail_truncated'> & {
  /** The body, parsed when it parsed. */
  parsed?: unknown;
  /** The raw body, when there is one. */
  bytes?: Buffer;
};

/** The ring of rejected batches. */
export interface Rejections {
  add(r: RejectionInput): void;
  list(filter?: { tenant?: string; since?: number }): Rejection[];
  clear(): void;
}

/** Creates an empty ring of the last `KEEP_REJECTIONS` rejected batches. */
export function createRejections(): Rejections {
  let kept: Rejection[] = [];
  let id = 0;
  return {
    add({ parsed, bytes, detail, ...r }) {
      const size = bytes?.length ?? 0;
      // a parsed body is kept whole unless large, and the first issues only: memory stays
      // bounded at 200 × (64 KiB + 100 issues)-ish
      const body =
        parsed !== undefined && size <= KEEP_BODY
          ? parsed
          : bytes?.length
            ? bytes.subarray(0, KEEP_BODY).toString('utf8')
            : null;
      kept.push({
        id: ++id,
        received_at: new Date().toISOString(),
        ...r,
        detail: Array.isArray(detail) ? detail.slice(0, KEEP_ISSUES) : detail,
        ...(Array.isArray(detail) && detail.length > KEEP_ISSUES ? { detail_truncated: detail.length } : {}),
        body,
        ...(size > KEEP_BODY ? { body_truncated: true as const } : {}),
      });
      if (kept.length > KEEP_REJECTIONS) kept = kept.slice(-KEEP_REJECTIONS);
    },
    list: ({ tenant, since } = {}) =>
      kept.filter((r) => (tenant === undefined || r.tenant === tenant) && (since === undefined || r.id > since)),
    clear() {
      kept = [];
    },
  };
}
