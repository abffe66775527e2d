import { isSecretName, MASK, maskText } from '../util/secrets.js';

/**
 * What the request log and the structured logs never show: credentials, by the rules the control
 * API's delivery log uses (util/secrets.ts: tokens, client secrets, application tokens, session
 * ids, a webhook bot's `CLIENT_ID`, bot tokens) plus `ap`, the webhook code a `/rest/<user>/<code>/`
 * path becomes. A secret's value reads as `***`.
 */
const MAX_STRING = 1024;
const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  return key.toLowerCase() === 'ap' || isSecretName(key);
}

/** A copy of a parameter tree fit for a log: secrets masked, long strings (Base64 files) cut, depth bounded. */
export function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    const s = value.includes('=') || value.includes('"') ? maskText(value) : value;
    return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…[${s.length - MAX_STRING} more chars]` : s;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) && (typeof v === 'string' || typeof v === 'number') ? MASK : maskDeep(v, depth + 1);
  return out;
}
