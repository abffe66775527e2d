/* PHP's casts of loose values, as the portal's code reads parameters (src/rest/php.ts has the rest). */

/** PHP `intval`. */
export function intval(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 0;
    // 64-bit PHP wraps a float outside the integer range ((int)1e20 = 7766279631452241920)
    return Math.abs(v) < 2 ** 63 ? Math.trunc(v) : Number(BigInt.asIntN(64, BigInt(Math.trunc(v))));
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const m = /^\s*([+-]?\d+)/.exec(v);
    // ... and saturates a numeric string (intval("1e30" digits) = PHP_INT_MAX)
    return m ? Math.max(-(2 ** 63), Math.min(2 ** 63 - 1, Number.parseInt(m[1]!, 10))) : 0;
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
