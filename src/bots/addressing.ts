import type { DomainCtx } from '../context.js';
import { getChat, type ChatRow } from '../im/chats.js';
import { getMessage, parseParams, type MessageRow } from '../im/messages.js';
import { getUser, type UserRow } from '../im/users.js';
import { listMembersWithBotFlags } from '../store/repos/chats.js';
import { listCommandsWithOpenline } from '../store/repos/commands.js';
import { findPreviousMessageId } from '../store/repos/messages.js';
import type { BotEventIntent, BotEventName, CommandHit } from '../domain-events.js';
import { eventUserCard } from './event-user.js';
import { findBotCommand, grantAnswerToken, stripSlash, type CommandRow } from './commands.js';

/*
 * Who hears what (api-reference/chat-bots/outdated/messages/events/index.md, api-reference/chat-bots/outdated/commands/index.md): for a message written, edited or deleted
 * by a person, or a keyboard/menu COMMAND pressed, the exact bot events with their payload. Nothing
 * here delivers anything: the caller hands the intents to the event outbox.
 */

export type MessageChange = 'add' | 'update' | 'delete';

/** Chat entity types whose bots all hear every message (api-reference/chat-bots/outdated/messages/events/on-imbot-message-add.md; the portal's rule 3). */
const ALL_BOTS_ENTITIES = ['LINES', 'SUPPORT24_QUESTION', 'NETWORK_DIALOG'];
const MAX_EXECUTIONS = 10;
/** The messenger's own commands (C `mergeWithDefaultCommands`): they match, but reach no app. */
const BUILT_IN_COMMANDS: { command: string; extranet: boolean }[] = [
  { command: 'me', extranet: true },
  { command: 'loud', extranet: true },
  { command: '>>', extranet: true },
  { command: 'rename', extranet: true },
  { command: 'getDialogId', extranet: false },
  { command: 'webrtcDebug', extranet: true },
];

interface Member {
  userId: number;
  role: string;
  isBot: boolean;
  botType: string | null;
  openline: string | null;
}

/** Everything the rules look at, loaded once. */
interface Scene {
  message: MessageRow;
  chat: ChatRow;
  author: UserRow;
  members: Member[];
  /** private chats: the participant who is not the author */
  partnerId: number;
}

async function loadScene(ctx: DomainCtx, messageId: number): Promise<Scene | null> {
  const message = await getMessage(ctx.db, messageId);
  if (!message) return null;
  const chat = await getChat(ctx.db, message.chat_id);
  const author = await getUser(ctx.db, message.author_id);
  if (!chat || !author) return null;
  const rows = await listMembersWithBotFlags(ctx.db, chat.id);
  const members = rows.map((r) => ({
    userId: r.user_id,
    role: r.role,
    isBot: r.external_auth_id === 'bot' && r.type !== null,
    botType: r.type,
    openline: r.openline,
  }));
  const partnerId = members.find((m) => m.userId !== author.id)?.userId ?? author.id;
  return { message, chat, author, members, partnerId };
}

const isPrivate = (chat: ChatRow) => chat.type === 'P';

/** `[USER=n]name[/USER]` tags: the ids, in order (B getMentionedUserIds). */
export function mentionedIds(text: string): number[] {
  return [...text.matchAll(/\[USER=([0-9]+)(?: REPLACE)?\](.*?)\[\/USER\]/gi)].map((m) => Number(m[1]));
}

/** Group text as bots get it: every mention (plus one following comma) removed, then trimmed. */
export function stripMentions(text: string): string {
  return text.replace(/\[USER=\d+\].+?\[\/USER\],?/g, '').trim();
}

/** api-reference/chat-bots/outdated/messages/events/on-imbot-message-add.md: the bots a person's message in this chat is addressed to. */
function addressedBots(s: Scene): number[] {
  if (s.author.external_auth_id === 'bot') return [];
  if (isPrivate(s.chat)) {
    const partner = s.members.find((m) => m.userId === s.partnerId && m.userId !== s.author.id);
    return partner?.isBot ? [partner.userId] : [];
  }
  const bots = s.members.filter((m) => m.isBot);
  let chosen: Member[];
  if (ALL_BOTS_ENTITIES.includes(s.chat.entity_type)) {
    chosen = bots;
  } else {
    const mentioned = new Set(mentionedIds(s.message.text));
    chosen = bots.filter((b) => mentioned.has(b.userId) || b.botType === 'S' || b.botType === 'P');
  }
  if (s.chat.entity_type === 'LINES') chosen = chosen.filter((b) => b.openline === 'Y');
  return chosen.map((b) => b.userId);
}

