import { LimitErrors } from '../limits/index.js';
import { accessDenied, RestError, SystemErrors } from './errors.js';

/**
 * The portal's own errors a scripted `error` fault can answer with, by code: status and text as
 * the portal sends them. A code not listed here needs its status and description from the fault.
 */
const TABLE: RestError[] = [...Object.values(SystemErrors).map((make) => make()), ...Object.values(LimitErrors).map((make) => make()), accessDenied()];

const BY_CODE = new Map<string, RestError>();
// insufficient_scope has two texts (webhook, token): the webhook one, the first, is kept.
for (const e of TABLE) if (!BY_CODE.has(e.code)) BY_CODE.set(e.code, e);

export const INJECTABLE_ERROR_CODES: readonly string[] = [...BY_CODE.keys()];

/** The error for `code` as the portal answers it, if the portal has it. */
export function portalError(code: string): { code: string; description: string; status: number } | undefined {
  const e = BY_CODE.get(code);
  return e && { code: e.code, description: e.description, status: e.status };
}
