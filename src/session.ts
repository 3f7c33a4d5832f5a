import { uuid } from './id';
import { read, write } from './storage';

/**
 * The session id: the same on every page of the site, so that seeing a product card and
 * buying it are one session, and new after `timeoutMinutes` without an event.
 * Kept as `id.lastActive` under `depict_session`.
 */
export function sessionId(timeoutMinutes: number, now = Date.now()): string {
  const [id, last] = (read('depict_session') || '').split('.');
  const sid = id && now - +last < timeoutMinutes * 6e4 ? id : uuid();
  // the last activity to the second is enough: no write for every event of a burst
  if (sid != id || now - +last > 1e3) write('depict_session', sid + '.' + now);
  return sid;
}
