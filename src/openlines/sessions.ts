import { getBot } from '../bots/lifecycle.js';
import type { DomainCtx } from '../context.js';
import { notifyGroupJoins, notifyMessage } from '../events/notify.js';
import { addChatUsers, createChat, getChat, isMember, removeChatUser } from '../im/chats.js';
import { normalizeText, postMessage } from '../im/messages.js';
import { createUser, getUser, type EXTERNAL_USER_TYPES } from '../im/users.js';
import {
  findOpenLine,
  insertOpenLine,
  insertSession,
  latestSessionOfChat,
  latestSessionOfVisitor,
  queueOf,
  updateSession,
  type OpenLineRow,
  type OpenLineSessionRow,
} from '../store/repos/open-lines.js';

/*
 * Open Lines as far as a bot developer needs them: a line answered by an open-line bot (OPENLINE=Y)
 * with a queue of operators, visitors who write into it from outside, and the session a bot steers
 * with imopenlines.bot.session.* (api-reference/imopenlines/openlines/chat-bots/). What a visitor
 * writes lands in a chat of type L bound to `LINES` (entity id
 * `livechat|<lineId>|<connectorChatId>|<visitorId>`, the form api-reference/chats/im-chat-get.md
 * gives), so the bot hears every message there with the LINES fields, as on a portal. No widget,
 * CRM, connectors or operator UI: those are out of scope (docs/COMPATIBILITY.md).
 */

/** Visitors are users of the connector, never people of the portal (user lists leave them out). */
export const VISITOR_AUTH_ID: (typeof EXTERNAL_USER_TYPES)[number] = 'imconnector';

export class OpenLineError extends Error {
  constructor(
    readonly code: 'line_not_found' | 'bot_not_openline' | 'bad_queue' | 'visitor_not_found' | 'text_empty',
    message: string,
  ) {
    super(message);
  }
}

export interface NewLine {
  name: string;
  /** the line's bot; 0 = none (visitors go to the queue at once) */
  botId: number;
  queue: number[];
  welcomeMessage?: string;
}

/** Whether `id` is an active person of the portal: no bot, no visitor. */
async function isOperatorCandidate(ctx: DomainCtx, id: number): Promise<boolean> {
  const u = id > 0 ? await getUser(ctx.db, id) : undefined;
  return !!u && u.active === 1 && u.external_auth_id !== 'bot' && u.external_auth_id !== VISITOR_AUTH_ID;
}

export async function addLine(ctx: DomainCtx, l: NewLine): Promise<OpenLineRow> {
  if (l.botId !== 0) {
    const bot = await getBot(ctx.db, l.botId);
    if (!bot) throw new OpenLineError('bot_not_openline', `bot ${l.botId} does not exist`);
    if (bot.openline !== 'Y') throw new OpenLineError('bot_not_openline', `bot ${l.botId} does not support open lines (register it with OPENLINE=Y or TYPE=O)`);
  }
  for (const id of l.queue) {
    if (!(await isOperatorCandidate(ctx, id))) throw new OpenLineError('bad_queue', `user ${id} cannot be an operator (unknown, inactive, a bot or a visitor)`);
  }
  const id = await insertOpenLine(ctx.db, { name: l.name, botId: l.botId, queue: [...new Set(l.queue)], welcomeMessage: l.welcomeMessage ?? '', createdAt: ctx.clock.now() });
  return (await findOpenLine(ctx.db, id))!;
}

export interface VisitorMessage {
  lineId: number;
  /** an existing visitor of this portal, or… */
  visitorId?: number;
  /** …the name of a new one */
  visitorName?: string;
  text: string;
}

export interface VisitorMessageResult {
  visitorId: number;
  chatId: number;
  sessionId: number;
  messageId: number;
}

/**
 * A visitor writes into a line. The first message (or the first after a finished session) opens a
 * session: the line's bot joins the visitor's chat (ONIMBOTJOINCHAT), or, without a bot, the first
 * operator of the queue. The message then reaches the chat's open-line bots as ONIMBOTMESSAGEADD.
 * A message of exactly `0` while the bot holds the session ends the bot's part, as on a portal.
 */
export async function visitorWrites(ctx: DomainCtx, m: VisitorMessage): Promise<VisitorMessageResult> {
  const line = await findOpenLine(ctx.db, m.lineId);
  if (!line) throw new OpenLineError('line_not_found', `open line ${m.lineId} does not exist`);
  const text = normalizeText(m.text.trim());
  if (text === '') throw new OpenLineError('text_empty', 'the message is empty');
  const visitorId = await visitorOf(ctx, m);
  let session = await latestSessionOfVisitor(ctx.db, line.id, visitorId);
  if (!session || session.status === 'closed') session = await openSession(ctx, line, visitorId, session?.chat_id);
  const messageId = await postMessage(ctx, { chatId: session.chat_id, authorId: visitorId, text });
  await notifyMessage(ctx, messageId, 'add');
  if (text === '0' && session.status === 'bot') await endBotPart(ctx, session, line);
  return { visitorId, chatId: session.chat_id, sessionId: session.id, messageId };
}

async function visitorOf(ctx: DomainCtx, m: VisitorMessage): Promise<number> {
  if (m.visitorId !== undefined) {
    const u = await getUser(ctx.db, m.visitorId);
    if (!u || u.external_auth_id !== VISITOR_AUTH_ID) throw new OpenLineError('visitor_not_found', `user ${m.visitorId} is not a visitor`);
    return u.id;
  }
  const name = (m.visitorName ?? '').trim() || 'Guest';
  return createUser(ctx.db, ctx.clock, { name, externalAuthId: VISITOR_AUTH_ID });
}

