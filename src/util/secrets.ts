import { createHash, timingSafeEqual } from 'node:crypto';
import { memoize } from './memo.js';

/**
 * Secret handling with no domain meaning: comparing in constant time, and masking secrets in text
 * shown to an operator (the delivery log of `/__control/events`).
 */

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether a secret someone sent equals the one on file, in time that does not depend on where
 * they differ or on the stored secret's length (both sides are hashed to 32 bytes first).
 * A missing or non-string value never matches.
 */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(given), storedDigest(expected));
}

/**
 * The digest of a secret on file, kept: the same few stored secrets (a bot's key, a session's
 * sessid) are compared on every call. Only the stored side is kept, so whether a lookup hits says
 * nothing about what someone sent. Bounded.
 */
const storedDigest = memoize(digest, 1024);

/** What a masked value reads as (nothing of the secret stays, not even its length). */
export const MASK = '***';
const mask = (_value: string) => MASK;

/**
 * Names whose values are secrets, in the portal's snake_case and the v2 camelCase. `CLIENT_ID`
 * (upper case) is a webhook bot's shared secret (`local-integrations/local-webhooks.md`: whoever knows it controls the
 * bot) and rides in its handler URLs; an OAuth `client_id` is public and stays readable.
 */
const SECRET_NAMES = new Set([
  'access_token', 'refresh_token', 'application_token', 'client_secret', 'auth', 'sessid', 'phpsessid', 'password', 'bot_token', 'event_secret',
  'accesstoken', 'refreshtoken', 'applicationtoken', 'clientsecret', 'bottoken', 'eventsecret',
]);
export const isSecretName = (name: string): boolean => name === 'CLIENT_ID' || SECRET_NAMES.has(name.toLowerCase());

/** The last bracket segment of a PHP form key: `auth[access_token]` → `access_token`. */
const leafName = (key: string) => /\[([^\][]*)\]$/.exec(key)?.[1] ?? key;

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** `a=1&auth%5Baccess_token%5D=xyz` → the same form with each secret's value masked. */
export function maskForm(form: string): string {
  return form
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const key = pair.slice(0, eq);
      return isSecretName(leafName(decode(key))) ? `${key}=${mask(decode(pair.slice(eq + 1)))}` : pair;
    })
    .join('&');
}

/** A URL with the values of secret query parameters (`?CLIENT_ID=…`, `auth=…`) masked. */
export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash);
  return `${url.slice(0, q + 1)}${maskForm(query)}${hash < 0 ? '' : url.slice(hash)}`;
}

/**
 * Free text that may hold secrets (a handler's answer: JSON, a form, anything): JSON-style
 * `"name": "value"` and form/query-style `name=value` pairs with a secret name are masked.
 */
export function maskText(text: string): string {
  return text
    .replace(/("([A-Za-z_]+)"\s*:\s*")((?:[^"\\]|\\.)*)"/g, (all, head: string, name: string, value: string) =>
      isSecretName(name) ? `${head}${mask(value)}"` : all)
    .replace(/((?:^|[?&\s])([A-Za-z_]\w*(?:(?:\[|%5B)[^=&\s\]]*?(?:\]|%5D))*)=)([^&\s"]*)/gi, (all, head: string, name: string, value: string) =>
      isSecretName(leafName(decode(name))) ? `${head}${mask(value)}` : all);
}

/**
 * Text bound for the error log: secret `name=value` / `"name": "value"` pairs (maskText), the code
 * of a webhook path (`/rest/1/<code>/`) and `Bearer` tokens are masked.
 */
export function redactForLog(text: string): string {
  return maskText(text)
    .replace(/(\/rest\/\d+\/)[^/\s?#'"]+/g, `$1${MASK}`)
    .replace(/(Bearer\s+)\S+/gi, `$1${MASK}`);
}

/** The same error with its message and stack redacted (name and code kept); other values as redacted text. */
function redactError(err: unknown): unknown {
  if (!(err instanceof Error)) return redactForLog(typeof err === 'string' ? err : JSON.stringify(err) ?? String(err));
  const copy = new Error(redactForLog(err.message));
  copy.name = err.name;
  copy.stack = redactForLog(err.stack ?? '');
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined) (copy as NodeJS.ErrnoException).code = code;
  return copy;
}

/** Wraps an error log so nothing it is handed reaches it unredacted (listen.ts wraps every logger). */
export function redactingLog(log: (err: unknown, where: string) => void): (err: unknown, where: string) => void {
  return (err, where) => log(redactError(err), redactForLog(where));
}
