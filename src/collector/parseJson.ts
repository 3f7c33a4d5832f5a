/**
 * A JSON parser that fails exactly like CPython's `json.loads`, which is what the real API
 * (FastAPI) runs on a request body.
 *
 * Why not `JSON.parse`: FastAPI answers a malformed body with
 * `{"type": "json_invalid", "loc": ["body", pos], "ctx": {"error": msg}}`, where `pos` and
 * `msg` are the `JSONDecodeError`'s. V8's messages differ and do not always carry a position,
 * and Python also accepts what `JSON.parse` refuses (`NaN`, `Infinity`, `-Infinity`) and
 * refuses what it accepts (nesting beyond its recursion limit). This is a port of CPython
 * 3.11's `Modules/_json.c` scanner: same checks, in the same order, same messages, same
 * positions (in code points, as Python indexes a `str`). It was checked against `json.loads`
 * on a large random corpus (`test/collector.test.ts` keeps a table of the cases).
 */

/** What `parseJson` found: the value, or where and why it stopped. */
export type JsonResult =
  | { ok: true; value: unknown }
  /** `pos` counts code points, like Python; `msg` is the `JSONDecodeError`'s `msg`. */
  | { ok: false; pos: number; msg: string }
  /** Nested deeper than CPython's recursion limit lets `json.loads` go. */
  | { ok: false; tooDeep: true };

/**
 * CPython 3.11 raises `RecursionError` from `json.loads` at about 1000 nested arrays or
 * objects (fewer when the caller's stack is already deep, as in a server); FastAPI turns
 * that into a 400. The exact number in production is unknowable; this one is CPython's.
 */
export const MAX_DEPTH = 1000;

class Stop {
  constructor(
    readonly pos: number,
    readonly msg: string,
  ) {}
}
class TooDeep {}

const ESCAPES: Record<number, string> = {
  0x22: '"',
  0x5c: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

/** Python's JSON whitespace: space, tab, LF and CR only (no form feed, no NBSP). */
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Parses `text` as CPython's `json.loads` would (the text is already decoded; a BOM is
 * already gone, since FastAPI hands `json.loads` bytes, which it decodes as `utf-8-sig`).
 */
