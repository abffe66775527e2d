import type { FastifyInstance } from 'fastify';
import type { DomainCtx } from '../../context.js';
import { addLine, OpenLineError, visitorWrites } from '../../openlines/sessions.js';
import type { RestCore } from '../../rest/pipeline.js';
import { listOpenLines, queueOf, sessionsOfLine, type OpenLineRow } from '../../store/repos/open-lines.js';
import { jsonBody, sendError, sendJson } from './reply.js';

/**
 * /__control/openlines: plays the outside world of Open Lines, which no REST caller can — the
 * lines a portal administrator sets up and the visitors who write into them (src/openlines/).
 *
 *   POST /__control/openlines {"name", "bot_id"?, "queue"?: [user ids], "welcome_message"?} → the line
 *   GET  /__control/openlines → {"lines": [line with its sessions]}
 *   POST /__control/openlines/{id}/messages {"text", "visitor_id"? | "visitor_name"?}
 *        → {"visitor_id", "chat_id", "dialog_id", "session_id", "message_id"}
 *
 * Each write is one unit of work: the visitor's message, the session and the bots' events commit
 * together. Registered inside the control gate.
 */
export function registerOpenLineRoutes(app: FastifyInstance, core: RestCore): void {
  const inUnit = <T>(fn: (ctx: DomainCtx) => Promise<T>): Promise<T> => {
    const run = () =>
      core.store.transaction((trx, unit) =>
        fn({ db: trx, clock: core.clock, portal: core.portal, profile: core.profile, cache: core.store.cache, files: core.files, handlerNet: core.handlerNet, afterCommit: (f) => unit.afterCommit(f) }),
      );
    // like a REST call: a reset or restore never runs under it
    return core.gate ? core.gate.enter().then(() => run().finally(() => core.gate!.leave())) : run();
  };
  const invalid = (reply: Parameters<typeof sendError>[0], what: string) => sendError(reply, 400, 'INVALID_OPENLINE', what);
  const lineView = (l: OpenLineRow) => ({ id: l.id, name: l.name, bot_id: l.bot_id, queue: queueOf(l), welcome_message: l.welcome_message });
  const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

  app.post('/__control/openlines', async (req, reply) => {
    const b = jsonBody(req.body);
    if (!b) return invalid(reply, 'Expected a JSON object');
    if (typeof b.name !== 'string' || b.name.trim() === '') return invalid(reply, 'Expected {"name": "…", "bot_id"?: N, "queue"?: [N], "welcome_message"?: "…"}');
    if (b.bot_id !== undefined && b.bot_id !== 0 && !isId(b.bot_id)) return invalid(reply, 'bot_id is a bot id');
    const queue = b.queue ?? [];
    if (!Array.isArray(queue) || !queue.every(isId)) return invalid(reply, 'queue is a list of user ids');
    if (b.welcome_message !== undefined && typeof b.welcome_message !== 'string') return invalid(reply, 'welcome_message is a string');
    try {
      const line = await inUnit((ctx) => addLine(ctx, { name: b.name as string, botId: (b.bot_id as number | undefined) ?? 0, queue, welcomeMessage: b.welcome_message as string | undefined }));
      return sendJson(reply, 200, lineView(line));
    } catch (err) {
      if (err instanceof OpenLineError) return invalid(reply, err.message);
      throw err;
    }
  });

  app.get('/__control/openlines', async (_req, reply) => {
    const lines = await listOpenLines(core.store.db);
    const out = [];
    for (const l of lines) {
      const sessions = (await sessionsOfLine(core.store.db, l.id)).map((s) => ({
        id: s.id,
        chat_id: s.chat_id,
        visitor_id: s.visitor_id,
        status: s.status,
        bot_id: s.bot_id,
        operator_id: s.operator_id,
        started_at: new Date(Number(s.started_at)).toISOString(),
        closed_at: s.closed_at === null ? null : new Date(Number(s.closed_at)).toISOString(),
      }));
      out.push({ ...lineView(l), sessions });
    }
    return sendJson(reply, 200, { lines: out });
  });

  app.post<{ Params: { id: string } }>('/__control/openlines/:id/messages', async (req, reply) => {
    const lineId = /^[1-9]\d{0,9}$/.test(req.params.id) ? Number(req.params.id) : 0;
    if (!lineId) return sendError(reply, 404, 'NOT_FOUND', 'No such open line');
    const b = jsonBody(req.body);
    if (!b || typeof b.text !== 'string') return invalid(reply, 'Expected {"text": "…", "visitor_id"?: N, "visitor_name"?: "…"}');
    if (b.visitor_id !== undefined && !isId(b.visitor_id)) return invalid(reply, 'visitor_id is a user id');
    if (b.visitor_name !== undefined && typeof b.visitor_name !== 'string') return invalid(reply, 'visitor_name is a string');
    try {
      const r = await inUnit((ctx) =>
        visitorWrites(ctx, { lineId, text: b.text as string, visitorId: b.visitor_id as number | undefined, visitorName: b.visitor_name as string | undefined }),
      );
      return sendJson(reply, 200, { visitor_id: r.visitorId, chat_id: r.chatId, dialog_id: `chat${r.chatId}`, session_id: r.sessionId, message_id: r.messageId });
    } catch (err) {
      if (err instanceof OpenLineError) return err.code === 'line_not_found' ? sendError(reply, 404, 'NOT_FOUND', err.message) : invalid(reply, err.message);
      throw err;
    }
  });
}
