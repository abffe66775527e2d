import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { Credentials } from '../auth/authenticate.js';
import { RestError, SystemErrors } from '../rest/errors.js';
import { callMethod, type CallTrace, type RestCore } from '../rest/pipeline.js';
import { render, successBody, type Transport } from './envelope.js';
import { idleOperating } from '../limits/index.js';
import { requestParams } from './params.js';

interface Target {
  method: string;
  transport: Transport;
  webhook: { login: string; code: string } | null;
}

/**
 * `/rest/{method}` or `/rest/{user}/{code}/{method}`, slashes collapsed, an optional trailing
 * slash, and a `.json`/`.xml` suffix after the method's last dot selecting the output format.
 */
export function parseRestPath(path: string): Target | null {
  const segments = path.split('/').filter(Boolean);
  if (segments[0] !== 'rest') return null;
  segments.shift();
  let webhook: Target['webhook'] = null;
  let methodSeg: string;
  if (segments.length === 1) methodSeg = segments[0];
  else if (segments.length === 3) {
    webhook = { login: decode(segments[0]) ?? '', code: decode(segments[1]) ?? '' };
    methodSeg = segments[2];
  } else return null;
  const name = decode(methodSeg);
  if (!name) return null;
  const dot = name.lastIndexOf('.');
  const suffix = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (suffix === 'json' || suffix === 'xml') return { method: name.slice(0, dot), transport: suffix, webhook };
  return { method: name, transport: 'json', webhook };
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
}

function cookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decode(part.slice(eq + 1).trim());
  }
  return null;
}

function credentialsOf(req: FastifyRequest, params: Record<string, unknown>): Credentials {
  const login = str(params.aplogin);
  const code = str(params.ap);
  const bearer = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
  const token = bearer ?? str(params.auth) ?? str(params.access_token);
  const sessionId = cookie(req.headers.cookie, 'PHPSESSID');
  const sessid = str(params.sessid);
  return {
    webhook: login !== null && code !== null ? { login, code } : null,
    token,
    session: sessionId && sessid ? { id: sessionId, sessid } : null,
    secure: !!(req.raw.socket as TLSSocket).encrypted,
  };
}

/** Logs what the client must never see; the client gets a plain INTERNAL_SERVER_ERROR. */
export type ErrorLog = (err: unknown, method: string) => void;

export function restHandler(core: RestCore, logError: ErrorLog) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const startMs = core.clock.now();
    const t0 = performance.now();
    const url = req.raw.url ?? '/';
    const q = url.indexOf('?');
    const target = parseRestPath(q < 0 ? url : url.slice(0, q));
    let status = 200;
    let body: unknown;
    let transport: Transport = target?.transport ?? 'json';
    const trace: CallTrace | undefined = core.requests ? { commands: [] } : undefined;
    await core.gate?.enter();
    let params: Record<string, unknown> = {};
    let result: unknown;
    try {
      // The cloud edge counts every request per client address before the portal sees it.
      if (core.limits?.rate) await core.limits.admit(req.ip);
      if (!target) throw SystemErrors.methodNotFound();
      params = await requestParams(q < 0 ? '' : url.slice(q + 1), req.headers['content-type'], req.body as Buffer | undefined);
      if (target.webhook) {
        // The path segments are the `aplogin`/`ap` parameters, injected as a portal does.
        params.aplogin = target.webhook.login;
        params.ap = target.webhook.code;
      }
      const out = await callMethod(core, { method: target.method, params, credentials: credentialsOf(req, params), trace });
      result = out.result;
      const finishMs = startMs + (performance.now() - t0);
      body = successBody(out, startMs, finishMs, out.operating ?? idleOperating(startMs));
    } catch (err) {
      const restErr = err instanceof RestError ? err : SystemErrors.internal();
      if (!(err instanceof RestError)) logError(err, target?.method ?? url);
      status = restErr.status;
      body = restErr.body();
    }
    core.gate?.leave();
    if (core.requests && trace) {
      const error = status === 200 ? undefined : (body as { error: string; error_description: string });
      core.requests.add({
        transport: (req.raw.socket as TLSSocket).encrypted ? 'https' : 'http',
        method: target?.method ?? (q < 0 ? url : url.slice(0, q)),
        caller: trace.caller, params, status, error, result, commands: trace.commands, durationMs: performance.now() - t0,
      });
    }
    const { type, payload } = render(body, transport);
    reply.code(status).header('content-type', type).send(payload);
  };
}
