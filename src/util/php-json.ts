/** What `phpJson` may rewrite: a JSON escape (a backslash), `/`, `<>&'`, or non-ASCII. */
const NEEDS_PHP_ESCAPES = /[\\/<>&'\u0080-\uffff]/;

/**
 * `Bitrix\Main\Web\Json::encode`: JSON with `JSON_HEX_TAG|AMP|APOS|QUOT`, escaped slashes and
 * non-ASCII as `\uXXXX`, which is what every portal response looks like on the wire.
 */
export function phpJson(value: unknown): string {
  return phpEscapeJson(JSON.stringify(value === undefined ? null : value));
}

/** What text that `phpEscapeJson` already went over never holds (raw `/<>&'`, non-ASCII, or `\"`). */
const NOT_PHP_ESCAPED = /[/<>&'\u0080-\uffff]|\\"/;

/**
 * `phpJson`'s escaping applied to JSON text (`phpJson(v) === phpEscapeJson(JSON.stringify(v))`).
 * It is idempotent, so text stored already escaped (v2 event snapshots) passes through unchanged;
 * for such text a single scan decides (`NOT_PHP_ESCAPED`), without a callback per escape.
 */
export function phpEscapeJson(json: string): string {
  // Most answers need no escaping at all: one scan without a callback per match decides.
  if (!NEEDS_PHP_ESCAPES.test(json) || !NOT_PHP_ESCAPED.test(json)) return json;
  return json.replace(/\\.|[/<>&'\u0080-\uffff]/g, (m) => {
    if (m.length === 2) return m === '\\"' ? '\\u0022' : m;
    if (m === '/') return '\\/';
    if (m === '<') return '\\u003C'; // JSON_HEX_TAG writes these two upper-case
    if (m === '>') return '\\u003E';
    return '\\u' + m.charCodeAt(0).toString(16).padStart(4, '0');
  });
}
