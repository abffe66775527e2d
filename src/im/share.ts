/**
 * im.message.share with TYPE=CHAT (CIMShare::Chat): a new chat about one message, with the person
 * sharing and the message's author (unless extranet). The original chat gets a notice quoting the
 * message; the new chat opens with the quote and a link back. Both are system messages of the
 * person sharing, so the bots in those chats hear them as any message of a person.
 * TASK, POST and CALEND need the tasks, feed and calendar modules, which this portal has not.
 */
import { isoDate } from '../clock.js';
import type { DomainCtx } from '../context.js';
import { createChat, getChat, isMember, memberIds, type ChatRow } from './chats.js';
import { fileIdsOf } from './disk.js';
import { getFile } from './files.js';
import { getMessage, isDeleted, postMessage, type MessageRow } from './messages.js';
import { fullName, getUser } from './users.js';

const RULE = '------------------------------------------------------';

/** The quote block the portal writes around a shared message, then `end`. */
async function quote(ctx: DomainCtx, m: MessageRow, end: string): Promise<string> {
  const author = await getUser(ctx.db, m.author_id);
  const lines = [RULE, `${author ? fullName(author) : ''} [${isoDate(m.created_at).slice(0, 16).replace('T', ' ')}]`];
  if (m.text.trim() !== '') lines.push(m.text);
  for (const id of fileIdsOf(m)) {
    const f = await getFile(ctx.db, id);
    if (f) lines.push(`[File: ${f.name}]`);
  }
  lines.push(RULE, end);
  return lines.join('\n');
}

/** How the new chat links back: the partner of a private chat, else the chat. */
async function linkBack(ctx: DomainCtx, chat: ChatRow, sharerId: number): Promise<string> {
  if (chat.type !== 'P') return `[CHAT=${chat.id}]${chat.title}[/CHAT]`;
  const partnerId = (await memberIds(ctx.db, chat.id)).find((id) => id !== sharerId) ?? sharerId;
  const user = await getUser(ctx.db, partnerId);
  return `[USER=${user?.id ?? partnerId}]${user ? fullName(user) : ''}[/USER]`;
}

/** Shares message `messageId` into a new chat as `userId`; false when the message is not theirs to read. */
export async function shareToChat(ctx: DomainCtx, messageId: number, userId: number): Promise<boolean> {
  const m = await getMessage(ctx.db, messageId);
  if (!m || isDeleted(m) || !(await isMember(ctx.db, m.chat_id, userId))) return false;
  const origin = await getChat(ctx.db, m.chat_id);
  if (!origin) return false;
  const author = await getUser(ctx.db, m.author_id);
  const users = author && author.user_type !== 'extranet' ? [m.author_id] : [];
  const created = await createChat(ctx, { type: 'C', authorId: userId, users, entityType: 'THREAD' });
  await ctx.events.publish(ctx, { kind: 'bots-joined', joins: created.botJoins });
  const notice = await postMessage(ctx, {
    chatId: origin.id,
    authorId: userId,
    text: await quote(ctx, m, `A chat was created from this message: [CHAT=${created.chatId}]`),
    system: true,
    params: { CLASS: 'bx-messenger-content-item-system' },
  });
  await ctx.events.publish(ctx, { kind: 'message-for-bots', messageId: notice, change: 'add' });
  const welcome = await postMessage(ctx, {
    chatId: created.chatId,
    authorId: userId,
    text: await quote(ctx, m, `This chat was created from a message in ${await linkBack(ctx, origin, userId)}`),
    system: true,
    params: { CLASS: 'bx-messenger-content-item-system' },
  });
  await ctx.events.publish(ctx, { kind: 'message-for-bots', messageId: welcome, change: 'add' });
  return true;
}
