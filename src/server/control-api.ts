import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { phpJson } from '../rest/php.js';
import { inRanges, LOOPBACK, type Cidr } from '../util/addresses.js';
import { sameSecret } from '../util/secrets.js';

/**
 * The control API (`/__control/*`): the emulator's own surface — faults, clock, sessions, the
 * delivery log, limits. It can mint an administrator session and read every event body, so it
 * sits behind ONE gate: a fastify plugin whose `onRequest` hook runs for every route registered
 * inside it, after the router matched the route. `//__control/…`, `/%5F%5Fcontrol/…` or any other
 * spelling the router accepts reaches the same route, and so the same hook.
 *
 * To add a control route: register it on the `scope` handed to `routes` (listen.ts does this for
 * every control route file). Nothing else is needed — and a `/__control` route registered on the
 * app itself makes the server refuse to start (see `refuseUngatedControlRoutes`).
 */
export interface ControlGate {
  /** the token from `<data>/control-token` */
  token: string;
  /**
   * Client ranges allowed besides loopback (`serve --control-from`). Loopback clients are always
   * allowed; with the default `--host 127.0.0.1` nobody else can connect anyway. A client on this
   * machine that connects through a LAN address comes from that address: name it here.
   */
  from: readonly Cidr[];
}

const CONTROL_PREFIX = '/__control';
/** Marks the one fastify scope whose routes are behind the gate (decorations stay in their scope). */
const GATED = Symbol('imbot.control-gate');

const send = (reply: FastifyReply, status: number, body: unknown) =>
  reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson(body));

/** The control token from the header (`X-Imbot-Control-Token` or `Authorization: Bearer`). */
function givenToken(req: FastifyRequest): string | undefined {
  const header = req.headers['x-imbot-control-token'];
  if (typeof header === 'string') return header;
  return /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
}

function clientAllowed(req: FastifyRequest, gate: ControlGate): boolean {
  const remote = req.raw.socket.remoteAddress ?? '';
  return inRanges(remote, LOOPBACK) || inRanges(remote, gate.from);
}

/**
 * Registers the gated control API: `routes` registers every control route on the gated scope
 * (it runs when the app starts, so it may use what is built after this call). `serve --control
 * off` does not call this: no surface at all.
 */
export function registerControlApi(app: FastifyInstance, gate: ControlGate, routes: (scope: FastifyInstance) => void): void {
  app.register(async (scope) => {
    scope.decorate(GATED, true);
    scope.addHook('onRequest', async (req, reply) => {
      if (!clientAllowed(req, gate)) {
        return send(reply, 403, { error: 'CONTROL_FORBIDDEN', error_description: 'The control API answers loopback clients only; widen it with serve --control-from CIDR' });
      }
      if (!sameSecret(givenToken(req), gate.token)) {
        return send(reply, 401, { error: 'CONTROL_TOKEN_REQUIRED', error_description: 'Send the token from <data>/control-token as X-Imbot-Control-Token' });
      }
    });
    routes(scope);
  });
}

/**
 * The safety net for the gate: a route under `/__control` registered outside the gated scope
 * (e.g. `app.get('/__control/x')` at the top level) throws when it is registered, so an ungated
 * control route can never be served. Installed on the root instance before any route.
 */
export function refuseUngatedControlRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    const path = route.url.replace(/\/{2,}/g, '/').toLowerCase();
    if (path.startsWith(CONTROL_PREFIX) && (this as unknown as Record<symbol, unknown>)[GATED] !== true) {
      throw new Error(`${route.url} is a control route registered outside the control gate (src/server/control-api.ts)`);
    }
  });
}
