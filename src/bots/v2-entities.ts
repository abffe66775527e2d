import type { Db } from '../store/db.js';
import { listMemberships } from '../store/repos/chats.js';
import { countBotCommands } from '../store/repos/commands.js';
import { countMessagesBy } from '../store/repos/messages.js';
import type { BotRow } from './lifecycle.js';

/*
 * The Bot entity of the v2 API (api-reference/chat-bots/chat-bots-v2/entities.md, `BotItem::toRestFormat`) over the shared bots
 * row, so a bot registered through either API shows the same way.
 */

/** Stored type letters ↔ v2 names (api-reference/chat-bots/chat-bots-v2/index.md). `P` is this server's letter for `personal`. */
const TYPE_NAMES: Record<string, string> = { B: 'bot', S: 'supervisor', P: 'personal', O: 'openline', N: 'network' };
export const V2_TYPE_LETTERS: Record<string, string> = { bot: 'B', supervisor: 'S', personal: 'P', openline: 'O', network: 'N' };

/** Unknown letters (v1's `H` "human" bot) read back as `bot`, as `BotType::fromDbValue` does. */
export function botTypeName(letter: string): string {
  return TYPE_NAMES[letter] ?? 'bot';
}

/** `brief` for anyone, `owner` adds module, event mode and the counters. */
export async function botV2(db: Db, bot: BotRow, format: 'brief' | 'owner', language: string): Promise<Record<string, unknown>> {
  const brief: Record<string, unknown> = {
    id: bot.bot_id,
    code: bot.code,
    type: botTypeName(bot.type),
    isHidden: bot.hidden === 'Y',
    isSupportOpenline: bot.openline === 'Y',
    isReactionsEnabled: bot.reactions_enabled === 'Y',
    backgroundId: bot.background_id ?? null,
    language: bot.lang || language,
  };
  if (format === 'brief') return brief;
  const [messages, commands, chats] = await Promise.all([countMessagesBy(db, bot.bot_id), countBotCommands(db, bot.bot_id), listMemberships(db, bot.bot_id)]);
  return {
    ...brief,
    moduleId: bot.module_id,
    eventMode: bot.event_mode === 'FETCH' ? 'fetch' : 'webhook',
    countMessage: messages,
    countCommand: commands,
    countChat: chats.filter((c) => c.type !== 'P').length,
    countUser: chats.filter((c) => c.type === 'P').length,
  };
}
