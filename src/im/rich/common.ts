/**
 * Helpers shared by the KEYBOARD, MENU and ATTACH normalisers (api-reference/chats/messages/keyboards.md, menu.md, attachments.md).
 * Everything here is pure and mirrors the PHP checks the portal applies to client input.
 */

import { intval, phpEmpty } from '../../util/php.js';

export type RichRecord = Record<string, unknown>;

/** Rich params are stored only while their PHP JSON is shorter than this (`mb_strlen(json) < 60000`). */
export const RICH_MAX_JSON_LENGTH = 60_000;

/**
 * `CUtil::JsObjectToPhp` for a rich param: a string is JSON-decoded, an object/array is taken as is.
 * Returns null when the result is not an object or array (invalid JSON, scalars, null).
 */
export function parseRichParam(value: unknown): RichRecord | unknown[] | null {
  let decoded = value;
  if (typeof value === 'string') {
    try {
      decoded = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return typeof decoded === 'object' && decoded !== null ? (decoded as RichRecord | unknown[]) : null;
}

/** The update convention: a present KEYBOARD/ATTACH/MENU that is `"N"` or PHP-empty removes the param. */
export function isRichRemoval(value: unknown): boolean {
  return value === 'N' || phpEmpty(value);
}

const PHP_JSON_ESCAPES: Record<string, string> = { '/': '\\/', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * Length of the JSON the portal would store, as `mb_strlen(Json::encode($v, JSON_UNESCAPED_UNICODE))`:
 * PHP additionally escapes `/` and U+2028/U+2029, and counts code points, not UTF-16 units.
 */
export function richJsonLength(value: unknown): number {
  const json = (JSON.stringify(value) ?? 'null').replace(/[/\u2028\u2029]/g, (c) => PHP_JSON_ESCAPES[c]);
  let length = 0;
  for (const _ of json) length++;
  return length;
}

export function fitsRichLimit(value: unknown): boolean {
  return richJsonLength(value) < RICH_MAX_JSON_LENGTH;
}

/** Property access that treats any non-object (PHP string/number in an array slot) as an empty array. */
export function record(value: unknown): RichRecord {
  return typeof value === 'object' && value !== null ? (value as RichRecord) : {};
}

/** PHP `foreach` over a value: arrays and objects yield their values, scalars yield nothing. */
export function listValues(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return typeof value === 'object' && value !== null ? Object.values(value) : [];
}

/** A list (`[a, b]` or keys "0".."n-1") yields its items; anything else is a single item. */
export function itemsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.every((k, i) => k === String(i))) return Object.values(value);
  }
  return [value];
}

/** PHP `isset`. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A scalar as PHP string functions see it; arrays/objects/absent give undefined. */
export function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return value ? '1' : '';
  return undefined;
}

/** PHP `trim` (only ` \t\n\r\0\x0B`, unlike String.prototype.trim). */
export function phpTrim(s: string): string {
  return s.replace(/^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g, '');
}

/** Trimmed scalar, or undefined when absent or blank. */
export function nonBlank(value: unknown): string | undefined {
  const s = scalar(value);
  return s !== undefined && phpTrim(s) !== '' ? phpTrim(s) : undefined;
}

/** `intval(v) > 0 ? intval(v) : undefined` for WIDTH, SIZE, USER_ID, ... */
export function positiveInt(value: unknown): number | undefined {
  const n = intval(value);
  return n > 0 ? n : undefined;
}

/** Links must be root-relative or http(s): `#^(?:/|https?://)#`. */
export function isRichUrl(value: unknown): value is string {
  return typeof value === 'string' && /^(?:\/|https?:\/\/)/.test(value);
}

/** `#RGB` or `#RRGGBB`. */
export function isHexColor(value: unknown): value is string {
  return typeof value === 'string' && /^#[a-fA-F0-9]{3}(?:[a-fA-F0-9]{3})?$/.test(value);
}

