import type { DomainCtx } from '../../context.js';
import { memberIds } from '../../im/chats.js';
import { getUsers } from '../../im/users.js';
import { allSubscribers, recordEvent, subscribedPeople, sweepExpired } from './log.js';
import { deletePayload, joinPayload, messagePayload, reactionPayload, type MessageScene } from './payload.js';

/*
 * User events (`ONIMV2*`, api-reference/chat-bots/chat-bots-v2/im.v2/events/events.md, `EventLogger::logUser*`): recorded for the
 * people of the chat who called im.v2.Event.subscribe — never for bots — each with the chat seen
 * from their side, in the transaction of the change. Polling only.
 */

async function recordFor(ctx: DomainCtx, chatId: number, event: string, build: (viewerId: number) => Promise<Record<string, unknown>>): Promise<void> {
  if ((await allSubscribers(ctx)).size === 0) return;
  const recipients = await subscribedPeople(ctx, await memberIds(ctx.db, chatId));
  if (recipients.length === 0) return;
  await sweepExpired(ctx);
  await recordEvent(ctx, recipients, event, build);
}

/** ONIMV2MESSAGEADD / …UPDATE / …DELETE: every subscribed member, the author included. */
export async function recordUserMessageEvent(ctx: DomainCtx, scene: MessageScene, change: 'add' | 'update' | 'delete'): Promise<void> {
  const event = change === 'add' ? 'ONIMV2MESSAGEADD' : change === 'update' ? 'ONIMV2MESSAGEUPDATE' : 'ONIMV2MESSAGEDELETE';
  await recordFor(ctx, scene.chatId, event, (viewer) => (change === 'delete' ? deletePayload(ctx, scene, viewer) : messagePayload(ctx, scene, viewer)));
}

/*
 * "Reaction and join user-events skip bot users" (api-reference/chat-bots/chat-bots-v2/im.v2/events/events.md is silent; the portal's `EventLogger`): we read it as
 * the actor — a bot joining a chat or reacting records no ONIMV2* event (recipients are people
 * anyway). A bot's messages still do: people see the answers of the bots they talk to.
 */

/** ONIMV2JOINCHAT: one event per person who joined (`user`), to the chat's subscribed people. */
export async function recordUserJoins(ctx: DomainCtx, chatId: number, joinedIds: number[]): Promise<void> {
  if ((await allSubscribers(ctx)).size === 0) return;
  for (const joined of await peopleAmong(ctx, joinedIds)) {
    await recordFor(ctx, chatId, 'ONIMV2JOINCHAT', (viewer) => joinPayload(ctx, chatId, joined, viewer));
  }
}

/** ONIMV2REACTIONCHANGE: a person's reaction on any message of the chat, to its subscribed people. */
export async function recordUserReaction(ctx: DomainCtx, scene: MessageScene, reaction: string, action: string, userId: number): Promise<void> {
  if ((await allSubscribers(ctx)).size === 0 || (await peopleAmong(ctx, [userId])).length === 0) return;
  await recordFor(ctx, scene.chatId, 'ONIMV2REACTIONCHANGE', (viewer) => reactionPayload(ctx, scene, reaction, action, userId, viewer));
}

async function peopleAmong(ctx: DomainCtx, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const people = new Set((await getUsers(ctx.db, ids)).filter((u) => u.external_auth_id !== 'bot').map((u) => u.id));
  return ids.filter((id) => people.has(id));
}
