/**
 * The snippet's entry: reads the config from its own script tag and `window.depictConfig`,
 * starts the tracker and installs `window.depict` — the only global it adds — replaying the
 * calls the pre-load stub queued, in order.
 */
import { parseConfig } from './config';
import { MARK, start, type Depict } from './tracker';

type Stub = Partial<Depict> & { q?: [keyof Depict, ArrayLike<unknown>][]; loaded?: true };

try {
  const w = window as unknown as { depict?: Stub; depictConfig?: Record<string, unknown>; [MARK]?: Depict };
  const stub: Stub = w.depict || {};
  // (loaded: the snippet is on the page twice, and this copy does nothing)
  if (!stub.loaded) {
    const tag = document.currentScript as HTMLScriptElement | null;
    const cfg = parseConfig(tag?.dataset, w.depictConfig);
    const queued = stub.q || [];
    const install = (api: Depict) => {
      Object.assign(stub, api);
      stub.loaded = true;
      delete stub.q;
      w.depict = stub;
      for (const [m, args] of queued) (stub[m] as ((...a: unknown[]) => void) | undefined)?.(...Array.from(args));
    };
    // the shop's bundle has started the ES module's tracker: no second one, and window.depict
    // (the theme's calls through the stub) goes to that one
    if (w[MARK]) install(w[MARK]);
    else if (Array.isArray(cfg)) {
      console.error('[depict] not started: the script tag needs ' + cfg.join(', '));
      // (one function for all: the ES module's init() tells this from a tracker that runs)
      const noop = async () => {};
      install({ track: noop, set: noop, page: noop, purchase: noop, flush: noop, consent: noop, debug: noop } as never);
    } else start(cfg, install);
  }
} catch (e) {
  console.error('[depict] not started', e);
}
