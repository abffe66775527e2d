import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { Credentials } from '../auth/authenticate.js';
import { type Encoded, spliceResult, spliceResultBytes } from '../rest/encoded.js';
import { AnswerBuffers } from './answer-buffers.js';
import { memoize } from '../util/memo.js';
import { RestError, SystemErrors } from '../rest/errors.js';
import { asV3, V3Errors } from '../rest/v3.js';
import { authenticateFor, callCache, callMethod, type CallTrace, type RestCore } from '../rest/pipeline.js';
import { render, successBody, type Transport } from './envelope.js';
import { idleOperating } from '../limits/index.js';
import { MultipartForm, queryParams, requestParams } from './params.js';
import type { Readable } from 'node:stream';
import { limitBody } from './body-limit.js';
import { MAX_FILE_SIZE } from '../files/store.js';
import type { PhpArray } from '../rest/php.js';
import type { Caller, MethodSpec } from '../rest/registry.js';

interface Target {
  method: string;
  transport: Transport;
  webhook: { login: string; code: string } | null;
  /** REST 3.0: `/rest/api/…` (src/rest/v3.ts) */
  api: boolean;
}

/**
 * `/rest/{method}` or `/rest/{user}/{code}/{method}`, slashes collapsed, an optional trailing
 * slash, and a `.json`/`.xml` suffix after the method's last dot selecting the output format;
 * the same under `/rest/api/` for REST 3.0. Kept per path (frozen): every call parses its path
 * three times (its format before admission, the admission, the handler), and a client calls the
 * same few paths again and again.
 */
export const parseRestPath: (path: string) => Readonly<Target> | null = memoize((path) => {
  const target = parsePath(path);
  if (target?.webhook) Object.freeze(target.webhook);
  return target && Object.freeze(target);
}, 1024);

function parsePath(path: string): Target | null {
  const segments = path.split('/').filter(Boolean);
  if (segments[0] !== 'rest') return null;
  segments.shift();
  const api = (segments[0] as string) === 'api' && segments.length !== 3;
  if (api) segments.shift();
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
  if (suffix === 'json' || suffix === 'xml') return { method: name.slice(0, dot), transport: suffix, webhook, api };
  return { method: name, transport: 'json', webhook, api };
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

const BEARER = /^Bearer\s+(\S+)/i;

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
  const bearer = BEARER.exec(req.headers.authorization ?? '')?.[1] ?? null;
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

/**
 * Body limits of /rest/ (docs/SECURITY.md): nothing at all for an unknown method or for
 * credentials in the path or the Authorization header that fail (both answered before the body
 * is read); 4 MiB for every method; the upload limit only for upload methods (v2 File.upload
 * takes 100 MB as Base64, ~133 MB of JSON) called with credentials that pass before the body.
 */
export const REST_BODY_LIMITS = { small: 4 * 1024 * 1024, upload: 160 * 1024 * 1024 };

/**
 * The body limit of upload methods and the upload link for a largest file of `maxFileSize` bytes:
 * REST_BODY_LIMITS.upload, or more when `serve --max-file-size` allows files whose Base64 in a
 * JSON body (4 bytes per 3, plus the other parameters) would not fit in it.
 */
export function uploadBodyLimit(maxFileSize: number): number {
  return Math.max(REST_BODY_LIMITS.upload, Math.ceil(maxFileSize / 3) * 4 + REST_BODY_LIMITS.small);
}

/** What the route knows before it reads a body: the method, the query, maybe the caller. */
interface Admission {
  target: Target;
  spec: MethodSpec;
  query: PhpArray;
  /** set when credentials no body parameter can change (path webhook, Bearer) were checked */
  caller?: Caller;
  bodyLimit: number;
  /** the call's view of the read cache, shared by the check above and the method (one catch-up) */
  cache: ReturnType<typeof callCache>;
}

function splitUrl(req: FastifyRequest): { path: string; rawQuery: string } {
  const url = req.raw.url ?? '/';
  const q = url.indexOf('?');
  return { path: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1) };
}

/** The path webhook's segments are the `aplogin`/`ap` parameters, injected as a portal does. */
function withPathWebhook(target: Target, params: PhpArray): PhpArray {
  if (!target.webhook) return params;
  return Object.assign(Object.create(null) as PhpArray, params, { aplogin: target.webhook.login, ap: target.webhook.code });
}

