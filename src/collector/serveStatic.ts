/** Serves the demo shop (`public/`) and the built snippet (`dist/`) as plain files. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { sendJson } from './http.js';

/** A folder served as is, and the `Cache-Control` its files are sent with. */
export interface StaticRoot {
  dir: string;
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/**
 * Answers a GET or HEAD of `rawPath` (still percent-encoded) from the first root that has
 * the file: `/` and folders give their `index.html`, and `.html` may be left out
 * (`/product` is `product.html`). Paths with `..`, backslashes or NUL are refused with 403
 * (after decoding, so `%2e%2e%2f` too), hidden files are not served, the rest is a 404.
 */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  roots: StaticRoot[],
): Promise<void> {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return sendJson(res, 400, { detail: 'Bad path encoding' });
  }
  const segments = path.split('/').filter(Boolean);
  if (path.includes('\0') || path.includes('\\') || segments.includes('..'))
    return sendJson(res, 403, { detail: 'Forbidden' });
  if (segments.some((s) => s.startsWith('.'))) return sendJson(res, 404, { detail: 'Not Found' });

  const rel = segments.join('/');
  const asFolder = !rel || path.endsWith('/');
  for (const root of roots) {
    const dir = resolve(root.dir);
    const within = (p: string) => (p.startsWith(dir + sep) ? p : undefined);
    const base = within(join(dir, rel || '.', asFolder ? 'index.html' : ''));
    // join() normalised the path; anything outside the root was refused above, this is a
    // second guard should a future change let one through
    if (!base) continue;
    for (const file of asFolder ? [base] : [base, base + '.html']) {
      if (await isFile(file)) return send(req, res, file, root.cacheControl);
    }
    if (!asFolder && (await isFile(join(base, 'index.html')))) {
      // a folder named without its slash: its page's relative links need the slash
      res.writeHead(301, { Location: '/' + rel + '/' });
      return void res.end();
    }
  }
  sendJson(res, 404, { detail: 'Not Found' });
}

async function send(req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string) {
  const body = await readFile(file);
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method == 'HEAD' ? undefined : body);
}