async function openSession(ctx: DomainCtx, line: OpenLineRow, visitorId: number, chatId?: number): Promise<OpenLineSessionRow> {
  const botId = line.bot_id;
  const operator = botId ? 0 : (queueOf(line)[0] ?? 0);
  const answerer = botId || operator;
  let id = chatId;
  if (id === undefined) {
    const visitor = await getUser(ctx.db, visitorId);
    const made = await createChat(ctx, {
      type: 'L',
      title: `${visitor?.name ?? 'Guest'} - ${line.name}`,
      authorId: visitorId,
      users: answerer ? [answerer] : [],
      entityType: 'LINES',
      entityId: `livechat|${line.id}|${visitorId}|${visitorId}`,
    });
    id = made.chatId;
    await notifyGroupJoins(ctx, made.botJoins.filter((j) => j.botId !== visitorId).map((j) => ({ ...j, userId: visitorId })));
  } else if (answerer && !(await isMember(ctx.db, id, answerer))) {
    const added = await addChatUsers(ctx, id, visitorId, [answerer], null);
    await notifyGroupJoins(ctx, added.botJoins.map((j) => ({ ...j, userId: visitorId })));
  }
  await insertSession(ctx.db, {
    lineId: line.id,
    chatId: id,
    visitorId,
    status: botId ? 'bot' : 'operator',
    botId,
    operatorId: operator,
    startedAt: ctx.clock.now(),
  });
  return (await latestSessionOfChat(ctx.db, id))!;
}

/** The bot hands the dialog to the line's queue: the first operator joins and the bot leaves. */
async function endBotPart(ctx: DomainCtx, session: OpenLineSessionRow, line: OpenLineRow | undefined): Promise<void> {
  const operator = line ? (queueOf(line)[0] ?? 0) : 0;
  await handOver(ctx, session, operator, true);
}

async function handOver(ctx: DomainCtx, session: OpenLineSessionRow, operatorId: number, botLeaves: boolean): Promise<void> {
  if (operatorId && !(await isMember(ctx.db, session.chat_id, operatorId))) await addChatUsers(ctx, session.chat_id, session.visitor_id, [operatorId], null);
  if (botLeaves && session.bot_id && (await isMember(ctx.db, session.chat_id, session.bot_id))) {
    await removeChatUser(ctx, session.chat_id, session.bot_id, session.bot_id);
  }
  await updateSession(ctx.db, session.id, { status: 'operator', operator_id: operatorId });
}

/** The open session of an open-line chat, if any. */
async function openSessionOf(ctx: DomainCtx, chatId: number): Promise<OpenLineSessionRow | null> {
  const s = await latestSessionOfChat(ctx.db, chatId);
  return s && s.status !== 'closed' ? s : null;
}

/**
 * imopenlines.bot.session.operator: the bot gives the dialog to a free operator. False when the
 * chat has no session a bot holds (the method's WRONG_CHAT).
 */
export async function botToOperator(ctx: DomainCtx, chatId: number): Promise<boolean> {
  const session = await openSessionOf(ctx, chatId);
  if (!session || session.status !== 'bot') return false;
  await endBotPart(ctx, session, await findOpenLine(ctx.db, session.line_id));
  return true;
}

export type TransferTarget = { userId: number } | { queueId: number };

/**
 * imopenlines.bot.session.transfer: to a person (an active user who is neither a bot nor a
 * visitor) or to a line's queue (its first operator). `leave`: the bot leaves the chat at once,
 * else it stays (a portal keeps it until the operator accepts; here the operator is in at once).
 * False when the target cannot take the dialog or the chat has no open session (OPERATOR_WRONG).
 */
export async function transferSession(ctx: DomainCtx, chatId: number, botId: number, target: TransferTarget, leave: boolean): Promise<boolean> {
  const session = await openSessionOf(ctx, chatId);
  if (!session) return false;
  let operator: number;
  if ('userId' in target) {
    if (target.userId === botId || !(await isOperatorCandidate(ctx, target.userId))) return false;
    operator = target.userId;
  } else {
    const line = await findOpenLine(ctx.db, target.queueId);
    const first = line ? queueOf(line)[0] : undefined;
    if (!first || !(await isOperatorCandidate(ctx, first))) return false;
    operator = first;
  }
  await handOver(ctx, { ...session, bot_id: session.bot_id || botId }, operator, leave);
  return true;
}

/** imopenlines.bot.session.finish: the bot answers and the session ends (no-op without one). */
export async function finishSession(ctx: DomainCtx, chatId: number): Promise<void> {
  const session = await openSessionOf(ctx, chatId);
  if (!session) return;
  await updateSession(ctx.db, session.id, { status: 'closed', closed_at: ctx.clock.now() });
}

/**
 * imopenlines.bot.session.message.send: `WELCOME` posts the line's welcome text, `DEFAULT` the
 * given text, from the session's bot. Nothing is posted without a session, a bot in the chat or a
 * text (the method answers true regardless, as a portal does).
 */
export async function sendAutoMessage(ctx: DomainCtx, chatId: number, name: string, message: string): Promise<number | null> {
  const chat = await getChat(ctx.db, chatId);
  if (!chat || chat.entity_type !== 'LINES') return null;
  const session = await latestSessionOfChat(ctx.db, chatId);
  if (!session?.bot_id || !(await isMember(ctx.db, chatId, session.bot_id))) return null;
  const line = await findOpenLine(ctx.db, session.line_id);
  const text = normalizeText((name === 'WELCOME' ? (line?.welcome_message ?? '') : name === 'DEFAULT' ? message : '').trim());
  if (text === '') return null;
  const id = await postMessage(ctx, { chatId, authorId: session.bot_id, text });
  await notifyMessage(ctx, id, 'add');
  return id;
}
