/**
 * `npm start`: runs the local collector on http://localhost:8787.
 *
 * Environment: `PORT` (default 8787; 0 picks one), `HOST` (default 127.0.0.1),
 * `DEPICT_DATA_DIR` (default `.data`), `DEPICT_API_KEYS` (comma-separated; when set, other
 * keys get a 401), `DEPICT_FAULTS` (FaultOptions as JSON, injected into every request),
 * `QUIET` (set, and not `0`: no line per request).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFaultOptions, type FaultOptions } from './faults.js';
import { createCollector } from './server.js';

const env = process.env;
const fail = (msg: string): never => {
  console.error(`collector: ${msg}`);
  process.exit(1);
};

const port = env.PORT ? Number(env.PORT) : 8787;
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be a port number, not "${env.PORT}"`);

let faults: FaultOptions | undefined;
if (env.DEPICT_FAULTS) {
  let json: unknown;
  try {
    json = JSON.parse(env.DEPICT_FAULTS);
  } catch {
    fail('DEPICT_FAULTS must be JSON, e.g. {"status": 503, "rate": 0.2}');
  }
  const checked = parseFaultOptions(json);
  if (!checked.ok) fail(`DEPICT_FAULTS: ${checked.error}`);
  else faults = checked.value;
}

const apiKeys = env.DEPICT_API_KEYS?.split(',').map((k) => k.trim()).filter(Boolean);

// Bundled as dist/collector.js: the project's root is one folder up, whatever the cwd.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

try {
  const collector = await createCollector({
    port,
    host: env.HOST || undefined,
    dataDir: resolve(env.DEPICT_DATA_DIR || '.data'),
    apiKeys: apiKeys?.length ? apiKeys : undefined,
    publicDir: join(root, 'public'),
    distDir: join(root, 'dist'),
    faults,
    quiet: !!env.QUIET && env.QUIET != '0',
  });
  const loopback = !env.HOST || ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1'].includes(env.HOST);
  const base = loopback ? `http://localhost:${collector.port}` : collector.url;
  console.log(`Depict collector on ${base} — demo shop at /, live inspector at /inspector, events at /events`);
  if (apiKeys?.length) console.log(`Accepting ${apiKeys.length} API key(s) only`);
  if (faults) console.log(`Injecting faults: ${JSON.stringify(faults)}`);

  const stop = () => collector.close().then(() => process.exit(0));
  process.once('SIGINT', stop).once('SIGTERM', stop);
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  fail(err.code == 'EADDRINUSE' ? `port ${port} is in use (set PORT to another)` : String(err.stack ?? err));
}
