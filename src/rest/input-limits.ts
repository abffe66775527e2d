import { RestError } from './errors.js';

/**
 * Caps on what one request may make the server parse (issue 19). A real portal runs behind PHP's
 * own input limits (`max_input_vars`, `max_input_nesting_level`) and a web server's body limit;
 * over a cap this server answers a 400 in the portal's error shape instead of PHP's silent
 * truncation, so a client learns why its parameters were refused. docs/SECURITY.md lists them.
 */
export interface InputCaps {
  /** parameters per source (query, body, one batch command); leaves of a JSON body */
  maxVars: number;
  /** characters in one parameter name (JSON object keys too) */
  maxKeyLength: number;
  /** `[…]` levels under a top-level name (PHP's max_input_nesting_level); JSON containers likewise */
  maxDepth: number;
}

/** 10,000 is the `max_input_vars` Bitrix's own server environment sets; 64 is PHP's default depth. */
export const INPUT_CAPS: InputCaps = { maxVars: 10_000, maxKeyLength: 1024, maxDepth: 64 };

export const InputErrors = {
  tooManyParams: () => new RestError('INVALID_REQUEST', 'Too many parameters', 400),
  nameTooLong: () => new RestError('INVALID_REQUEST', 'Parameter name is too long', 400),
  tooDeep: () => new RestError('INVALID_REQUEST', 'Parameters are nested too deeply', 400),
} as const;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * A decoded JSON body checked against the caps and rebuilt with prototype-less objects, in one
 * pass without recursion (a body of 100,000 nested brackets must not exhaust the stack). The top
 * level is the parameter array itself; each container below it is one level.
 */
export function capJson(value: unknown, caps: InputCaps = INPUT_CAPS): unknown {
  if (value === null || typeof value !== 'object') return value;
  let vars = 0;
  const copy = (v: unknown): unknown => (v !== null && typeof v === 'object' ? (Array.isArray(v) ? new Array(v.length) : Object.create(null)) : v);
  const root = copy(value) as Record<string, unknown>;
  const stack: { src: any; dst: any; depth: number }[] = [{ src: value, dst: root, depth: 0 }];
  while (stack.length) {
    const { src, dst, depth } = stack.pop()!;
    const keys = Array.isArray(src) ? null : Object.keys(src);
    const n = keys ? keys.length : src.length;
    for (let i = 0; i < n; i++) {
      const key = keys ? keys[i]! : i;
      if (keys && (key as string).length > caps.maxKeyLength) throw InputErrors.nameTooLong();
      const child = src[key];
      const out = copy(child);
      dst[key] = out;
      if (out !== child) {
        if (depth + 1 > caps.maxDepth) throw InputErrors.tooDeep();
        stack.push({ src: child, dst: out, depth: depth + 1 });
      } else if (++vars > caps.maxVars) throw InputErrors.tooManyParams();
    }
    if (n === 0 && depth > 0 && ++vars > caps.maxVars) throw InputErrors.tooManyParams();
  }
  return root as Json;
}
