import type { FastifyInstance } from 'fastify';
import { createSession } from '../auth/sessions.js';
import type { MovableClock } from '../clock.js';
import { ID_MAX } from '../rest/php.js';
import type { RestCore } from '../rest/pipeline.js';
import { userExists } from '../store/repos/users.js';
import { workCounters } from '../util/work-counters.js';
import { jsonBody, sendError, sendJson } from './control/reply.js';

/**
 * The emulator's own control surface, never mixed into /rest/: scripted faults, the movable
 * clock, browser sessions. Registered inside the control gate (control-api.ts), which checks the
 * client and the token from `<data>/control-token` before any of these handlers runs. A body that
 * is not a JSON object (an empty one counts as `{}`) is a 400 in the portal's error shape.
 */
export function registerControlRoutes(app: FastifyInstance, core: RestCore, clock: MovableClock): void {
  // the process's coordination work so far (util/work-counters.ts), for bench:cluster
  app.get('/__control/counters', async (_req, reply) => sendJson(reply, 200, { counters: workCounters.snapshot() }));
  app.get('/__control/clock', async (_req, reply) => sendJson(reply, 200, { now: clock.now() }));
  app.post('/__control/clock', async (req, reply) => {
    const b = jsonBody(req.body);
    if (!b) return sendError(reply, 400, 'INVALID_CLOCK', 'Expected {"advance_ms": N} | {"set_ms": N} | {"freeze": true|false}');
    if (typeof b.advance_ms === 'number') clock.advance(b.advance_ms);
    if (typeof b.set_ms === 'number') clock.set(b.set_ms);
    if (b.freeze === true) clock.freeze();
    if (b.freeze === false) clock.unfreeze();
    return sendJson(reply, 200, { now: clock.now() });
  });

  app.post('/__control/sessions', async (req, reply) => {
    const b = jsonBody(req.body);
    const raw = b?.user_id;
    const userId = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : NaN;
    // an id as the store holds it: a positive integer within the id columns' range
    if (!Number.isInteger(userId) || userId < 1 || userId > ID_MAX) {
      return sendError(reply, 400, 'INVALID_SESSION', 'Expected {"user_id": <id of an existing user>}');
    }
    if (!(await userExists(core.store.db, userId))) return sendError(reply, 400, 'USER_NOT_FOUND', 'User not found');
    const session = await createSession(core.store.db, clock, userId);
    return sendJson(reply, 200, { PHPSESSID: session.id, sessid: session.sessid });
  });
}
