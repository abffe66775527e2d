import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainCtx } from '../context.js';
import { eventPublisher } from '../events/publisher.js';
import { idleOperating } from '../limits/index.js';
import { diskFileRecord, UPLOAD_FIELD, uploadByLink, uploadLinkIsLive } from '../im/disk.js';
import { FileError, decodeUpload, maxUploadSize } from '../im/files.js';
import type { FileBytes } from '../files/spool.js';
import { MAX_FILE_SIZE } from '../files/store.js';
import { isPhpArray, phpJson, phpString } from '../rest/php.js';
import type { RestCore } from '../rest/pipeline.js';
import { timeBlock } from '../rest/time.js';
import { MultipartForm, requestParams } from './params.js';
import { uploadBodyLimit } from './rest-route.js';

/**
 * `POST /rest/upload.json?token=disk|…`: the second step of disk.folder.uploadfile without
 * `fileContent` (api-reference/disk/folder/disk-folder-upload-file.md, "Uploading a File via
 * URL"): a multipart form with the file in the field the first step named. The token is the only
 * credential and works once; an unknown, used or expired one is refused before the body is read.
 * The answer is the Drive record of the new file in the REST envelope, as the first step would
 * have answered with `fileContent`.
 */
export function registerUploadRoute(app: FastifyInstance, core: RestCore): void {
  const fail = (reply: FastifyReply, status: number, error: string, description: string) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson({ error, error_description: description }));
  const tokenOf = (req: FastifyRequest): string => phpString((req.query as Record<string, unknown>).token);
  const ctxOf = (db: DomainCtx['db']): DomainCtx => ({ db, clock: core.clock, portal: core.portal, profile: core.profile, cache: core.store.cache, files: core.files, events: eventPublisher });

  app.route({
    method: 'POST',
    url: '/rest/upload.json',
    bodyLimit: uploadBodyLimit(core.files?.maxSize ?? MAX_FILE_SIZE),
    onRequest: async (req, reply) => {
      const token = tokenOf(req);
      if (token === '' || !(await uploadLinkIsLive({ db: core.store.db, clock: core.clock }, token))) {
        return fail(reply, 403, 'ACCESS_DENIED', 'Access denied');
      }
    },
    handler: async (req, reply) => {
      const startMs = core.clock.now();
      const t0 = performance.now();
      const body = Buffer.isBuffer(req.body) || req.body instanceof MultipartForm ? req.body : undefined;
      const params = await requestParams(Object.create(null), req.headers['content-type'], body, 'spooled').catch(() => null);
      const part = params?.[UPLOAD_FIELD];
      const pair = isPhpArray(part) ? Object.values(part) : null;
      const ctx = ctxOf(core.store.db);
      let bytes: FileBytes;
      let name: string;
      try {
        if (!pair) throw new FileError('empty');
        name = phpString(pair[0]);
        bytes = decodeUpload(name || 'file', pair[1], maxUploadSize(ctx)).bytes;
      } catch {
        return fail(reply, 400, 'ERROR_COULD_NOT_SAVE_FILE', 'Could not save file');
      }
      const record = await core.store.transaction(async (trx) => {
        const tctx = ctxOf(trx);
        const file = await uploadByLink(tctx, tokenOf(req), name, bytes);
        return file ? diskFileRecord(tctx, file, file.author_id, true) : null;
      });
      if (!record) return fail(reply, 403, 'ACCESS_DENIED', 'Access denied');
      const elapsed = performance.now() - t0;
      const time = timeBlock(startMs, startMs + elapsed, elapsed / 1000, idleOperating(startMs));
      return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(phpJson({ result: record, time }));
    },
  });
}
