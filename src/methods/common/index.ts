import { oauthServerAppInfo } from '../../auth/oauth.js';
import { ALL_SCOPES, GLOBAL_SCOPE, scopeAllows } from '../../auth/scopes.js';
import { isoDate } from '../../clock.js';
import { formatProfile, formatUserCurrent, getUser } from '../../im/users.js';
import { fieldValuesOf } from '../../im/user-fields.js';
import { accessDenied } from '../../rest/errors.js';
import { phpBool, phpString } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { eventMethods } from './events.js';
import { offlineEventMethods } from './events-offline.js';

function serverTime(call: MethodCall): string {
  return isoDate(call.ctx.clock.now());
}

/** `methods`: full=true → every method; scope=X → that scope's ('' = common ones); else the caller's. */
function methods(call: MethodCall): string[] {
  const all = call.registry.all();
  if (phpBool(call.params.full)) return all.map((m) => m.name);
  if (call.params.scope !== undefined) {
    const scope = phpString(call.params.scope).toLowerCase() || GLOBAL_SCOPE;
    return all.filter((m) => m.scope === scope || m.altScopes?.includes(scope)).map((m) => m.name);
  }
  const granted = call.caller.authType === 'session' ? ALL_SCOPES : call.caller.scopes;
  return all.filter((m) => scopeAllows(granted, m.scope, m.altScopes)).map((m) => m.name);
}

/** `method.get`: whether a method exists and whether this caller may call it. */
function methodGet(call: MethodCall): { isExisting: boolean; isAvailable: boolean } {
  const spec = call.registry.get(phpString(call.params.name));
  if (!spec) return { isExisting: false, isAvailable: false };
  const granted = call.caller.authType === 'session' ? ALL_SCOPES : call.caller.scopes;
  return { isExisting: true, isAvailable: scopeAllows(granted, spec.scope, spec.altScopes) };
}

function scope(call: MethodCall): readonly string[] {
  if (phpBool(call.params.full)) return ALL_SCOPES;
  return call.caller.authType === 'session' ? ALL_SCOPES : call.caller.scopes;
}

async function profile(call: MethodCall): Promise<unknown> {
  const user = await getUser(call.ctx.db, call.caller.userId);
  return user ? formatProfile(user) : {};
}

/** The caller's card; custom fields for `user` or `user.userfield` (the brief scopes need the latter). */
async function userCurrent(call: MethodCall): Promise<unknown> {
  const user = await getUser(call.ctx.db, call.caller.userId);
  if (!user) return {};
  const s = call.caller.scopes;
  const custom = call.caller.authType === 'session' || s.includes('user') || s.includes('user.userfield') ? (await fieldValuesOf(call.ctx.db, [user.id])).get(user.id) : undefined;
  return { ...formatUserCurrent(user), ...custom };
}

/** `app.info`: the app's card for OAuth; `{SCOPE, LICENSE}` for webhooks (PHP SDK tests need it). */
async function appInfo(call: MethodCall): Promise<unknown> {
  const { caller, ctx } = call;
  const license = ctx.portal.license;
  if (caller.authType === 'webhook') return { SCOPE: caller.scopes, LICENSE: license };
  if (caller.authType !== 'oauth' || caller.appId === null) throw accessDenied('Application context required');
  const app = await ctx.db.selectFrom('apps').selectAll().where('id', '=', caller.appId).executeTakeFirstOrThrow();
  const [, type = license] = license.split('_');
  return {
    ID: app.id,
    CODE: app.client_id,
    VERSION: app.version,
    STATUS: app.status,
    INSTALLED: !!app.installed,
    PAYMENT_EXPIRED: 'N',
    DAYS: null,
    LANGUAGE_ID: ctx.portal.languageId,
    LICENSE: license,
    LICENSE_TYPE: type,
    LICENSE_FAMILY: type.replace(/\d+$/, ''),
    // The OAuth server answers app.info at the same /rest/ URL (rest-core.md c.3): its fields too.
    ...(await oauthServerAppInfo(ctx, app.id, caller.userId, caller.scopes, caller.tokenExpiresAt ?? 0)),
  };
}

export const commonMethods: MethodSpec[] = [
  { name: 'server.time', scope: GLOBAL_SCOPE, handler: serverTime },
  { name: 'methods', scope: GLOBAL_SCOPE, handler: methods },
  { name: 'method.get', scope: GLOBAL_SCOPE, handler: methodGet },
  { name: 'scope', scope: GLOBAL_SCOPE, handler: scope },
  { name: 'profile', scope: GLOBAL_SCOPE, handler: profile },
  { name: 'app.info', scope: GLOBAL_SCOPE, handler: appInfo },
  { name: 'user.current', scope: 'user', altScopes: ['user_brief', 'user_basic'], handler: userCurrent },
  ...eventMethods,
  ...offlineEventMethods,
];
