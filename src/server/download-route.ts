import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redeemDownloadToken } from '../im/download-links.js';
import { phpJson } from '../rest/php.js';
import type { RestCore } from '../rest/pipeline.js';

/**
 * `/rest/download.json?token=…`: the links `imbot.v2.File.download` / `im.v2.File.download` hand
 * out (api-reference/chat-bots/chat-bots-v2/imbot.v2/files/file-download.md). The token is the only credential, signed by the
 * portal (src/im/download-links.ts). A missing, malformed, forged or expired token, or one whose file
 * was deleted, is 403 ACCESS_DENIED; a live token whose file (or its bytes) is gone is 404 FILE_NOT_FOUND. Both as
 * JSON, never bytes. The file goes out as an attachment under its own name.
 */
export function registerDownloadRoute(app: FastifyInstance, core: RestCore): void {
  const fail = (reply: FastifyReply, status: number, error: string, description: string) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson({ error, error_description: description }));

  app.get('/rest/download.json', async (req: FastifyRequest, reply: FastifyReply) => {
    const token = (req.query as Record<string, unknown>).token;
    const found = typeof token === 'string' && token !== '' ? await redeemDownloadToken({ db: core.store.db, cache: core.store.cache, clock: core.clock }, token) : null;
    if (!found) return fail(reply, 403, 'ACCESS_DENIED', 'Download link is invalid or has expired');
    const opened = found.file && core.files ? await core.files.store.open(found.file.storage_key) : null;
    if (!found.file || !opened) return fail(reply, 404, 'FILE_NOT_FOUND', 'File not found');
    return reply
      .code(200)
      .header('content-type', found.file.mime || 'application/octet-stream')
      .header('content-length', String(opened.size))
      .header('content-disposition', attachment(found.file.name))
      .header('cache-control', 'private, no-store')
      .send(opened.stream);
  });
}

/** RFC 6266: an ASCII fallback name plus the exact UTF-8 name (RFC 5987). */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
