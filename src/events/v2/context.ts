import type { DomainCtx } from '../../context.js';
import type { ChatRow } from '../../im/chats.js';
import { emitBotEvents } from '../emit.js';

/** A dialog opened with BOT_CONTEXT (api-reference/chat-bots/chat-bots-v2/imbot.v2/bot-context.md), resolved by the method layer. */
export interface BotContextOpen {
  /** who opened it */
  userId: number;
  /** the bots told: the bot of a 1:1 dialog, or every bot of a group chat */
  botIds: number[];
  /** the chat; null for a 1:1 dialog nobody wrote in yet */
  chat: ChatRow | null;
  /** the dialog id as the bots see it: the user's id for a 1:1 dialog, `chatN` for a group */
  dialogId: string;
  context: Record<string, unknown>;
}

/**
 * ONIMBOTCONTEXTGET for v1 bots (undocumented for v1 — BOT, PARAMS, brief USER, the portal's behaviour) and, through the
 * same intent, ONIMBOTV2CONTEXTGET for v2 bots in their own mode — no subscription of its own.
 */
export async function emitContextGet(ctx: DomainCtx, o: BotContextOpen): Promise<void> {
  const type = o.chat?.type ?? 'P';
  await emitBotEvents(ctx, [
    {
      event: 'ONIMBOTCONTEXTGET',
      botIds: o.botIds,
      userId: o.userId,
      params: {
        CHAT_TYPE: type,
        MESSAGE_TYPE: type,
        USER_ID: o.userId,
        CHAT_AUTHOR_ID: o.chat?.author_id ?? 0,
        CHAT_ENTITY_TYPE: o.chat?.entity_type ?? '',
        CHAT_ENTITY_ID: o.chat?.entity_id ?? '',
        CONTEXT: o.context,
        DIALOG_ID: o.dialogId,
        LANGUAGE: ctx.portal.languageId.toLowerCase(),
      },
      chatId: o.chat?.id ?? 0,
      context: o.context,
    },
  ]);
}