/**
 * Everything decided from the URL and headers, in the portal's order: the rate limit, the method
 * (unknown → 404), the query's caps, then credentials that are final before the body.
 */
async function admit(core: RestCore, req: FastifyRequest): Promise<Admission> {
  // The cloud edge counts every request per client address before the portal sees it.
  if (core.limits?.rate) await core.limits.admit(req.ip);
  const { path, rawQuery } = splitUrl(req);
  const target = parseRestPath(path);
  const found = target ? core.registry.get(target.method) : undefined;
  // REST 3.0 methods answer under /rest/api/ only, the classic ones outside it only
  const spec = found && !!found.v3 === target!.api ? found : undefined;
  if (!target || !spec) throw SystemErrors.methodNotFound();
  const query = queryParams(rawQuery);
  const credentials = credentialsOf(req, withPathWebhook(target, query));
  const final = target.webhook !== null || BEARER.test(req.headers.authorization ?? '');
  const cache = callCache(core);
  let caller: Caller | undefined;
  if (final) caller = await authenticateFor(core, spec, credentials, cache);
  else if (spec.largeBody && (credentials.webhook || credentials.token || credentials.session)) {
    // query credentials may still be replaced by the body's; they only open the upload limit
    caller = await authenticateFor(core, spec, credentials, cache).catch(() => undefined);
  }
  return { target, spec, query, caller: final ? caller : undefined, bodyLimit: spec.largeBody && caller ? uploadBodyLimit(core.files?.maxSize ?? MAX_FILE_SIZE) : REST_BODY_LIMITS.small, cache };
}

/** An error answered before the body is read: the connection closes, so the body never is. */
function refuse(reply: FastifyReply, error: RestError, transport: Transport, api: Target | null): FastifyReply {
  const err = api ? asV3(error, api.method) : error;
  const { type, payload } = render(err.body(), transport);
  return reply.code(err.status).header('content-type', type).header('connection', 'close').send(payload);
}

/**
 * The REST route in two steps: `preParsing` admits the request from its URL and headers and sets
 * the body limit (or answers at once, the body unread); the handler parses the body and calls.
 */
