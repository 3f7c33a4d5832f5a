/**
 * The Create Events API's event, in one place.
 *
 * This module is the single source of the event's fields: the snippet checks every event
 * with `invalid` before it queues it, and the local collector answers with `validate`'s
 * error list, shaped like the pydantic v2 errors that FastAPI returns with a 422.
 * Part of it ships inside the snippet (the tables and `invalid`), so it is written for size;
 * what only the collector needs (`KIND`, the messages) stays out of the snippet's bundle.
 */

/** The seven event types the API accepts, in the API's order. */
export const EVENT_TYPES = [
  'page_view',
  'click',
  'add_to_cart',
  'purchase',
  'element_visible',
  'ws_click',
  'recommendations_inserted',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** One event, as the API takes it. Every field but the first three is optional. */
export interface DepictEvent {
  tenant: string;
  market: string;
  type: EventType;
  deduplication_id?: string | null;
  user_id?: string | null;
  session_id?: string | null;
  /** Depict's own session id; at least one character when set. */
  dsid?: string | null;
  ab_test_group?: string | null;
  product_id?: string | null;
  variant_ids?: string[] | null;
  entity_identifiers?: Record<string, unknown>;
  url?: string | null;
  /** The price as a string: the API does not coerce numbers. */
  entity_price?: string | null;
  currency?: string | null;
  document_referrer?: string | null;
  /** `window.innerWidth` as a string. */
  document_width?: string | null;
  attribution_id?: string | null;
  recommendation_id?: string | null;
  search_result_id?: string | null;
  product_listing_result_id?: string | null;
  click_location?: string | null;
  page_url?: string | null;
  recommendation_type?: string | null;
}

export type FieldName = keyof DepictEvent;

/** One validation error, as pydantic v2 reports it. */
export interface Issue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
  /** what the rule expected, for the error types whose pydantic error carries it */
  ctx?: Record<string, unknown>;
}

/**
 * Field kinds: 0 an optional string, 1 a required string, 2 the type enum, 3 a list of
 * strings, 4 an object (`entity_identifiers` is not nullable in the API), 5 an optional
 * string of at least one character (`dsid`).
 */
export type Kind = 0 | 1 | 2 | 3 | 4 | 5;

/** Every field with its kind, in the API's declaration order (errors follow this order;
 * an object keeps the order its string keys were written in). */
export const FIELDS = Object.entries({
  tenant: 1,
  market: 1,
  type: 2,
  deduplication_id: 0,
  user_id: 0,
  session_id: 0,
  dsid: 5,
  ab_test_group: 0,
  product_id: 0,
  variant_ids: 3,
  entity_identifiers: 4,
  url: 0,
  entity_price: 0,
  currency: 0,
  document_referrer: 0,
  document_width: 0,
  attribution_id: 0,
  recommendation_id: 0,
  search_result_id: 0,
  product_listing_result_id: 0,
  click_location: 0,
  page_url: 0,
  recommendation_type: 0,
} satisfies Record<FieldName, Kind>) as [FieldName, Kind][];

/**
 * Kind of each field by name. No prototype, so inherited names (`constructor`, `__proto__`,
 * which `data-depict-constructor` would spell) are not mistaken for fields. (Marked pure:
 * the snippet does not use it, so its bundle leaves it out.)
 */
export const KIND: Partial<Record<string, Kind>> = /* @__PURE__ */ Object.assign(
  Object.create(null),
  /* @__PURE__ */ Object.fromEntries(FIELDS),
);

/** The three result ids Depict returns with each product, in the order attribution prefers. */
export const RESULT_IDS = [
  'recommendation_id',
  'search_result_id',
  'product_listing_result_id',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v == 'object' && v !== null && !Array.isArray(v);

/** pydantic v2's message for each error type, and the `ctx` of those that have one (a
 * function, so that the snippet's bundle, which needs no messages, leaves them out). */
const messages = (): Record<string, [string, Issue['ctx']?]> => {
  const expected = EVENT_TYPES.slice(0, -1).map((t) => `'${t}'`).join(', ') + ` or '${EVENT_TYPES[6]}'`;
  return {
    list_type: ['Input should be a valid list'],
    model_attributes_type: ['Input should be a valid dictionary or object to extract fields from'],
    missing: ['Field required'],
    enum: ['Input should be ' + expected, { expected }],
    dict_type: ['Input should be a valid dictionary'],
    string_type: ['Input should be a valid string'],
    string_too_short: ['String should have at least 1 character', { min_length: 1 }],
  };
};

/** One problem, without its message: [type, loc, input]. */
export type Problem = [string, Issue['loc'], unknown];

/**
 * What is wrong with a request body (the parsed JSON), as pydantic v2 sees it, in field
 * order; an empty list means the API accepts it. Unknown fields are ignored, as the API
 * ignores them. The snippet uses this; `validate` adds the messages.
 */
export function problems(body: unknown): Problem[] {
  const out: Problem[] = [];
  if (!Array.isArray(body)) return [['list_type', ['body'], body]];
  body.forEach((event, i) => {
    if (!isObject(event)) return out.push(['model_attributes_type', ['body', i], event]);
    for (const [name, kind] of FIELDS) {
      const v = Object.prototype.hasOwnProperty.call(event, name) ? event[name] : undefined;
      const loc = ['body', i, name];
      const bad = (type: string, input: unknown = v) => out.push([type, loc, input]);
      if (v === undefined) {
        // pydantic reports the whole object as the input of a missing field
        if (kind == 1 || kind == 2) bad('missing', event);
      } else if (kind == 2) {
        if (!EVENT_TYPES.includes(v as EventType)) bad('enum');
      } else if (kind == 4) {
        if (!isObject(v)) bad('dict_type');
      } else if (v === null) {
        if (kind == 1) bad('string_type');
      } else if (kind == 3) {
        if (!Array.isArray(v)) bad('list_type');
        else
          v.forEach((item, j) => typeof item != 'string' && out.push(['string_type', [...loc, j], item]));
      } else if (typeof v != 'string') bad('string_type');
      else if (kind == 5 && !v) bad('string_too_short');
    }
  });
  return out;
}

/**
 * The names of the fields of one event that the API would refuse, in field order: the
 * snippet's check before it queues an event (`problems` without what only a 422 needs).
 * A property test holds it to `problems`.
 */
export function invalid(e: Record<string, unknown>): string[] {
  return FIELDS.filter(([name, kind]) => {
    const v = {}.hasOwnProperty.call(e, name) ? e[name] : undefined;
    // the type is checked first, as a missing one is no event type either
    return kind == 2
      ? !EVENT_TYPES.includes(v as EventType)
      : v === undefined
        ? kind == 1
        : kind == 4
          ? typeof v != 'object' || !v || Array.isArray(v) // !isObject(v), written out: smaller in the snippet
          : v === null
            ? kind == 1
            : kind == 3
              ? !Array.isArray(v) || v.some((x) => typeof x != 'string')
              : typeof v != 'string' || (kind == 5 && !v);
  }).map((f) => f[0]);
}

/**
 * Checks a request body (the parsed JSON) the way the API does and returns every error,
 * in pydantic v2's shape and wording; an empty list means the API accepts it.
 */
export function validate(body: unknown): Issue[] {
  const msg = messages();
  return problems(body).map(([type, loc, input]) => {
    const [text, ctx] = msg[type];
    return ctx ? { type, loc, msg: text, input, ctx } : { type, loc, msg: text, input };
  });
}
