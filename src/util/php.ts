/* PHP's casts of loose values, as the portal's code reads parameters (src/rest/php.ts has the rest). */

/** The largest double that is a 64-bit integer (2 ** 63 - 1024): PHP_INT_MAX as near as a number gets. */
const INT64_MAX_DOUBLE = 2 ** 63 - 1024;

/** The range of an id column (the portal's `int` columns, `integer` in this store). */
export const ID_MIN = -(2 ** 31);
export const ID_MAX = 2 ** 31 - 1;

/**
 * An id parameter (`BOT_ID`, `CHAT_ID`, `botId`, …): PHP `intval`, then held to the range of the
 * id columns, as MySQL holds an out-of-range value to the column's end. No row has an id that
 * large (ids count up from 1), so `1e20` or `99999999999999999999` is a well-formed id that is not
 * found, and a negative one stays invalid, on either engine: a value past the column never reaches
 * a query (PostgreSQL would refuse it with an error).
 */
export function idval(v: unknown): number {
  return Math.max(ID_MIN, Math.min(ID_MAX, intval(v)));
}

/** Whether an integer can be a stored id (within the id columns' range); a larger one names no row. */
export function inIdRange(n: number): boolean {
  return n >= ID_MIN && n <= ID_MAX;
}

/** PHP `intval`. */
export function intval(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 0;
    // 64-bit PHP wraps a float outside the integer range ((int)1e20 = 7766279631452241920)
    const n = Math.abs(v) < 2 ** 63 ? Math.trunc(v) : Number(BigInt.asIntN(64, BigInt(Math.trunc(v))));
    return Math.min(n, INT64_MAX_DOUBLE);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const m = /^\s*([+-]?\d+)/.exec(v);
    // ... and saturates a numeric string (intval("1e30" digits) = PHP_INT_MAX; 2 ** 63 - 1 is not a
    // double: the largest one below it stands in, so the result always fits a 64-bit column)
    return m ? Math.max(-(2 ** 63), Math.min(INT64_MAX_DOUBLE, Number.parseInt(m[1]!, 10))) : 0;
  }
  if (Array.isArray(v)) return v.length ? 1 : 0;
  if (v && typeof v === 'object') return Object.keys(v).length ? 1 : 0;
  return 0;
}

/** PHP `(bool)` cast: "" "0" 0 null false [] are false; note "false" and "N" are true. */
export function phpBool(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '' || v === '0') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** PHP `empty()`. */
export function phpEmpty(v: unknown): boolean {
  return !phpBool(v);
}
