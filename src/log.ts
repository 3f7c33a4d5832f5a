/** Console output, all of it prefixed, so a shop developer can filter on `[depict]`. */
let on = false;

/** Debug mode on (`true`, the default: `depict.debug()`) or off. */
export const setDebug = (v = true) => void (on = v);
export const debugOn = () => on;

/** A problem the shop should fix: always shown, once per distinct message (every time in
 * debug mode, where each dropped event is worth a line). */
const said = new Set<string>();
export function warn(msg: string, detail?: unknown): void {
  if (!on && said.has(msg)) return;
  said.add(msg);
  // two calls written alike, not a spread: smaller after compression. A page may have made
  // console.warn throw, or taken it away (`console = { log() {} }` to quiet a production
  // build): a warning that cannot be shown is not one more error in the page
  try {
    if (detail === undefined) console.warn('[depict] ' + msg);
    else console.warn('[depict] ' + msg, detail);
  } catch {}
}

/** Debug mode only: one collapsed group with its details. */
export function debug(title: string, detail?: unknown): void {
  if (!on) return;
  console.groupCollapsed('[depict] ' + title);
  if (detail !== undefined) console.log(detail);
  console.groupEnd();
}
