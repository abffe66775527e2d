import { cachedRead, type DomainCtx } from '../context.js';
import { SystemErrors } from '../rest/errors.js';
import type { Caller, MethodSpec } from '../rest/registry.js';
import { userMayUse } from './oauth.js';
import { grantedScopes, scopeAllows } from './scopes.js';
import { sameSecret } from '../util/secrets.js';
import { WEBHOOK_CODE } from './webhooks.js';
import { findWebhookByCode } from '../store/repos/webhooks.js';
import { findAccessGrant } from '../store/repos/apps.js';
import { findSession } from '../store/repos/sessions.js';
import { findActiveUserIdByLogin, findUserAccess } from '../store/repos/users.js';

/** The credentials a request carries, as the transport found them. */
export interface Credentials {
  /** `/rest/{aplogin}/{ap}/…` or `?aplogin=&ap=` */
  webhook: { login: string; code: string } | null;
  /** `Authorization: Bearer`, else `auth`, else `access_token` */
  token: string | null;
  /** browser session: cookie plus the `sessid` CSRF parameter */
  session: { id: string; sessid: string } | null;
  /** the request arrived over TLS */
  secure: boolean;
}

/**
 * Resolves credentials to a caller, in the order of the real server (settings/how-to-call-rest-api/authorization.md, settings/oauth/index.md).
 * Each failure is the exact error a portal gives; nothing is cached, so a webhook added or
 * removed by the CLI takes effect on the next call.
 */
export async function authenticate(ctx: DomainCtx, creds: Credentials, spec: MethodSpec): Promise<Caller> {
  if (creds.webhook) return webhookCaller(ctx, creds.webhook, creds.secure, spec);
  if (creds.token) return tokenCaller(ctx, creds.token, spec);
  if (creds.session) return sessionCaller(ctx, creds.session);
  throw SystemErrors.noAuthFound();
}

async function webhookCaller(
  ctx: DomainCtx,
  hook: { login: string; code: string },
  secure: boolean,
  spec: MethodSpec,
): Promise<Caller> {
  if (!secure && ctx.profile === 'cloud') throw SystemErrors.httpsRequired();
  // a code no webhook can have is refused before it reaches the store or the cache's keys
  if (!WEBHOOK_CODE.test(hook.code)) throw SystemErrors.invalidCredentials();
  const userId = /^\d+$/.test(hook.login) ? Number(hook.login) : await userIdByLogin(ctx, hook.login);
  // Served from the versioned cache: a webhook or user changed by the CLI is seen on the next call.
  const { row, user } = await cachedRead(ctx, `webhook:${hook.code}`, ['webhooks', 'users'], async () => {
    const row = await findWebhookByCode(ctx.db, hook.code);
    const user = row ? await findUserAccess(ctx.db, row.user_id) : undefined;
    return { row, user };
  });
  const now = ctx.clock.now();
  if (!row || row.user_id !== userId || !row.active || (row.expires_at !== null && row.expires_at <= now)) {
    throw SystemErrors.invalidCredentials();
  }
  const scopes = grantedScopes(row.scope);
  if (!scopeAllows(scopes, spec.scope, spec.altScopes)) throw SystemErrors.webhookScope();
  if (row.blocked) throw SystemErrors.overload();
  if (!user || !user.active) throw SystemErrors.authorizationError();
  return { authType: 'webhook', userId, isAdmin: !!user.is_admin, scopes, clientId: null, webhookId: row.id, appId: null };
}

async function userIdByLogin(ctx: DomainCtx, login: string): Promise<number> {
  return (await findActiveUserIdByLogin(ctx.db, login)) ?? -1;
}

/**
 * OAuth access token, checks in the order of settings/oauth/error-codes.md: unknown (or revoked, or not an
 * access token) → invalid_token; app uninstalled → APPLICATION_NOT_FOUND (an app whose
 * installation is not finished still calls REST: its setup page does); expired → expired_token;
 * scope → insufficient_scope; user inactive → authorization_error; not in the app's access list →
 * user_access_error.
 */
async function tokenCaller(ctx: DomainCtx, token: string, spec: MethodSpec): Promise<Caller> {
  const row = await findAccessGrant(ctx.db, token);
  if (!row) throw SystemErrors.invalidToken();
  if (!row.active) throw SystemErrors.applicationNotFound();
  if (row.revoked) throw SystemErrors.invalidToken();
  if (row.expires_at <= ctx.clock.now()) throw SystemErrors.expiredToken();
  const scopes = grantedScopes(row.scope);
  if (!scopeAllows(scopes, spec.scope, spec.altScopes)) throw SystemErrors.tokenScope();
  if (row.blocked) throw SystemErrors.overload();
  const user = await findUserAccess(ctx.db, row.user_id);
  if (!user || !user.active) throw SystemErrors.authorizationError();
  // the app's own bots act with tokens issued for them, whoever the access list names
  if (user.external_auth_id !== 'bot' && !userMayUse(row, row.user_id)) throw SystemErrors.userAccessError();
  return {
    authType: 'oauth',
    userId: row.user_id,
    isAdmin: !!user.is_admin,
    scopes,
    clientId: row.client_id,
    webhookId: null,
    appId: row.app_row_id,
    tokenExpiresAt: row.expires_at,
  };
}

async function sessionCaller(ctx: DomainCtx, session: { id: string; sessid: string }): Promise<Caller> {
  const row = await findSession(ctx.db, session.id);
  // Without a matching sessid the portal does not treat the request as authorised at all.
  if (!row || !sameSecret(session.sessid, row.sessid) || row.expires_at <= ctx.clock.now()) throw SystemErrors.noAuthFound();
  const user = await findUserAccess(ctx.db, row.user_id);
  if (!user || !user.active) throw SystemErrors.authorizationError();
  // A logged-in user's browser session is not limited by scopes.
  return { authType: 'session', userId: row.user_id, isAdmin: !!user.is_admin, scopes: [], clientId: null, webhookId: null, appId: null };
}
