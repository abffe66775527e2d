import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';
import type { MovableClock } from '../clock.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';
import { SystemErrors } from '../rest/errors.js';
import { registerControlRoutes } from './control-route.js';
import { registerOAuthRoutes } from './oauth-route.js';
import { restHandler, type ErrorLog } from './rest-route.js';

/** Largest body /rest/ accepts: v2 File.upload takes up to 100 MB as Base64 (~133 MB of JSON). */
const BODY_LIMIT = 160 * 1024 * 1024;
/** Every other route (control, OAuth) only ever takes small bodies. */
const SMALL_BODY_LIMIT = 1024 * 1024;
/**
 * Request line + headers. CRest sends every webhook call as GET with the parameters in the query
 * (rest-core.md j.4, "long URLs"): a 20,000-character message is up to ~240 KB once
 * percent-encoded, far over Node's 16 KiB default. Used by the HTTP and the HTTPS server.
 */
export const MAX_HEADER_SIZE = 1024 * 1024;

/** Headers every portal response carries (rest-core.md a.4); `authorization` added for browser clients. */
const CORS_HEADERS = {
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
  const [status, reason, body] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', { error: 'REQUEST_TOO_LARGE', error_description: 'Request line and headers are too large' }]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', { error: 'INVALID_REQUEST', error_description: 'Request timeout' }]
        : [400, 'Bad Request', { error: 'INVALID_REQUEST', error_description: 'Malformed request' }];
  const payload = phpJson(body);
  const headers = Object.entries(CORS_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n${headers}content-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`);
  }
  socket.destroy();
}

export function buildApp(core: RestCore, clock: MovableClock, controlToken: string, logError: ErrorLog): FastifyInstance {
  const rest = restHandler(core, logError);
  const app = Fastify({
    logger: false,
    bodyLimit: SMALL_BODY_LIMIT,
    http: { maxHeaderSize: MAX_HEADER_SIZE },
    clientErrorHandler: answerClientError,
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true },
    // A path with a broken %-escape never reaches the router or the hooks: answer it ourselves
    // (a REST path gets the REST route's own verdict) instead of Fastify's default body.
    frameworkErrors: (_err, req, reply) => {
      const res = reply as FastifyReply;
      res.headers(CORS_HEADERS);
      if ((req.raw.url ?? '').split('/').filter(Boolean)[0] === 'rest') return rest(req as FastifyRequest, res);
      return res.code(400).header('content-type', 'application/json; charset=utf-8')
        .send(phpJson({ error: 'INVALID_REQUEST', error_description: 'Malformed request' }));
    },
  });

  // Bodies are parsed the PHP way inside the REST route; here every body is just bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(CORS_HEADERS);
    if (req.method === 'OPTIONS') return reply.code(200).send('');
  });

  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/rest/*', bodyLimit: BODY_LIMIT, handler: rest });
  app.route({ method: ['GET', 'POST'], url: '/rest', bodyLimit: BODY_LIMIT, handler: rest });

  registerControlRoutes(app, core, clock, controlToken);
  registerOAuthRoutes(app, core, logError);

  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).header('content-type', 'application/json; charset=utf-8').send(phpJson({ error: 'NOT_FOUND', error_description: 'Not found' }));
  });

  // Nothing but a JSON error ever reaches the wire: no stack traces, no HTML.
  app.setErrorHandler((err: any, _req, reply) => {
    const status = typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (status === 413) {
      return reply.code(413).header('content-type', 'application/json; charset=utf-8')
        .send(phpJson({ error: 'REQUEST_TOO_LARGE', error_description: 'Request body is too large' }));
    }
    if (status >= 500) logError(err, 'http');
    const e = SystemErrors.internal();
    return reply.code(status >= 400 && status < 500 ? status : 500).header('content-type', 'application/json; charset=utf-8')
      .send(phpJson(status >= 400 && status < 500 ? { error: 'INVALID_REQUEST', error_description: 'Malformed request' } : e.body()));
  });

  return app;
}
