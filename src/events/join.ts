import { getBot } from '../bots/lifecycle.js';
import { cachedRead, type DomainCtx } from '../context.js';
import { emitBotEvents } from './emit.js';

/**
 * ONIMBOTJOINCHAT for a private chat user↔bot created on first contact, whichever side wrote
 * first (api-reference/chat-bots/outdated/chats/events/on-imbot-join-chat.md). `from` started the chat. Bot-to-bot chats fire nothing.
 */
export async function emitPrivateJoin(ctx: DomainCtx, chatId: number, from: number, to: number): Promise<void> {
  if (from === to) return;
  // through the read cache (the key the bot gates use): the side that keeps opening dialogs is looked up once
  const bot = (id: number) => cachedRead(ctx, `bot:${id}`, ['bots'], () => getBot(ctx.db, id));
  const [fromBot, toBot] = [await bot(from), await bot(to)];
  if (!fromBot === !toBot) return; // two people, or two bots
  const botId = (fromBot ?? toBot)!.bot_id;
  const userId = botId === from ? to : from;
  await emitBotEvents(ctx, [
    {
      event: 'ONIMBOTJOINCHAT',
      botIds: [botId],
      userId,
      params: {
        CHAT_TYPE: 'P',
        MESSAGE_TYPE: 'P',
        BOT_ID: botId,
        USER_ID: userId,
        CHAT_ID: chatId,
        TO_USER_ID: to,
        FROM_USER_ID: from,
        DIALOG_ID: String(userId),
        LANGUAGE: ctx.portal.languageId.toLowerCase(),
      },
      chatId,
    },
  ]);
}
