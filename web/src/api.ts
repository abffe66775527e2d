/** The signed-in person, as /__web/session answers. */
export interface Me {
  id: number;
  name: string;
  last_name: string;
  is_admin: boolean;
}

/** A Bitrix-style error answer ({error, error_description}) as an exception. */
export class ApiError extends Error {
  constructor(readonly code: string, readonly description: string, readonly status: number) {
    super(description || code);
  }
}

async function parse(res: Response): Promise<any> {
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError('INVALID_RESPONSE', `Unexpected answer (${res.status})`, res.status);
  }
  if (!res.ok || body?.error) throw new ApiError(String(body?.error ?? 'ERROR'), String(body?.error_description ?? ''), res.status);
  return body;
}

let sessid = '';

/** The CSRF token of the signed-in session; every REST call carries it as `sessid`. */
export function setSessid(value: string): void {
  sessid = value;
}

export function currentSessid(): string {
  return sessid;
}

/**
 * A REST call with the browser session (PHPSESSID cookie + `sessid`), as the portal's own
 * web messenger makes it. Resolves to the envelope's `result`.
 */
export async function rest<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`/rest/${method}.json`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...params, sessid }),
  });
  return (await parse(res)).result as T;
}

/** A call to the server's own /__web/ routes (sign-in, people, session). */
export async function web<T = any>(path: string, payload?: Record<string, unknown>): Promise<T> {
  const query = payload === undefined && sessid ? `${path.includes('?') ? '&' : '?'}sessid=${sessid}` : '';
  const res = await fetch(`/__web/${path}${query}`, {
    method: payload === undefined ? 'GET' : 'POST',
    credentials: 'same-origin',
    headers: payload === undefined ? {} : { 'content-type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify({ ...payload, sessid }),
  });
  return parse(res);
}

/** A control-API call (/__control/…) with the token the console was given. */
export async function control<T = any>(token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`/__control/${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'x-imbot-control-token': token, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return parse(res);
}