// ---- payload pieces ----

function dialogIdFor(s: Scene, fromUserId: number): string {
  return isPrivate(s.chat) ? String(fromUserId) : `chat${s.chat.id}`;
}

function yn(v: boolean): 'Y' | 'N' {
  return v ? 'Y' : 'N';
}

/** The message flags a person's message carries (`CIMMessenger::Add` defaults). */
function messageFlags(withRecentAdd: boolean): Record<string, unknown> {
  return {
    PUSH: 'Y',
    PUSH_IMPORTANT: 'N',
    ...(withRecentAdd ? { RECENT_ADD: 'Y' } : {}),
    RECENT_SKIP_AUTHOR: 'N',
    CONVERT: 'N',
    SKIP_COMMAND: 'N',
    SKIP_COUNTER_INCREMENTS: 'N',
    SILENT_CONNECTOR: 'N',
    SKIP_CONNECTOR: 'N',
    IMPORTANT_CONNECTOR: 'N',
    NO_SESSION_OL: 'N',
    FAKE_RELATION: 0,
    SKIP_URL_INDEX: 'N',
  };
}

async function chatBlock(ctx: DomainCtx, s: Scene): Promise<Record<string, unknown>> {
  const prevId = await findPreviousMessageId(ctx.db, s.chat.id, s.message.id);
  const role = s.members.find((m) => m.userId === s.author.id)?.role ?? 'member';
  return {
    CHAT_ID: s.chat.id,
    CHAT_TITLE: s.chat.title,
    CHAT_AUTHOR_ID: s.chat.author_id,
    CHAT_TYPE: s.chat.type,
    CHAT_AVATAR: s.chat.avatar || 0,
    CHAT_COLOR: s.chat.color,
    CHAT_ENTITY_TYPE: s.chat.entity_type,
    CHAT_ENTITY_ID: s.chat.entity_id,
    CHAT_ENTITY_DATA_1: s.chat.entity_data_1,
    CHAT_ENTITY_DATA_2: s.chat.entity_data_2,
    CHAT_ENTITY_DATA_3: s.chat.entity_data_3,
    CHAT_EXTRANET: yn(!!s.chat.extranet),
    CHAT_PREV_MESSAGE_ID: prevId ?? 0,
    CHAT_CAN_POST: s.chat.can_post,
    RID: s.author.id,
    IS_MANAGER: yn(role === 'owner' || role === 'manager'),
  };
}

function head(s: Scene, message: string): Record<string, unknown> {
  return {
    MESSAGE: message,
    TEMPLATE_ID: s.message.uuid ?? '',
    MESSAGE_TYPE: s.chat.type,
    FROM_USER_ID: s.author.id,
    DIALOG_ID: dialogIdFor(s, s.author.id),
    TO_CHAT_ID: s.chat.id,
    AUTHOR_ID: s.author.id,
    SYSTEM: s.message.system === 'Y' ? 'Y' : 'N',
  };
}

function mentionedList(text: string): Record<string, number> | undefined {
  const ids = mentionedIds(text);
  return ids.length ? Object.fromEntries(ids.map((id) => [String(id), id])) : undefined;
}

const firstMention = (text: string) => mentionedIds(text)[0] ?? 0;

/** api-reference/chat-bots/outdated/messages/events/on-imbot-message-add.md: PARAMS of ONIMBOTMESSAGEADD. */
async function messageAddParams(ctx: DomainCtx, s: Scene): Promise<Record<string, unknown>> {
  const raw = s.message.text;
  const group = !isPrivate(s.chat);
  const p: Record<string, unknown> = head(s, group ? stripMentions(raw) : raw);
  if (group) Object.assign(p, await chatBlock(ctx, s));
  else p.TO_USER_ID = s.partnerId;
  Object.assign(p, messageFlags(false), {
    COMMAND_CONTEXT: 'TEXTAREA',
    CHAT_USER_COUNT: group ? s.members.length : 2,
    MENTIONED_LIST: mentionedList(raw),
    PLATFORM_CONTEXT: 'web',
  });
  if (p.MENTIONED_LIST === undefined) delete p.MENTIONED_LIST;
  if (group) Object.assign(p, { MESSAGE_ORIGINAL: raw, TO_USER_ID: firstMention(raw) });
  p.MESSAGE_ID = s.message.id;
  p.CHAT_TYPE = s.chat.type;
  p.LANGUAGE = ctx.portal.languageId;
  return p;
}

