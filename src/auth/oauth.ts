import { isoDate } from '../clock.js';
import type { DomainCtx } from '../context.js';
import type { Db } from '../store/db.js';
import { findApp, findAppByClientId, findOAuthToken, insertOAuthToken, revokeOAuthToken, type AppRow } from '../store/repos/apps.js';
import { randomCode } from '../util/random.js';
import { parseScopes } from './scopes.js';
import { sameSecret } from '../util/secrets.js';

/**
 * The OAuth 2.0 server of the portal (settings/oauth/index.md): authorization codes, access and refresh
 * tokens, all timed by the injectable clock. Tokens are rows of `oauth_tokens` (kind code |
 * access | refresh); an app's tokens die with it (uninstall makes REST answer
 * APPLICATION_NOT_FOUND, the token server NOT_INSTALLED).
 */
export type { AppRow };

export const CODE_TTL_MS = 30_000;
export const DEFAULT_ACCESS_TTL_S = 3600;
export const REFRESH_TTL_MS = 180 * 86_400_000;

/** An error of the token endpoint: `{error, error_description}` with its HTTP status. */
export class OAuthError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
    readonly status: number,
  ) {
    super(`${code}: ${description}`);
  }
}

/** The OAuth error table of settings/oauth/error-codes.md (statuses as the Python SDK observed them). */
export const OAuthErrors = {
  invalidRequest: (what: string) => new OAuthError('invalid_request', what, 400),
  invalidClient: () => new OAuthError('invalid_client', 'Invalid client credentials', 400),
  wrongClient: () => new OAuthError('WRONG_CLIENT', 'Wrong client', 200),
  invalidGrant: () => new OAuthError('invalid_grant', 'Invalid grant', 400),
  invalidScope: () => new OAuthError('invalid_scope', 'Requested scope exceeds the application scope', 403),
  notInstalled: () => new OAuthError('NOT_INSTALLED', 'Application not installed', 401),
} as const;

/** Where a token answer says the portal and the OAuth server are (the same host here). */
export interface Endpoints {
  /** `scheme://host[:port]` of the OAuth server, e.g. `http://127.0.0.1:24080` */
  server: string;
  /** `scheme://host[:port]` of the portal */
  portal: string;
}

/** Endpoints for events and install callbacks: the portal's canonical HTTPS address. */
export function portalEndpoints(ctx: DomainCtx): Endpoints {
  return { server: ctx.portal.baseUrl, portal: ctx.portal.baseUrl };
}

function hostOf(base: string): string {
  return base.replace(/^[a-z]+:\/\//, '');
}

export function accessTtlSeconds(ctx: DomainCtx): number {
  return ctx.portal.accessTokenTtl ?? DEFAULT_ACCESS_TTL_S;
}

export function appByClientId(db: Db, clientId: string): Promise<AppRow | undefined> {
  return findAppByClientId(db, clientId);
}

/** Does the app's access list let this user in ('' = everyone)? */
export function userMayUse(app: Pick<AppRow, 'access'>, userId: number): boolean {
  const list = app.access.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length === 0 || list.includes(String(userId));
}

async function store(ctx: DomainCtx, kind: 'code' | 'access' | 'refresh', app: AppRow, userId: number, scope: string, ttlMs: number): Promise<{ token: string; expiresAt: number }> {
  const now = ctx.clock.now();
  const token = randomCode(32);
  const expiresAt = now + ttlMs;
  await insertOAuthToken(ctx.db, { token, kind, app_id: app.id, user_id: userId, scope, expires_at: expiresAt, created_at: now });
  return { token, expiresAt };
}

/** Every field of a token answer (settings/oauth/index.md), in the documented order. */
export interface TokenAnswer {
  access_token: string;
  client_endpoint: string;
  domain: string;
  expires: number;
  expires_in: number;
  member_id: string;
  refresh_token: string;
  scope: string;
  server_endpoint: string;
  status: string;
  user_id: number;
}

/** Issues a new access + refresh pair for the user. */
export async function issueTokens(ctx: DomainCtx, app: AppRow, userId: number, scope: string, ep: Endpoints): Promise<TokenAnswer> {
  const ttl = accessTtlSeconds(ctx);
  const access = await store(ctx, 'access', app, userId, scope, ttl * 1000);
  const refresh = await store(ctx, 'refresh', app, userId, scope, REFRESH_TTL_MS);
  return {
    access_token: access.token,
    client_endpoint: `${ep.portal}/rest/`,
    domain: hostOf(ep.server),
    expires: Math.floor(access.expiresAt / 1000),
    expires_in: ttl,
    member_id: ctx.portal.memberId,
    refresh_token: refresh.token,
    scope,
    server_endpoint: `${ep.server}/rest/`,
    status: app.status,
    user_id: userId,
  };
}

/** A one-time authorization code (30 s) for `/oauth/authorize/`. */
export async function issueCode(ctx: DomainCtx, app: AppRow, userId: number): Promise<string> {
  return (await store(ctx, 'code', app, userId, app.scope, CODE_TTL_MS)).token;
}

/**
 * `/oauth/token/`: checks in the order of the error table — request shape, client, secret,
 * installation, grant, scope — and answers a fresh pair. A code and a refresh token are single-use:
 * every refresh hands out a new refresh token.
 */
export async function grantTokens(ctx: DomainCtx, p: Record<string, unknown>, ep: Endpoints): Promise<TokenAnswer> {
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : '');
  const grantType = str('grant_type');
  const secretKind = grantType === 'authorization_code' ? 'code' : grantType === 'refresh_token' ? 'refresh' : null;
  if (!secretKind) throw OAuthErrors.invalidRequest(grantType ? `Unsupported grant_type: ${grantType}` : 'grant_type is required');
  const secret = str(secretKind === 'code' ? 'code' : 'refresh_token');
  if (!str('client_id') || !secret) {
    throw OAuthErrors.invalidRequest(`client_id and ${secretKind === 'code' ? 'code' : 'refresh_token'} are required`);
  }
  const app = await appByClientId(ctx.db, str('client_id'));
  if (!app) throw OAuthErrors.wrongClient();
  if (!sameSecret(str('client_secret'), app.client_secret)) throw OAuthErrors.invalidClient();
  if (!app.active) throw OAuthErrors.notInstalled();

  const row = await findOAuthToken(ctx.db, secretKind, secret);
  if (!row || row.app_id !== app.id || row.revoked || row.expires_at <= ctx.clock.now()) throw OAuthErrors.invalidGrant();

  let scope = row.scope;
  if (p.scope !== undefined) {
    const wanted = parseScopes(str('scope'));
    const granted = parseScopes(row.scope);
    if (wanted.length === 0 || wanted.some((s) => !granted.includes(s))) throw OAuthErrors.invalidScope();
    scope = wanted.join(',');
  }
  await revokeOAuthToken(ctx.db, secret);
  return issueTokens(ctx, app, row.user_id, scope, ep);
}

