import { cutText, MESSAGE_LIMIT, normalizeText } from '../../im/messages.js';
import { idval } from '../../rest/php.js';
import { memoize } from '../../util/memo.js';

/*
 * Reading v2 parameters (api-reference/chat-bots/chat-bots-v2/index.md). Names are case-preserving: each parameter is
 * looked up under its camelCase name and then its UPPER_CASE alias, never case-insensitively.
 */

/** The value under `camel`, else under `upper` (e.g. `botId` / `BOT_ID`); undefined when neither. */
export function pick(P: Record<string, unknown>, camel: string, upper = toUpperSnake(camel)): unknown {
  return P[camel] !== undefined ? P[camel] : P[upper];
}

/**
 * `botId` → `BOT_ID`, `isReactionsEnabled` → `IS_REACTIONS_ENABLED`. Kept per name: parameter
 * names are the methods' own literals, a few hundred at most (a caller's text, colour codes, is
 * bounded by the memo).
 */
export const toUpperSnake: (camel: string) => string = memoize((camel) => camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase(), 4096);

/** `lightBlue` → `LIGHT_BLUE` (colour codes, api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/chat-add.md#available-colors). */
export const camelToUpperSnake = toUpperSnake;

/** `LIGHT_BLUE` → `lightBlue`. */
export function upperSnakeToCamel(s: string): string {
  return s.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * `normalizeBooleanVariable`: a real boolean as is; anything else is true only when, upper-cased,
 * it is `Y`, `1` or `TRUE`. A missing value gives `dflt`.
 */
export function v2Bool(value: unknown, dflt: boolean): boolean {
  if (value === undefined || value === null) return dflt;
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toUpperCase();
  return s === 'Y' || s === '1' || s === 'TRUE';
}

/**
 * An integer parameter of a v2 method: PHP `intval` held to the id columns' range (`idval`). Every
 * v2 integer is an id, an offset or a limit that is clamped further, so none needs more.
 */
export function v2Int(value: unknown): number {
  return idval(value);
}

/** A nested object parameter (`fields`, `properties`, `filter`): a plain object, or {}. */
export function objectParam(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** `fields` / `FIELDS` of the call, or {}. */
export function fieldsOf(P: Record<string, unknown>): Record<string, unknown> {
  return objectParam(pick(P, 'fields', 'FIELDS'));
}

/** A string parameter: strings as is, numbers stringified, anything else ''. */
export function v2String(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

/** An int list (`userIds`): an array (or PHP-array object) of ids, each intval-ed, zeros dropped. */
export function idList(value: unknown): number[] {
  const items = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : value === undefined || value === null || value === '' ? [] : [value];
  return items.map((v) => idval(v)).filter((n) => n > 0);
}

/**
 * Message text of every v2 method (api-reference/chat-bots/chat-bots-v2/index.md, the portal's behaviour): the messenger's normalisation, then anything
 * over 20 000 characters cut with ` (...)` appended. (v1 keeps up to 20 006 characters uncut,
 * the portal's own slack; v2 documents the hard 20 000.)
 */
export function v2Text(raw: unknown): string {
  const text = normalizeText(v2String(raw).trim());
  return cutText(text, MESSAGE_LIMIT);
}