/** The soft-delete stub text ("Message from 02/26/2026 09:27:30 has been deleted"). */
export function deletedStub(createdAt: number): string {
  const d = new Date(createdAt);
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${two(d.getMonth() + 1)}/${two(d.getDate())}/${d.getFullYear()}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `Message from ${date} ${time} has been deleted`;
}

/** api-reference/chat-bots/outdated/messages/events/on-imbot-message-update.md: PARAMS of ONIMBOTMESSAGEUPDATE / ONIMBOTMESSAGEDELETE. */
function changeParams(ctx: DomainCtx, s: Scene, change: 'update' | 'delete'): Record<string, unknown> {
  const raw = s.message.text;
  const group = !isPrivate(s.chat);
  const text = change === 'delete' ? deletedStub(s.message.created_at) : group ? stripMentions(raw) : raw;
  const p: Record<string, unknown> = {
    ID: s.message.id,
    CHAT_ID: s.chat.id,
    AUTHOR_ID: s.author.id,
    MESSAGE: text,
    MESSAGE_TYPE: s.chat.type,
    CHAT_AUTHOR_ID: s.chat.author_id,
    ...(group ? { CHAT_ENTITY_TYPE: s.chat.entity_type } : {}),
    CHAT_ENTITY_ID: s.chat.entity_id,
    CHAT_ENTITY_DATA_1: s.chat.entity_data_1,
    CHAT_ENTITY_DATA_2: s.chat.entity_data_2,
    CHAT_ENTITY_DATA_3: s.chat.entity_data_3,
  };
  if (!group) Object.assign(p, { FROM_USER_ID: s.author.id, TO_USER_ID: s.partnerId });
  if (change === 'update') {
    p.CHAT_USER_COUNT = group ? s.members.length : 2;
    if (group) {
      const list = mentionedList(raw);
      if (list) p.MENTIONED_LIST = list;
    }
    p.PLATFORM_CONTEXT = 'web';
    if (group) Object.assign(p, { MESSAGE_ORIGINAL: raw, TO_USER_ID: firstMention(raw) });
  }
  return { ...p, DIALOG_ID: dialogIdFor(s, s.author.id), MESSAGE_ID: s.message.id, CHAT_TYPE: s.chat.type, LANGUAGE: ctx.portal.languageId };
}

/** api-reference/chat-bots/outdated/commands/events/on-im-command-add.md: PARAMS of a typed command (the message fields, no mention stripping). */
async function typedCommandParams(ctx: DomainCtx, s: Scene): Promise<Record<string, unknown>> {
  const group = !isPrivate(s.chat);
  const p: Record<string, unknown> = head(s, s.message.text);
  if (group) {
    // Commands keep the fields message add removes (CHAT_PARENT_*, right after CHAT_ID).
    const { CHAT_ID, ...chat } = await chatBlock(ctx, s);
    Object.assign(p, { CHAT_ID, CHAT_PARENT_ID: 0, CHAT_PARENT_MID: 0 }, chat);
    const bots = s.members.filter((m) => m.isBot).map((m) => [String(m.userId), m.userId] as const);
    if (bots.length) p.BOT_IN_CHAT = Object.fromEntries(bots);
    p.SKIP_USER_CHECK = 'Y';
  } else {
    Object.assign(p, { TO_USER_ID: s.partnerId, SKIP_USER_CHECK: 'Y' });
  }
  Object.assign(p, messageFlags(true));
  p.MESSAGE_ID = s.message.id;
  p.CHAT_TYPE = s.chat.type;
  p.LANGUAGE = ctx.portal.languageId;
  return p;
}

// ---- command matching (C `onCommandAdd` / `findCommands`) ----

interface Execution {
  command: string;
  params: string;
  /** null for a built-in IM command */
  row: CommandRow | null;
}

