/** Reads a request body into memory, up to a limit. */
import type { IncomingMessage } from 'node:http';

/** The largest body `/create-events` takes (the snippet's batches stay under 64 KiB). */
export const MAX_BODY = 1024 * 1024;

/**
 * How much of an oversized body is read and thrown away after the 413, so that the client,
 * still sending, gets to read the answer instead of a reset connection; past it the
 * connection is cut.
 */
const DISCARD_LIMIT = 16 * MAX_BODY;

/** The body, or why there is none. */
export type BodyResult =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: 'too_large' | 'aborted' };

/**
 * Reads `req`'s body. A body over `limit` (declared or counted) is not kept: reading stops
 * at once with `too_large`, and the rest is discarded as it comes. A client that goes away
 * mid-body gives `aborted` (never an exception).
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (r: BodyResult) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      if (!r.ok && r.reason == 'too_large') discardRest(req);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish({ ok: false, reason: 'too_large' });
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, bytes: Buffer.concat(chunks, size) });
    const onAbort = () => finish({ ok: false, reason: 'aborted' });

    if (Number(req.headers['content-length']) > limit) return finish({ ok: false, reason: 'too_large' });
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

function discardRest(req: IncomingMessage) {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT) req.socket.destroy();
  });
  req.resume();
}
