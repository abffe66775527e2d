import { z } from 'zod';

/**
 * The seed file (`serve --seed portal.yaml`, `imbot-server export`): one schema for YAML and
 * JSON, documented in docs/SEED.md. Every list is optional. People are referred to by id, bots by
 * `bot:<code>` (their ids depend on the portal). What exists already (a person with that id, a
 * webhook with that code, an app with that client id, a bot with that code, a group chat with that
 * title, a 1:1 dialog with messages) is left as it is — people and webhooks are updated to the
 * seed's fields — so applying a seed twice changes nothing.
 */
const id = z.number().int().positive();
/** a person's id, or `bot:<code>` for a bot of the seed (or of the portal) */
export const ref = z.union([id, z.string().regex(/^bot:[A-Za-z0-9_.-]+$/, 'a user id or "bot:<code>"')]);
const url = z.string().regex(/^https?:\/\/\S+$/, 'an http(s) URL');
const scope = z.union([z.string(), z.array(z.string())]).transform((s) => (Array.isArray(s) ? s.join(',') : s));

export const personSchema = z.strictObject({
  id,
  name: z.string().min(1),
  last_name: z.string().optional(),
  email: z.string().optional(),
  admin: z.boolean().optional(),
  work_position: z.string().optional(),
  gender: z.enum(['M', 'F', '']).optional(),
});

export const webhookSchema = z.strictObject({
  user: id,
  code: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1-64 letters, digits, "_" or "-"'),
  /** default: every scope the server implements */
  scope: scope.optional(),
  title: z.string().optional(),
});

export const appSchema = z.strictObject({
  client_id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, '1-128 letters, digits, ".", "_" or "-"'),
  client_secret: z.string().min(1),
  name: z.string().min(1),
  scope,
  handler_url: url.optional(),
  install_url: url.optional(),
  redirect_uri: url.optional(),
  /** default true: installed (an app with a handler_url finishes its installation too) */
  installed: z.boolean().optional(),
});

export const commandSchema = z.strictObject({
  command: z.string().min(1),
  title: z.string().optional(),
  params: z.string().optional(),
  common: z.boolean().optional(),
  hidden: z.boolean().optional(),
  /** v1: EVENT_COMMAND_ADD (default: the bot's message_add handler) */
  handler: url.optional(),
});

const handlers = z.strictObject({
  message_add: url.optional(),
  message_update: url.optional(),
  message_delete: url.optional(),
  context_get: url.optional(),
  welcome_message: url.optional(),
  bot_delete: url.optional(),
});

export const botSchema = z
  .strictObject({
    code: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, ".", "_" or "-"'),
    /** 1 = imbot.register (default), 2 = imbot.v2.Bot.register */
    api: z.union([z.literal(1), z.literal(2)]).optional(),
    name: z.string().min(1),
    last_name: z.string().optional(),
    /** v1: B (default), H, S, O; v2: bot, supervisor, personal, … */
    type: z.string().optional(),
    /** v1, a webhook integration's bot: its CLIENT_ID */
    client_id: z.string().min(1).optional(),
    /** v1, an OAuth application's bot: the app's client id (from `apps`) */
    app: z.string().min(1).optional(),
    /** v1 event handlers */
    handlers: handlers.optional(),
    /** v2: the bot token */
    bot_token: z.string().min(1).max(40).optional(),
    /** v2: fetch (default) or webhook */
    event_mode: z.enum(['fetch', 'webhook']).optional(),
    /** v2 webhook mode: where events go */
    webhook_url: url.optional(),
    commands: z.array(commandSchema).optional(),
  })
  .superRefine((b, ctx) => {
    const api = b.api ?? 1;
    if (api === 1 && (b.client_id === undefined) === (b.app === undefined)) ctx.addIssue({ code: 'custom', message: 'a v1 bot has exactly one owner: client_id (webhook) or app (OAuth app)' });
    if (api === 1 && !b.handlers?.message_add) ctx.addIssue({ code: 'custom', path: ['handlers', 'message_add'], message: 'a v1 bot needs handlers.message_add' });
    if (api === 2 && !b.bot_token) ctx.addIssue({ code: 'custom', path: ['bot_token'], message: 'a v2 bot needs bot_token' });
    if (api === 2 && (b.client_id || b.app || b.handlers)) ctx.addIssue({ code: 'custom', message: 'client_id, app and handlers are v1 fields; a v2 bot has bot_token, event_mode and webhook_url' });
    if (b.event_mode === 'webhook' && !b.webhook_url) ctx.addIssue({ code: 'custom', path: ['webhook_url'], message: 'event_mode webhook needs webhook_url' });
  });

export const messageSchema = z.strictObject({ from: ref, text: z.string().min(1) });

export const chatSchema = z.strictObject({
  title: z.string().min(1),
  /** chat (closed, default) or open */
  type: z.enum(['chat', 'open']).optional(),
  /** default 1 */
  owner: ref.optional(),
  members: z.array(ref).optional(),
  messages: z.array(messageSchema).optional(),
});

export const dialogSchema = z.strictObject({
  between: z.tuple([ref, ref]),
  messages: z.array(messageSchema),
});

export const seedSchema = z.strictObject({
  version: z.literal(1).optional(),
  people: z.array(personSchema).optional(),
  webhooks: z.array(webhookSchema).optional(),
  apps: z.array(appSchema).optional(),
  bots: z.array(botSchema).optional(),
  chats: z.array(chatSchema).optional(),
  dialogs: z.array(dialogSchema).optional(),
});

export type Seed = z.infer<typeof seedSchema>;
export type SeedBot = z.infer<typeof botSchema>;
export type SeedRef = z.infer<typeof ref>;
export type SeedMessage = z.infer<typeof messageSchema>;
/** A seed as written in a file (before defaults and transforms). */
export type SeedInput = z.input<typeof seedSchema>;