/** The OAuth server's own `app.info` fields (settings/oauth/index.md), for a token's caller. */
export async function oauthServerAppInfo(ctx: DomainCtx, appId: number, userId: number, scopes: readonly string[], expiresAt: number) {
  const app = await findApp(ctx.db, appId);
  if (!app) throw new Error(`no application ${appId}`);
  const base = ctx.portal.baseUrl;
  return {
    client_id: app.client_id,
    scope: scopes.join(','),
    expires: isoDate(expiresAt),
    user_id: userId,
    install: {
      installed: !!app.installed,
      version: app.version,
      status: app.status,
      scope: app.scope,
      domain: ctx.portal.domain,
      uri: base,
      client_endpoint: `${base}/rest/`,
      member_id: ctx.portal.memberId,
      member_type: 'PORTAL',
    },
  };
}

/** The token fields every event auth block starts with, in the wire order (api-reference/events/index.md). */
function tokenHead(t: TokenAnswer, ctx: DomainCtx): Record<string, string> {
  return {
    access_token: t.access_token,
    expires: String(t.expires),
    expires_in: String(t.expires_in),
    scope: t.scope,
    domain: ctx.portal.domain,
    server_endpoint: t.server_endpoint,
    status: t.status,
    client_endpoint: t.client_endpoint,
    member_id: t.member_id,
  };
}

/** Auth fields for the event body of the user's freshly issued pair (api-reference/events/index.md order). */
export function eventAuth(t: TokenAnswer, app: AppRow, ctx: DomainCtx, withRefresh: boolean): Record<string, string> {
  return {
    ...tokenHead(t, ctx),
    user_id: String(t.user_id),
    ...(withRefresh ? { refresh_token: t.refresh_token } : {}),
    application_token: app.application_token,
  };
}

/** The per-bot block of data[BOT][id] (api-reference/chat-bots/outdated/events/index.md), always with refresh_token and client_id. */
export function botEventAuth(t: TokenAnswer, app: AppRow, ctx: DomainCtx): Record<string, string> {
  return {
    ...tokenHead(t, ctx),
    refresh_token: t.refresh_token,
    user_id: String(t.user_id),
    client_id: app.client_id,
    application_token: app.application_token,
  };
}

/** The no-token block (no user context, or `ONAPPUNINSTALL`): domain, endpoints, member, app token. */
export function bareEventAuth(ctx: DomainCtx, app: AppRow): Record<string, string> {
  const rest = `${ctx.portal.baseUrl}/rest/`;
  return { domain: ctx.portal.domain, client_endpoint: rest, server_endpoint: rest, member_id: ctx.portal.memberId, application_token: app.application_token };
}
