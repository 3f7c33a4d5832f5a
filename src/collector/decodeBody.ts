/**
 * What FastAPI makes of a request's bytes before validating them, reproduced for the
 * collector. From `fastapi/routing.py` (`get_request_handler`):
 *
 * - An empty body is no body: the body parameter is then reported `missing`.
 * - The body is parsed as JSON when `Content-Type` is `application/json` or
 *   `application/*+json` (parameters such as `charset` are ignored: `json.loads` gets bytes).
 * - Any other type (`text/plain`, a form type), or none (FastAPI 0.132 and later: its
 *   `strict_content_type`, on by default; earlier versions parsed a body without one), is not
 *   parsed at all: the raw bytes are validated as the list of events, which fails with
 *   `list_type` on `["body"]`. This is why the snippet must send `application/json` even
 *   though it costs a CORS preflight.
 * - Malformed JSON is a 422 `json_invalid` with `json.loads`'s position and message, listed
 *   alone (it is raised before the query is looked at).
 * - Bytes that are not UTF-8, or JSON nested deeper than Python's recursion limit, are not a
 *   `JSONDecodeError`: FastAPI answers 400 "There was an error parsing the body".
 *   (Python would also read UTF-16 and UTF-32 JSON; the snippet never sends them.)
 */
import type { Issue } from '../schema.js';
import { parseJson } from './parseJson.js';

/** The body as FastAPI would hand it to validation, or why it cannot. */
export type DecodedBody =
  | { kind: 'empty' }
  /** Parsed JSON (possibly `null`, which FastAPI also treats as no body). */
  | { kind: 'json'; value: unknown }
  /** Not a JSON content type: the raw text, which validation then refuses. */
  | { kind: 'raw'; text: string; contentType: string }
  /** Malformed JSON: the 422 issue (pydantic's, with the decoder's message in `ctx`). */
  | { kind: 'invalid'; issue: Issue & { ctx: { error: string } } }
  /** Not UTF-8, or nested too deep: FastAPI's 400. */
  | { kind: 'unreadable'; why: string };

/** Whether FastAPI parses a body of this `Content-Type` as JSON. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [main, sub, ...rest] = contentType.split(';')[0].trim().toLowerCase().split('/');
  // Python's email parser takes a malformed type for text/plain
  if (rest.length || !sub) return false;
  return main == 'application' && (sub == 'json' || sub.endsWith('+json'));
}

/** Decodes a request body the way FastAPI does (see the module comment). */
export function decodeBody(contentType: string | undefined, bytes: Buffer): DecodedBody {
  if (!bytes.length) return { kind: 'empty' };
  if (!isJsonContentType(contentType))
    return { kind: 'raw', text: bytes.toString('utf8'), contentType: contentType ?? '' };
  let text: string;
  try {
    // fatal: refuse what is not UTF-8, as Python does; a leading BOM is dropped (utf-8-sig)
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { kind: 'unreadable', why: 'the body is not valid UTF-8' };
  }
  const r = parseJson(text);
  if (r.ok) return { kind: 'json', value: r.value };
  if ('tooDeep' in r) return { kind: 'unreadable', why: 'the JSON is nested too deep' };
  return {
    kind: 'invalid',
    issue: { type: 'json_invalid', loc: ['body', r.pos], msg: 'JSON decode error', input: {}, ctx: { error: r.msg } },
  };
}
