import type { DomainCtx } from '../context.js';
import type { DomainEvent, DomainEvents } from '../domain-events.js';
import { emitBotEvents } from './emit.js';
import { emitPrivateJoin } from './join.js';
import { notifyDeletion, notifyGroupJoins, notifyMessage } from './notify.js';
import { recordUserJoins, recordUserMessageEvent } from './v2/user-events.js';

/**
 * The one publisher of domain events (src/domain-events.ts): each event becomes outbox, offline
 * queue or v2 log rows in the publishing context's transaction.
 */
export const eventPublisher: DomainEvents<DomainCtx> = {
  async publish(ctx: DomainCtx, e: DomainEvent): Promise<void> {
    switch (e.kind) {
      case 'bot-events':
        if (e.intents.length) await emitBotEvents(ctx, e.intents);
        return;
      case 'message-for-bots':
        return e.change === 'delete' ? notifyDeletion(ctx, e.messageId) : notifyMessage(ctx, e.messageId, e.change);
      case 'message-for-people':
        return recordUserMessageEvent(ctx, e.message, e.change);
      case 'private-chat-opened':
        return emitPrivateJoin(ctx, e.chatId, e.from, e.to);
      case 'bots-joined':
        return notifyGroupJoins(ctx, e.joins);
      case 'chat-joined':
        return recordUserJoins(ctx, e.chatId, e.userIds);
    }
  },
};
