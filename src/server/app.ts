import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';
import { SystemErrors } from '../rest/errors.js';
import { refuseUngatedControlRoutes } from './control-api.js';
import { answerRaw } from './connections.js';
import { registerOAuthRoutes } from './oauth-route.js';
import { restRoute, uploadBodyLimit, type ErrorLog } from './rest-route.js';
import type { UploadSpool } from '../files/spool.js';
import { MAX_FILE_SIZE } from '../files/store.js';
import { registerUploadParser } from './upload-parser.js';
import { registerUploadRoute } from './upload-route.js';

/** Every other route (control, OAuth) only ever takes small bodies. */
const SMALL_BODY_LIMIT = 1024 * 1024;
/**
 * Request line + headers. CRest sends every webhook call as GET with the parameters in the query
 * (CRest's own behaviour; settings/how-to-call-rest-api/general-principles.md is silent on URL
 * length): a 20,000-character message is up to ~240 KB once percent-encoded, far over Node's 16 KiB default. Used by the HTTP and the HTTPS server.
 */
export const MAX_HEADER_SIZE = 1024 * 1024;

/** Headers every portal response carries (settings/how-to-call-rest-api/general-principles.md; the portal's behaviour); `authorization` added for browser clients. */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'origin, content-type, accept, authorization',
  'x-content-type-options': 'nosniff',
};

/**
 * A request Node's parser refused before any route saw it (headers over MAX_HEADER_SIZE,
 * garbage): still a JSON error in the portal's shape, with the CORS headers, then the socket closes.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (err.code === 'HPE_HEADER_OVERFLOW') answerRaw(socket, 431, 'Request Header Fields Too Large', { error: 'REQUEST_TOO_LARGE', error_description: 'Request line and headers are too large' }, CORS_HEADERS);
  else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') answerRaw(socket, 408, 'Request Timeout', { error: 'INVALID_REQUEST', error_description: 'Request timeout' }, CORS_HEADERS);
  else answerRaw(socket, 400, 'Bad Request', MALFORMED, CORS_HEADERS);
}

const MALFORMED = { error: 'INVALID_REQUEST', error_description: 'Malformed request' };

/**
 * The portal's routes; the control API is added by listen.ts through control-api.ts's gate.
 * With `spool`, multipart bodies of the REST and upload routes are streamed, their file parts to
 * temp files (upload-parser.ts); without it they are read into memory like every other body.
 */
export function buildApp(core: RestCore, logError: ErrorLog, logger?: FastifyBaseLogger, spool?: UploadSpool): FastifyInstance {
  const rest = restRoute(core, logError);
  const app = Fastify({
    // the server's pino logger (server/logger.ts); REST calls are logged from the request log
    ...(logger ? { loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) } : { logger: false }),
    bodyLimit: SMALL_BODY_LIMIT,
    http: { maxHeaderSize: MAX_HEADER_SIZE },
    clientErrorHandler: answerClientError,
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true },
    // A path with a broken %-escape never reaches the router or the hooks: answer it ourselves
    // (a REST path gets the REST route's own verdict) instead of Fastify's default body.
    frameworkErrors: (_err, req, reply) => {
      const res = reply as FastifyReply;
      res.headers(CORS_HEADERS);
      if ((req.raw.url ?? '').split('/').filter(Boolean)[0] === 'rest') return rest.handler(req as FastifyRequest, res);
      return res.code(400).header('content-type', 'application/json; charset=utf-8').send(phpJson(MALFORMED));
    },
  });

  refuseUngatedControlRoutes(app);

  // Bodies are parsed the PHP way inside the REST route; here every body is just bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(CORS_HEADERS);
    // HTTP/1.1 requires Host (the server's own check would answer an empty 400; connections.ts)
    if (req.raw.httpVersion === '1.1' && !req.headers.host) {
      return reply.code(400).header('content-type', 'application/json; charset=utf-8').header('connection', 'close').send(phpJson(MALFORMED));
    }
    if (req.method === 'OPTIONS') return reply.code(200).send('');
  });

  // The routes that take uploads, in a scope of their own: its multipart parser streams.
  void app.register(async (scope) => {
    if (spool) registerUploadParser(scope, spool, () => core.files?.maxSize ?? MAX_FILE_SIZE);
    // the REST route sets each request's own limit before reading (rest-route.ts, REST_BODY_LIMITS)
    const restOptions = { bodyLimit: uploadBodyLimit(core.files?.maxSize ?? MAX_FILE_SIZE), preParsing: rest.preParsing, handler: rest.handler };
    scope.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/rest/*', ...restOptions });
    scope.route({ method: ['GET', 'POST'], url: '/rest', ...restOptions });
    registerUploadRoute(scope, core);
  });

  registerOAuthRoutes(app, core, logError);

  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).header('content-type', 'application/json; charset=utf-8').send(phpJson({ error: 'NOT_FOUND', error_description: 'Not found' }));
  });

  // Nothing but a JSON error ever reaches the wire: no stack traces, no HTML.
  app.setErrorHandler((err: any, _req, reply) => {
    const status = typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (status === 413) {
      return reply.code(413).header('content-type', 'application/json; charset=utf-8').header('connection', 'close')
        .send(phpJson({ error: 'REQUEST_TOO_LARGE', error_description: 'Request body is too large' }));
    }
    if (status >= 500) logError(err, 'http');
    const e = SystemErrors.internal();
    return reply.code(status >= 400 && status < 500 ? status : 500).header('content-type', 'application/json; charset=utf-8')
      .send(phpJson(status >= 400 && status < 500 ? MALFORMED : e.body()));
  });

  return app;
}
