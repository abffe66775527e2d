import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { SpoolSession, UploadSpool } from '../files/spool.js';
import { limitBody } from './body-limit.js';
import { readMultipart } from './params.js';

/**
 * multipart/form-data for the routes that take uploads (`/rest/…`, `/rest/upload.json`): the body
 * is parsed as it arrives, each file part written to a temp file of the upload spool
 * (files/spool.ts), at most `maxFileSize()` bytes of it kept; the request's temp files are removed
 * when its response closes — answered, refused or cut off by the client. The route gets a
 * MultipartForm (params.ts) in `req.body`. Every other route reads multipart bodies, if at all,
 * from memory within its small body limit.
 */
export function registerUploadParser(scope: FastifyInstance, spool: UploadSpool, maxFileSize: () => number): void {
  const sessions = new WeakMap<FastifyRequest, SpoolSession>();

  scope.addHook('onRequest', async (req, reply) => {
    if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) return;
    const session = spool.session();
    sessions.set(req, session);
    reply.raw.once('close', () => void session.dispose());
  });

  scope.addContentTypeParser('multipart/form-data', (req: FastifyRequest, payload: Readable, done: (err: Error | null, body?: unknown) => void) => {
    const session = sessions.get(req);
    if (!session) {
      payload.resume();
      done(null, undefined);
      return;
    }
    // the route's own limit too (the REST route sets a tighter one per request in preParsing)
    const limited = limitBody(payload, req.routeOptions.bodyLimit ?? Infinity);
    readMultipart(req.headers['content-type']!, limited, (part) => session.write(part, maxFileSize())).then(
      (form) => done(null, form),
      (err: Error) => done(err),
    );
  });
}