export function restRoute(core: RestCore, logError: ErrorLog) {
  const admitted = new WeakMap<FastifyRequest, Admission>();
  /** memory for answers written as bytes, used again once their response has finished */
  const answers = new AnswerBuffers();

  /** The request log's record of one call (when the log is on). */
  const logCall = (req: FastifyRequest, method: string, c: { params: Record<string, unknown>; status: number; body: unknown; result?: unknown; encoded?: Encoded; trace: CallTrace; t0: number }): void => {
    if (!core.requests) return;
    const error = c.status === 200 ? undefined : loggedError(c.body);
    core.requests.add({
      transport: (req.raw.socket as TLSSocket).encrypted ? 'https' : 'http',
      method,
      caller: c.trace.caller, params: c.params, status: c.status, error, result: c.result, encoded: c.encoded, commands: c.trace.commands, durationMs: performance.now() - c.t0,
    });
  };

  /** A call refused before its body is read is logged with what the URL told (its query). */
  const refuseLogged = (req: FastifyRequest, reply: FastifyReply, err: RestError, transport: Transport, t0: number): FastifyReply => {
    const { path, rawQuery } = splitUrl(req);
    const target = parseRestPath(path);
    let query: PhpArray;
    try {
      query = queryParams(rawQuery);
    } catch {
      query = Object.create(null) as PhpArray; // the query itself was refused (over a cap)
    }
    const params = target ? withPathWebhook(target, query) : query;
    logCall(req, target?.method ?? path, { params, status: err.status, body: err.body(), trace: { commands: [] }, t0 });
    return refuse(reply, err, transport, target?.api ? target : null);
  };

  const preParsing = async (req: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable | FastifyReply> => {
    const t0 = performance.now();
    const transport = parseRestPath(splitUrl(req).path)?.transport ?? 'json';
    let admission: Admission;
    try {
      admission = await admit(core, req);
    } catch (err) {
      if (!(err instanceof RestError)) throw err;
      return refuseLogged(req, reply, err, transport, t0);
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > admission.bodyLimit) return refuseLogged(req, reply, TOO_LARGE(), transport, t0);
    admitted.set(req, admission);
    return req.headers['content-length'] === undefined ? limitBody(payload, admission.bodyLimit) : payload;
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const startMs = core.clock.now();
    const t0 = performance.now();
    const { path } = splitUrl(req);
    const target = parseRestPath(path);
    let status = 200;
    let body: unknown;
    const transport: Transport = target?.transport ?? 'json';
    const trace: CallTrace | undefined = core.requests ? { commands: [] } : undefined;
    await core.gate?.enter();
    let params: Record<string, unknown> = {};
    let result: unknown;
    let encoded: Encoded | undefined;
    try {
      // a request that skipped preParsing (a broken %-escape in the path) is admitted here
      const admission = admitted.get(req) ?? (await admit(core, req));
      // upload methods take multipart file parts as they lie on disk; every other method as Base64
      const fromBody = admission.target.api
        ? apiParams(req.body as Buffer | MultipartForm | undefined)
        : await requestParams(admission.query, req.headers['content-type'], req.body as Buffer | MultipartForm | undefined, admission.spec.largeBody ? 'spooled' : 'inline');
      params = withPathWebhook(admission.target, fromBody);
      const out = await callMethod(core, { method: admission.spec.name, params, credentials: credentialsOf(req, params), caller: admission.caller, cache: admission.cache, trace });
      result = out.result;
      encoded = out.encoded;
      const finishMs = startMs + (performance.now() - t0);
      body = successBody(out, startMs, finishMs, out.operating ?? idleOperating(startMs));
    } catch (err) {
      const anyErr = err instanceof RestError ? err : SystemErrors.internal();
      const restErr = target?.api ? asV3(anyErr, target.method) : anyErr;
      if (!(err instanceof RestError)) logError(err, target?.method ?? path);
      status = restErr.status;
      body = restErr.body();
    }
    core.gate?.leave();
    if (trace) logCall(req, target?.method ?? path, { params, status, body, result, encoded: status === 200 ? encoded : undefined, trace, t0 });
    if (status === 200 && encoded?.asBytes && transport === 'json') {
      // a result built as bytes (Event.get's page) goes out as one Buffer, never a string, in
      // memory used again once this response has finished (answer-buffers.ts)
      const { result: _result, ...rest } = body as Record<string, unknown>;
      const payload = spliceResultBytes(encoded, rest, (size) => answers.take(size));
      reply.raw.once('finish', () => answers.give(payload));
      reply.code(status).header('content-type', 'application/json; charset=utf-8').send(payload);
      return;
    }
    const { type, payload } = status === 200 && encoded && transport === 'json' ? renderEncoded(encoded, body as Record<string, unknown>) : render(body, transport);
    reply.code(status).header('content-type', type).send(payload);
  };

  return { preParsing, handler };
}

/** A JSON success envelope around a result encoded once (rest/encoded.ts); the rest of the body is encoded now. */
function renderEncoded(encoded: Encoded, body: Record<string, unknown>): { type: string; payload: string } {
  const { result: _result, ...rest } = body;
  return { type: 'application/json; charset=utf-8', payload: spliceResult(encoded, rest) };
}

/** An error body as the request log keeps it: a REST 3.0 `{error: {code, message}}` as code and text. */
function loggedError(body: unknown): { error: string; error_description: string } {
  const e = (body as { error: unknown; error_description?: string }).error;
  if (e !== null && typeof e === 'object') {
    const v3 = e as { code: string; message: string };
    return { error: v3.code, error_description: v3.message };
  }
  return body as { error: string; error_description: string };
}

/**
 * REST 3.0 parameters: the JSON body only (never the query string), an object with its JSON
 * types; no body is no parameters; anything else is INVALIDJSONEXCEPTION.
 */
function apiParams(body: Buffer | MultipartForm | undefined): PhpArray {
  const out = Object.create(null) as PhpArray;
  if (body === undefined) return out;
  if (!Buffer.isBuffer(body)) throw V3Errors.invalidJson();
  const text = body.toString('utf8').trim();
  if (text === '') return out;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw V3Errors.invalidJson();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw V3Errors.invalidJson();
  return Object.assign(out, value);
}

const TOO_LARGE = () => new RestError('REQUEST_TOO_LARGE', 'Request body is too large', 413);
