/**
 * `fn` with its answers kept per key, for values computed on every REST call from a few
 * distinct inputs (a path, a stored scope list, a stored secret). At most `max` keys are kept;
 * the next new key then starts over with an empty memory, so arbitrary input cannot grow it.
 * `fn` must be pure, and callers must not change what it returns.
 */
export function memoize<V>(fn: (key: string) => V, max: number): (key: string) => V {
  const kept = new Map<string, V>();
  return (key) => {
    const found = kept.get(key);
    if (found !== undefined || kept.has(key)) return found as V;
    if (kept.size >= max) kept.clear();
    const value = fn(key);
    kept.set(key, value);
    return value;
  };
}
