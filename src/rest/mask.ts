/**
 * What the request log and the structured logs never show: credentials. A parameter whose name
 * (any case) is one of these keeps only its first two characters (enough to tell two apart):
 * webhook codes (`ap`, the path segment), OAuth tokens, client secrets, event application tokens,
 * browser session ids, and the ownership secrets of webhook bots (`CLIENT_ID`, `botToken`).
 */
const SECRET_KEYS = new Set([
  'ap', 'auth', 'access_token', 'refresh_token', 'client_secret', 'application_token', 'sessid',
  'password', 'client_id', 'bottoken', 'bot_token', 'token', 'code_verifier',
]);

/** Longest string kept whole in a logged value; longer ones (Base64 files) are cut. */
const MAX_STRING = 1024;
const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

export function maskSecret(value: string): string {
  return value.length <= 4 ? '***' : `${value.slice(0, 2)}***`;
}

/** `name=value` pairs of a query string inside a string (a batch `cmd`), secrets masked. */
function maskQueryString(s: string): string {
  return s.replace(/([?&]|^)([^=&?]+)=([^&]*)/g, (all, sep: string, key: string, value: string) => {
    let name = key;
    try {
      name = decodeURIComponent(key);
    } catch {
      /* keep as is */
    }
    const base = name.replace(/\[.*$/, '');
    return isSecretKey(base) ? `${sep}${key}=${maskSecret(value)}` : all;
  });
}

/** A copy of a parameter tree fit for a log: secrets masked, long strings cut, depth bounded. */
export function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    const s = value.includes('=') ? maskQueryString(value) : value;
    return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…[${s.length - MAX_STRING} more chars]` : s;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && (typeof v === 'string' || typeof v === 'number') ? maskSecret(String(v)) : maskDeep(v, depth + 1);
  }
  return out;
}

/** A /rest/ URL with the webhook code (`/rest/<user>/<code>/…`) and secret query values masked. */
export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/^(\/+rest\/+[^/]+\/+)([^/]+)(\/+[^/]+)/, (_a, pre: string, code: string, rest: string) => `${pre}${maskSecret(code)}${rest}`);
  return q < 0 ? path : `${path}?${maskQueryString(url.slice(q + 1))}`;
}
