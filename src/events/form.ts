/**
 * The body a Bitrix24 event handler receives (api-reference/events/index.md, api-reference/chat-bots/outdated/events/index.md): PHP
 * `http_build_query` of the event array — `application/x-www-form-urlencoded` with bracket
 * notation, every scalar a string, `true` → "1", `false` → "0", `null` and empty arrays left out
 * (PHP writes nothing for them). Keys keep the object's order; the caller builds the top level
 * as event, event_handler_id, data, ts, auth.
 */
export function encodePhpForm(body: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(body)) walk(urlencode(k), v, pairs);
  return pairs.join('&');
}

const OPEN = '%5B';
const CLOSE = '%5D';
/** what PHP's urlencode leaves as it is */
const PLAIN = /^[A-Za-z0-9_.-]*$/;

function walk(name: string, value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object') {
    if (Array.isArray(value)) value.forEach((v, i) => walk(`${name}${OPEN}${i}${CLOSE}`, v, out));
    else for (const k in value) walk(`${name}${OPEN}${urlencode(k)}${CLOSE}`, (value as Record<string, unknown>)[k], out);
    return;
  }
  out.push(`${name}=${urlencode(scalar(value))}`);
}

function scalar(v: unknown): string {
  if (v === true) return '1';
  if (v === false) return '0';
  return String(v);
}

/** PHP `urlencode`: everything but `A-Za-z0-9-_.` percent-encoded (upper-case hex), space as `+`. */
export function urlencode(s: string): string {
  if (PLAIN.test(s)) return s; // most keys and many values: nothing to encode
  return encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}
