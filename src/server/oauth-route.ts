import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { appByClientId, grantTokens, issueCode, OAuthError, userMayUse, type Endpoints } from '../auth/oauth.js';
import type { DomainCtx, PortalInfo } from '../context.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';
import { queryParams, requestParams } from './params.js';
import { RestError } from '../rest/errors.js';
import type { ErrorLog } from './rest-route.js';

/**
 * The OAuth server on the portal's own host (rest-core.md c.3): `/oauth/authorize/` (the portal's
 * authorization page, code flow) and `/oauth/token/` (the token server; GET query or POST form;
 * `//oauth/token/` and `/rest/oauth/token/` as clients build them from `server_endpoint`).
 * Endpoints in the answers use the scheme and host the client reached us by.
 */
export function registerOAuthRoutes(app: FastifyInstance, core: RestCore, logError: ErrorLog): void {
  const ctx = (): DomainCtx => ({ db: core.store.db, clock: core.clock, portal: core.portal, profile: core.profile });
  const send = (reply: FastifyReply, status: number, body: unknown) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(phpJson(body));

  const token = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const p = await paramsOf(req);
      return send(reply, 200, await grantTokens(ctx(), p, endpointsOf(req, core.portal)));
    } catch (err) {
      return failure(reply, err);
    }
  };

  const authorize = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const p = await paramsOf(req);
      const c = ctx();
      const clientId = typeof p.client_id === 'string' ? p.client_id : '';
      if (!clientId) throw new OAuthError('invalid_request', 'client_id is required', 400);
      const application = await appByClientId(c.db, clientId);
      if (!application) throw new OAuthError('invalid_client', 'Unknown client_id', 400);
      if (!application.active) throw new OAuthError('NOT_INSTALLED', 'Application not installed', 400);
      const userId = await loggedInUser(c, req);
      const user = await c.db.selectFrom('users').select('active').where('id', '=', userId).executeTakeFirst();
      if (!user?.active) throw new OAuthError('authorization_error', 'Unable to authorize user', 403);
      if (!userMayUse(application, userId)) throw new OAuthError('user_access_error', 'The user does not have access to the application.', 403);

      const ep = endpointsOf(req, core.portal);
      const host = ep.portal.replace(/^[a-z]+:\/\//, '');
      const answer: Record<string, string> = { code: await issueCode(c, application, userId) };
      if (typeof p.state === 'string') answer.state = p.state;
      Object.assign(answer, { domain: host, member_id: c.portal.memberId, scope: application.scope, server_domain: host });
      // Without a redirect URI the portal shows the code on its page.
      if (!application.redirect_uri) return send(reply, 200, answer);
      const sep = application.redirect_uri.includes('?') ? '&' : '?';
      return reply.code(302).header('location', application.redirect_uri + sep + new URLSearchParams(answer).toString()).send('');
    } catch (err) {
      return failure(reply, err);
    }
  };

  function failure(reply: FastifyReply, err: unknown) {
    if (err instanceof OAuthError) return send(reply, err.status, { error: err.code, error_description: err.description });
    logError(err, 'oauth');
    return send(reply, 500, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
  }

  for (const url of ['/oauth/token', '/rest/oauth/token']) app.route({ method: ['GET', 'POST'], url, handler: token });
  app.route({ method: ['GET', 'POST'], url: '/oauth/authorize', handler: authorize });
}

async function paramsOf(req: FastifyRequest): Promise<Record<string, unknown>> {
  const url = req.raw.url ?? '/';
  const q = url.indexOf('?');
  try {
    return await requestParams(queryParams(q < 0 ? '' : url.slice(q + 1)), req.headers['content-type'], req.body as Buffer | undefined);
  } catch (err) {
    // over an input cap (src/rest/input-limits.ts): the same 400, in the token server's shape
    if (err instanceof RestError) throw new OAuthError(err.code, err.description, err.status);
    throw err;
  }
}

/**
 * The token server and the portal as the client should see them. On the portal's own host both
 * are the scheme and host the client reached us by. Reached under a vendor OAuth host name
 * (`serve --oauth-alias`, e.g. `oauth.bitrix.info` mapped to this machine), the answer is the
 * vendor server's: that name in `domain` and `server_endpoint`, the portal in `client_endpoint`
 * (settings/oauth/index.md: the token server is not the portal).
 */
function endpointsOf(req: FastifyRequest, portal: PortalInfo): Endpoints {
  const scheme = (req.raw.socket as TLSSocket).encrypted ? 'https' : 'http';
  const host = req.headers.host ?? '127.0.0.1';
  const base = `${scheme}://${host}`;
  if (portal.oauthHosts?.includes(hostName(host))) return { server: base, portal: portal.baseUrl };
  return { server: base, portal: base };
}

/** `Host` without its port, lower-case (`[::1]:443` → `::1`). */
function hostName(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** The portal user the browser is logged in as: its PHPSESSID session, else the administrator. */
async function loggedInUser(ctx: DomainCtx, req: FastifyRequest): Promise<number> {
  const sid = /(?:^|;\s*)PHPSESSID=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (!sid) return 1;
  const row = await ctx.db.selectFrom('ui_sessions').select(['user_id', 'expires_at']).where('id', '=', sid).executeTakeFirst();
  if (!row || row.expires_at <= ctx.clock.now()) throw new OAuthError('NO_AUTH_FOUND', 'Wrong authorization data', 401);
  return row.user_id;
}
