import { memoize } from '../util/memo.js';

/** Every scope code a portal knows (api-reference/common/system/scope.md); `scope full=true` returns this list. */
export const ALL_SCOPES: readonly string[] = [
  'ai_admin', 'biconnector', 'bizproc', 'booking', 'calendar', 'call', 'cashbox', 'catalog', 'contact_center',
  'crm', 'documentgenerator', 'delivery', 'department', 'disk', 'entity', 'humanresources',
  'humanresources.hcmlink', 'im', 'im.import', 'imbot', 'imconnector', 'imopenlines', 'intranet', 'landing',
  'landing_cloud', 'lists', 'log', 'mailservice', 'main', 'messageservice', 'mobile', 'pay_system', 'placement',
  'pull', 'rest', 'rpa', 'sale', 'salescenter', 'sign.b2e', 'sonet_group', 'socialnetwork', 'task', 'telephony',
  'timeman', 'user', 'user_brief', 'user_basic', 'user.userfield', 'userfieldconfig', 'userconsent', 'vote',
];

/** Scopes this server implements methods for; the default for new webhooks and the admin webhook. */
export const SERVED_SCOPES: readonly string[] = ['imbot', 'im', 'user', 'department', 'user.userfield', 'disk', 'humanresources'];

export const GLOBAL_SCOPE = '_global';

/** Parses a comma/space separated scope list, dropping blanks and duplicates. */
export function parseScopes(list: string): string[] {
  return [...new Set(list.split(/[\s,]+/).map((s) => s.trim().toLowerCase()).filter(Boolean))];
}

/**
 * `parseScopes` of a stored scope list, the same frozen array for the same text: credentials are
 * checked on every call, and a portal has few distinct lists. Bounded; never mutate the result.
 */
export const grantedScopes: (list: string) => readonly string[] = memoize((list) => Object.freeze(parseScopes(list)), 256);

/** Does a credential with `granted` scopes reach a method of `scope` (or one of its alternatives)? */
export function scopeAllows(granted: readonly string[], scope: string, alt: readonly string[] = []): boolean {
  if (scope === GLOBAL_SCOPE) return true;
  return granted.includes(scope) || alt.some((s) => granted.includes(s));
}