export const COLOR_TOKENS = ['primary', 'secondary', 'alert', 'base'] as const;

export function isColorToken(value: unknown): value is string {
  return typeof value === 'string' && (COLOR_TOKENS as readonly string[]).includes(value);
}

/** `value` when it is one of `allowed`, else `fallback` (CONTEXT, DISPLAY, AVATAR_TYPE, ...). */
export function oneOf(value: unknown, allowed: readonly string[], fallback: string): string {
  return typeof value === 'string' && allowed.includes(value) ? value : fallback;
}

/** `Y` only for exactly `"Y"`. */
export function yesNo(value: unknown): 'Y' | 'N' {
  return value === 'Y' ? 'Y' : 'N';
}

/** `htmlspecialcharsbx` (ENT_COMPAT): `&`, `"`, `<`, `>`. */
export function htmlEscape(s: string): string {
  return s.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c] as string);
}

/** `preg_replace('/\R/u', ' ', $text)`. */
export function newlinesToSpaces(s: string): string {
  return s.replace(/\r\n|[\n\v\f\r\x85\u2028\u2029]/g, ' ');
}

export const KEYBOARD_ACTIONS = ['PUT', 'SEND', 'COPY', 'CALL', 'DIALOG', 'LIVECHAT', 'HELP'] as const;
export const MENU_ACTIONS = ['PUT', 'SEND', 'COPY', 'CALL', 'DIALOG'] as const;

/**
 * The one action of a keyboard button or menu item, in the portal's priority order:
 * LINK > FUNCTION > APP_ID (+APP_PARAMS) > ACTION + ACTION_VALUE > COMMAND (+COMMAND_PARAMS, bot only).
 * Returns null when the item has no usable action. An item carrying FUNCTION is always rejected:
 * JS functions are disabled for REST input, and the portal skips such items before looking at LINK.
 */
export function resolveAction(item: RichRecord, botId: number, actions: readonly string[]): RichRecord | null {
  if (isSet(item.FUNCTION)) return null;
  if (isRichUrl(item.LINK)) return { LINK: htmlEscape(item.LINK) };
  if (!phpEmpty(item.APP_ID)) {
    const out: RichRecord = { APP_ID: intval(item.APP_ID) };
    if (typeof item.APP_PARAMS === 'string' && phpTrim(item.APP_PARAMS) !== '') out.APP_PARAMS = item.APP_PARAMS;
    return out;
  }
  const value = item.ACTION_VALUE;
  if (typeof item.ACTION === 'string' && actions.includes(item.ACTION) && nonBlank(value) !== undefined) {
    return { ACTION: item.ACTION, ACTION_VALUE: value };
  }
  if (botId > 0 && typeof item.COMMAND === 'string' && phpTrim(item.COMMAND) !== '') {
    const params = item.COMMAND_PARAMS;
    return {
      COMMAND: item.COMMAND.startsWith('/') ? item.COMMAND.slice(1) : item.COMMAND,
      COMMAND_PARAMS: typeof params === 'string' && phpTrim(params) !== '' ? params : '',
    };
  }
  return null;
}

/**
 * Accepted shapes of KEYBOARD/MENU: a JSON string, `{<listKey>: [...], ...}` or the bare list,
 * which the portal wraps into `<listKey>`. Null when the input is not an object/array at all.
 */
export function unwrapRich(input: unknown, listKey: string): { root: RichRecord; list: unknown[] } | null {
  const parsed = parseRichParam(input);
  if (!parsed) return null;
  const root = record(parsed);
  return isSet(root[listKey]) ? { root, list: listValues(root[listKey]) } : { root: {}, list: listValues(parsed) };
}

/** Copies each of `keys` whose `intval` is positive, as an int. */
export function copyPositiveInts(from: RichRecord, to: RichRecord, keys: readonly string[]): void {
  for (const key of keys) {
    const n = positiveInt(from[key]);
    if (n !== undefined) to[key] = n;
  }
}