export function parseJson(text: string): JsonResult {
  const len = text.length;
  let depth = 0;

  const skip = (i: number) => {
    while (i < len && isSpace(text.charCodeAt(i))) i++;
    return i;
  };
  const fail = (pos: number, msg: string): never => {
    throw new Stop(pos, msg);
  };
  /** Python's `StopIteration` from the scanner, which `raw_decode` reports this way. */
  const noValue = (pos: number): never => fail(pos, 'Expecting value');

  const hex4 = (at: number) => {
    let n = 0;
    for (let k = at; k < at + 4; k++) {
      const d = parseInt(text[k], 16);
      if (Number.isNaN(d)) return -1;
      n = n * 16 + d;
    }
    return n;
  };

  /** `scanstring_unicode`: `end` is just past the opening quote. */
  const string = (end: number): [string, number] => {
    const begin = end - 1;
    let out = '';
    for (;;) {
      let next = end;
      let c = 0;
      for (; next < len; next++) {
        c = text.charCodeAt(next);
        if (c === 0x22 || c === 0x5c) break;
        if (c <= 0x1f) fail(next, 'Invalid control character at');
      }
      if (next >= len) fail(begin, 'Unterminated string starting at');
      out += text.slice(end, next);
      next++;
      if (c === 0x22) return [out, next];
      if (next === len) fail(begin, 'Unterminated string starting at');
      c = text.charCodeAt(next);
      if (c !== 0x75 /* u */) {
        end = next + 1;
        const ch = ESCAPES[c];
        if (ch === undefined) fail(end - 2, 'Invalid \\escape');
        out += ch;
        continue;
      }
      next++;
      end = next + 4;
      // CPython wants at least one character after the four digits (the closing quote)
      if (end >= len) fail(next - 1, 'Invalid \\uXXXX escape');
      const code = hex4(next);
      if (code < 0) fail(end - 5, 'Invalid \\uXXXX escape');
      next = end;
      // A high surrogate followed by `\uXXXX` (and one more character): try to pair them
      if (
        code >= 0xd800 &&
        code <= 0xdbff &&
        end + 6 < len &&
        text.charCodeAt(next++) === 0x5c &&
        text.charCodeAt(next++) === 0x75
      ) {
        end += 6;
        const low = hex4(next);
        if (low < 0) fail(end - 5, 'Invalid \\uXXXX escape');
        if (low >= 0xdc00 && low <= 0xdfff) out += String.fromCharCode(code, low);
        else {
          // not a pair: keep the high surrogate alone and read the second escape again
          end -= 6;
          out += String.fromCharCode(code);
        }
      } else out += String.fromCharCode(code);
    }
  };

  /** `_match_number_unicode`: the longest prefix that is a number, else no value. */
  const number = (start: number): [number, number] => {
    let i = start;
    if (text.charCodeAt(i) === 0x2d) {
      i++;
      if (i >= len) noValue(start);
    }
    const c = text.charCodeAt(i);
    if (c >= 0x31 && c <= 0x39) {
      i++;
      while (i < len && isDigit(text.charCodeAt(i))) i++;
    } else if (c === 0x30) i++;
    else noValue(start);
    if (i < len - 1 && text.charCodeAt(i) === 0x2e && isDigit(text.charCodeAt(i + 1))) {
      i += 2;
      while (i < len && isDigit(text.charCodeAt(i))) i++;
    }
    if (i < len - 1 && (text.charCodeAt(i) | 0x20) === 0x65 /* e or E */) {
      const e = i++;
      if (i < len - 1 && (text.charCodeAt(i) === 0x2d || text.charCodeAt(i) === 0x2b)) i++;
      while (i < len && isDigit(text.charCodeAt(i))) i++;
      if (!isDigit(text.charCodeAt(i - 1))) i = e; // no exponent digits: back off
    }
    return [Number(text.slice(start, i)), i];
  };

  const enter = () => {
    if (++depth >= MAX_DEPTH) throw new TooDeep();
  };

  const array = (i: number): [unknown[], number] => {
    enter();
    const out: unknown[] = [];
    i = skip(i);
    if (i >= len || text.charCodeAt(i) !== 0x5d) {
      for (;;) {
        const [v, next] = value(i);
        out.push(v);
        i = skip(next);
        if (i < len && text.charCodeAt(i) === 0x5d) break;
        if (i >= len || text.charCodeAt(i) !== 0x2c) fail(i, "Expecting ',' delimiter");
        i = skip(i + 1);
      }
    }
    depth--;
    return [out, i + 1];
  };

  const object = (i: number): [Record<string, unknown>, number] => {
    enter();
    const out: Record<string, unknown> = {};
    i = skip(i);
    if (i >= len || text.charCodeAt(i) !== 0x7d) {
      for (;;) {
        if (i >= len || text.charCodeAt(i) !== 0x22)
          fail(i, 'Expecting property name enclosed in double quotes');
        const [key, afterKey] = string(i + 1);
        i = skip(afterKey);
        if (i >= len || text.charCodeAt(i) !== 0x3a) fail(i, "Expecting ':' delimiter");
        const [v, next] = value(skip(i + 1));
        // defineProperty: a "__proto__" key is data, not the object's prototype
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        i = skip(next);
        if (i < len && text.charCodeAt(i) === 0x7d) break;
        if (i >= len || text.charCodeAt(i) !== 0x2c) fail(i, "Expecting ',' delimiter");
        i = skip(i + 1);
      }
    }
    depth--;
    return [out, i + 1];
  };

  const literal = (i: number, word: string, v: unknown): [unknown, number] | undefined =>
    text.startsWith(word, i) ? [v, i + word.length] : undefined;

  /** `scan_once_unicode`. */
  const value = (i: number): [unknown, number] => {
    if (i >= len) noValue(i);
    switch (text.charCodeAt(i)) {
      case 0x22:
        return string(i + 1);
      case 0x7b:
        return object(i + 1);
      case 0x5b:
        return array(i + 1);
      case 0x6e:
        return literal(i, 'null', null) ?? noValue(i);
      case 0x74:
        return literal(i, 'true', true) ?? noValue(i);
      case 0x66:
        return literal(i, 'false', false) ?? noValue(i);
      case 0x4e:
        return literal(i, 'NaN', NaN) ?? noValue(i);
      case 0x49:
        return literal(i, 'Infinity', Infinity) ?? noValue(i);
      case 0x2d:
        return literal(i, '-Infinity', -Infinity) ?? number(i);
    }
    return number(i);
  };

  try {
    const [v, next] = value(skip(0));
    const end = skip(next);
    if (end !== len) fail(end, 'Extra data');
    return { ok: true, value: v };
  } catch (e) {
    if (e instanceof TooDeep) return { ok: false, tooDeep: true };
    if (e instanceof Stop) return { ok: false, pos: codePoints(text, e.pos), msg: e.msg };
    throw e;
  }
}

/** How many code points (Python `str` indexes) the first `units` UTF-16 units of `s` hold. */
function codePoints(s: string, units: number): number {
  let n = units;
  for (let i = 0; i < units - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
