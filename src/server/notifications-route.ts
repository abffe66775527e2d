import type { FastifyInstance } from 'fastify';
import type { DomainCtx } from '../context.js';
import { NotifyType, addNotification, notificationReplies } from '../im/notifications.js';
import { getUser } from '../im/users.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';
import { eventPublisher } from '../events/publisher.js';

/**
 * /__control/notifications: plays the portal module that sends notifications a REST caller cannot
 * make — confirmations with buttons and notifications that take a quick answer — and shows what
 * people pressed or answered (the module's callback). Registered inside the control gate.
 *
 * POST {"user_id", "message", "module"?, "event"?, "tag"?, "title"?, "author_id"?,
 *       "buttons"?: [{"title", "value", "type"?}], "replies"?: {value: text}, "answer"?: true}
 * GET ?user_id= → {"replies": [{id, notify_id, user_id, module, event, tag, kind, value, date}]}
 */
export function registerNotificationRoutes(app: FastifyInstance, core: RestCore): void {
  const send = (reply: any, status: number, body: unknown) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson(body));
  const invalid = (reply: any, what: string) => send(reply, 400, { error: 'INVALID_NOTIFICATION', error_description: what });
  const ctx = (): DomainCtx => ({ db: core.store.db, clock: core.clock, portal: core.portal, profile: core.profile, events: eventPublisher, changes: core.changes });

  app.post('/__control/notifications', async (req, reply) => {
    let b: Record<string, any>;
    try {
      b = JSON.parse(Buffer.isBuffer(req.body) && req.body.length ? req.body.toString('utf8') : '{}');
    } catch {
      return invalid(reply, 'Expected a JSON object');
    }
    const str = (v: unknown): v is string => typeof v === 'string';
    if (!b || typeof b !== 'object' || !Number.isInteger(b.user_id) || !str(b.message) || b.message.trim() === '') {
      return invalid(reply, 'Expected {"user_id": N, "message": "text", …}');
    }
    const buttons = b.buttons ?? [];
    if (!Array.isArray(buttons) || buttons.some((x: any) => !x || !str(x.title) || !str(x.value) || x.value === '')) {
      return invalid(reply, 'buttons is a list of {"title", "value", "type"?}');
    }
    const replies = b.replies ?? {};
    if (typeof replies !== 'object' || Object.values(replies).some((v) => !str(v))) return invalid(reply, 'replies maps button values to texts');
    for (const k of ['module', 'event', 'tag', 'title'] as const) if (b[k] !== undefined && !str(b[k])) return invalid(reply, `${k} is a string`);
    if (!(await getUser(core.store.db, b.user_id))) return invalid(reply, 'user_id is not a user of this portal');
    const id = await addNotification(ctx(), {
      userId: b.user_id,
      authorId: Number.isInteger(b.author_id) ? b.author_id : 0,
      type: buttons.length ? NotifyType.CONFIRM : NotifyType.SYSTEM,
      message: b.message.trim(),
      module: b.module ?? 'im',
      event: b.event ?? 'default',
      tag: b.tag,
      title: b.title,
      buttons: buttons.map((x: any) => ({ TITLE: x.title, VALUE: x.value, TYPE: str(x.type) ? x.type : 'default' })),
      replies: b.replies ? replies : undefined,
      answerable: b.answer === true,
    });
    return send(reply, 200, { id });
  });

  app.get('/__control/notifications', async (req, reply) => {
    const raw = (req.query as Record<string, string | undefined>).user_id;
    const userId = raw === undefined ? undefined : Number(raw);
    if (userId !== undefined && !Number.isInteger(userId)) return invalid(reply, 'user_id is a number');
    return send(reply, 200, { replies: await notificationReplies(ctx(), userId) });
  });
}
