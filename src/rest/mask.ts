import { SpooledFile } from '../files/spool.js';
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

/** Items kept per list or object; the rest are counted. */
const MAX_ITEMS = 100;
/** Per tree: values kept, and characters of string kept, before the rest is left out. */
const MAX_NODES = 1000;
const MAX_CHARS = 16 * 1024;

/**
 * A copy of a parameter tree fit for a log: secrets masked, long strings (Base64 files) cut, depth,
 * breadth and total size bounded (a request of 10,000 parameters is logged as its first hundred
 * and a count, at most ~16 K characters of text), so a log bounded by its number of entries is
 * bounded in memory too.
 */
export function maskDeep(value: unknown, depth = 0, budget = { nodes: MAX_NODES, chars: MAX_CHARS }): unknown {
  if (--budget.nodes < 0) return '[…]';
  if (typeof value === 'string') {
    const s = value.includes('=') || value.includes('"') ? maskText(value) : value;
    const keep = Math.max(0, Math.min(MAX_STRING, budget.chars));
    budget.chars -= Math.min(s.length, keep);
    return s.length > keep ? `${s.slice(0, keep)}…[${s.length - keep} more chars]` : s;
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof SpooledFile) return value.toJSON(); // an upload's size, never its temp path
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) {
    const out = value.slice(0, MAX_ITEMS).map((v) => maskDeep(v, depth + 1, budget));
    if (value.length > MAX_ITEMS) out.push(`[${value.length - MAX_ITEMS} more]`);
    return out;
  }
  const out: Record<string, unknown> = Object.create(null);
  const entries = Object.entries(value);
  for (const [k, v] of entries.slice(0, MAX_ITEMS)) {
    out[k] = isSecretKey(k) && (typeof v === 'string' || typeof v === 'number') ? MASK : maskDeep(v, depth + 1, budget);
  }
  if (entries.length > MAX_ITEMS) out['…'] = `[${entries.length - MAX_ITEMS} more]`;
  return out;
}