/** Each line `/<command>[ <params>]`: the command up to the first space, the rest of the line. */
export function commandLines(text: string): { command: string; params: string }[] {
  const out: { command: string; params: string }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('/')) continue;
    const rest = line.slice(1);
    const space = rest.indexOf(' ');
    out.push(space < 0 ? { command: rest, params: '' } : { command: rest.slice(0, space), params: rest.slice(space + 1) });
  }
  return out;
}

async function matchCommands(ctx: DomainCtx, s: Scene): Promise<Execution[]> {
  if (s.message.system === 'Y') return [];
  const lines = commandLines(s.message.text);
  if (lines.length === 0) return [];
  const entity = s.chat.entity_type;
  if (entity === 'LIVECHAT') return [];
  const all = await listCommandsWithOpenline(ctx.db);
  const extranetAuthor = s.author.user_type === 'extranet';
  const memberIds = new Set(s.members.map((m) => m.userId));
  const available = (c: (typeof all)[number]) => {
    if (entity === 'LINES' && c.openline !== 'Y') return false;
    if (c.extranet_support === 'N' && extranetAuthor) return false;
    if (c.common === 'Y') return true;
    return isPrivate(s.chat) ? s.partnerId === c.bot_id && s.partnerId !== s.author.id : memberIds.has(c.bot_id);
  };

  const found: Execution[] = [];
  for (const line of lines) {
    const command = stripSlash(line.command);
    if (command === '') continue;
    if (entity !== 'LINES') {
      for (const b of BUILT_IN_COMMANDS) {
        if (b.command === command && (b.extranet || !extranetAuthor)) found.push({ command, params: line.params, row: null });
      }
    }
    for (const c of all) if (c.command === command && available(c)) found.push({ command, params: line.params, row: c });
  }

  const seen = new Set<string>();
  const executed: Execution[] = [];
  for (const e of found) {
    const key = `${e.row?.id ?? `im:${e.command}`}\n${e.params}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (executed.length >= MAX_EXECUTIONS) break;
    executed.push(e);
  }
  return executed;
}

/** A command fired: its bot may answer into the dialog (and, in private chats, the recipient's). */
async function grantTokens(ctx: DomainCtx, botId: number, dialogId: string, privateRecipient: number | null): Promise<void> {
  await grantAnswerToken(ctx, botId, dialogId);
  if (privateRecipient !== null) await grantAnswerToken(ctx, botId, String(privateRecipient));
}

function commandIntent(hits: CommandHit[], userId: number, params: Record<string, unknown>, user: Record<string, unknown>): BotEventIntent {
  return {
    event: 'ONIMCOMMANDADD',
    botIds: [...new Set(hits.map((h) => h.BOT_ID))],
    commandIds: hits.map((h) => h.COMMAND_ID),
    commands: hits,
    userId,
    params,
    user,
  };
}

/**
 * The bot events a person's message causes. `add`: command matching first — a message with any
 * command match (built-ins included) yields only ONIMCOMMANDADD (for the REST commands among them;
 * their bots get a 10-minute answer window, so call this once per new message, inside the write);
 * otherwise ONIMBOTMESSAGEADD to the addressed bots. `update`/`delete`: the addressed bots, no
 * command matching. A message by a bot, or one nobody is addressed by, yields `[]`.
 * For `delete`, call while the row still holds the original text (mentions decide the addressees).
 */
export async function messageEventIntents(ctx: DomainCtx, messageId: number, change: MessageChange): Promise<BotEventIntent[]> {
  const s = await loadScene(ctx, messageId);
  if (!s || s.author.external_auth_id === 'bot') return [];

  if (change === 'add') {
    const executions = await matchCommands(ctx, s);
    if (executions.length > 0) {
      const hits: CommandHit[] = [];
      for (const e of executions) {
        if (!e.row) continue;
        const dialogId = dialogIdFor(s, s.author.id);
        await grantTokens(ctx, e.row.bot_id, dialogId, isPrivate(s.chat) ? s.partnerId : null);
        hits.push({
          COMMAND_ID: e.row.id,
          BOT_ID: e.row.bot_id,
          COMMAND: e.row.command,
          COMMAND_PARAMS: e.params,
          COMMAND_CONTEXT: 'TEXTAREA',
          MESSAGE_ID: s.message.id,
        });
      }
      if (hits.length === 0) return [];
      return [commandIntent(hits, s.author.id, await typedCommandParams(ctx, s), eventUserCard(s.author, false))];
    }
  }

  const botIds = addressedBots(s);
  if (botIds.length === 0) return [];
  const event: BotEventName = change === 'add' ? 'ONIMBOTMESSAGEADD' : change === 'update' ? 'ONIMBOTMESSAGEUPDATE' : 'ONIMBOTMESSAGEDELETE';
  const params = change === 'add' ? await messageAddParams(ctx, s) : changeParams(ctx, s, change);
  const user = change !== 'add' && !isPrivate(s.chat) ? null : eventUserCard(s.author, true);
  return [{ event, botIds, userId: s.author.id, params, user }];
}

export interface ButtonPress {
  /** the person pressing */
  userId: number;
  /** the message carrying the keyboard or menu */
  messageId: number;
  botId: number;
  command: string;
  commandParams: string;
}

/**
 * Whether a press came from the message's context MENU rather than its KEYBOARD: im.message.command
 * does not say which, so the message's own params decide. A keyboard button of this bot with
 * this command (and these params) wins; else a menu item with them; else a menu item with the
 * command alone; anything else counts as the keyboard, as v1 always did.
 */
function pressedInMenu(message: MessageRow, botId: number, command: string, commandParams: string): boolean {
  const params = parseParams(message);
  const items = (key: string) => (Array.isArray(params[key]) ? (params[key] as Record<string, unknown>[]) : []);
  const same = (item: Record<string, unknown>, withParams: boolean) =>
    Number(item.BOT_ID) === botId &&
    typeof item.COMMAND === 'string' &&
    stripSlash(item.COMMAND).toLowerCase() === command.toLowerCase() &&
    (!withParams || String(item.COMMAND_PARAMS ?? '') === commandParams);
  if (items('KEYBOARD').some((b) => same(b, true))) return false;
  if (items('MENU').some((m) => same(m, true))) return true;
  return !items('KEYBOARD').some((b) => same(b, false)) && items('MENU').some((m) => same(m, false));
}

/**
 * A person presses a keyboard button or menu item with COMMAND (`im.message.command`,
 * `CIMMessenger::ExecCommand`): one ONIMCOMMANDADD with COMMAND_CONTEXT=KEYBOARD and synthetic
 * PARAMS; nothing is posted. Grants the bot its answer window. Null when the press cannot be
 * executed (no such message, the person is not in its chat, or the bot has no such command).
 */
export async function commandButtonIntents(ctx: DomainCtx, press: ButtonPress): Promise<BotEventIntent[] | null> {
  const s = await loadScene(ctx, press.messageId);
  if (!s || !s.members.some((m) => m.userId === press.userId)) return null;
  const presser = await getUser(ctx.db, press.userId);
  const row = await findBotCommand(ctx.db, press.botId, stripSlash(press.command));
  if (!presser || !row) return null;

  const group = !isPrivate(s.chat);
  const dialogId = dialogIdFor(s, presser.id);
  await grantAnswerToken(ctx, row.bot_id, dialogId);
  const params: Record<string, unknown> = {
    FROM_USER_ID: presser.id,
    ...(group ? { TO_CHAT_ID: s.chat.id } : { TO_USER_ID: row.bot_id }),
    MESSAGE: `/${row.command} ${press.commandParams}`,
    MESSAGE_TYPE: s.chat.type,
    CHAT_ENTITY_TYPE: s.chat.entity_type,
    CHAT_ENTITY_ID: s.chat.entity_id,
    AUTHOR_ID: presser.id,
    DIALOG_ID: dialogId,
    MESSAGE_ID: s.message.id,
    CHAT_TYPE: s.chat.type,
    LANGUAGE: ctx.portal.languageId,
  };
  const hit: CommandHit = {
    COMMAND_ID: row.id,
    BOT_ID: row.bot_id,
    COMMAND: row.command,
    COMMAND_PARAMS: press.commandParams,
    COMMAND_CONTEXT: 'KEYBOARD',
    MESSAGE_ID: s.message.id,
  };
  if (pressedInMenu(s.message, row.bot_id, row.command, press.commandParams)) hit.menu = true;
  return [commandIntent([hit], presser.id, params, eventUserCard(presser, false))];
}
