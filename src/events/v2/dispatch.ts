import type { DomainCtx } from '../../context.js';
import type { BotRow } from '../../bots/lifecycle.js';
import { botV2 } from '../../bots/v2-entities.js';
import type { BotEventIntent, CommandHit } from '../../domain-events.js';
import { signalOutbox } from '../signal.js';
import { recordEvent, rememberDeletedBot, sweepExpired } from './log.js';
import { chatData, deletePayload, joinPayload, language, messageData, messagePayload, messageScene, userData, type Data } from './payload.js';
import { enqueueWebhook } from './webhook.js';

/*
 * The v2 branch of emitBotEvents (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/index.md): the same intents the v1 rules produce (who
 * hears what is decided once, src/bots/addressing.ts), told to the bots registered through
 * imbot.v2 (api_version 2) as ONIMBOTV2* — in the bot's own mode: a row of the fetch log, or a
 * webhook POST through the outbox. Both are written in the caller's transaction.
 */

export type V2BotEvent =
  | 'ONIMBOTV2MESSAGEADD'
  | 'ONIMBOTV2MESSAGEUPDATE'
  | 'ONIMBOTV2MESSAGEDELETE'
  | 'ONIMBOTV2JOINCHAT'
  | 'ONIMBOTV2DELETE'
  | 'ONIMBOTV2COMMANDADD'
  | 'ONIMBOTV2CONTEXTGET'
  | 'ONIMBOTV2REACTIONCHANGE';

/** Builds one bot's `data` (without `bot`), seen from that bot. */
type PayloadOf = (bot: BotRow) => Promise<Data>;

/**
 * Tells one v2 bot: fetch mode → its log (the full owner-format bot first), webhook → the outbox
 * (the lane is noted for the worker's nudge). Returns the outbox rows written.
 */
export async function deliverToBot(ctx: DomainCtx, bot: BotRow, event: V2BotEvent, payload: PayloadOf, userId: number | null, lanes: Set<string>): Promise<number> {
  const data = await payload(bot);
  if (bot.event_mode === 'FETCH') {
    await sweepExpired(ctx);
    await recordEvent(ctx, [bot.bot_id], event, { bot: await botV2(ctx.db, bot, 'owner', language(ctx)), ...data });
    return 0;
  }
  const rows = await enqueueWebhook(ctx, bot, event, data, userId);
  if (rows > 0) lanes.add(bot.app_id);
  return rows;
}

/** The v2 bots among `ids` (in order, once each), from the rows emitBotEvents read for all intents. */
function v2Bots(known: ReadonlyMap<number, BotRow>, ids: number[]): BotRow[] {
  return [...new Set(ids)].flatMap((id) => {
    const bot = known.get(id);
    return bot && bot.api_version === 2 ? [bot] : [];
  });
}

/** ONIMBOTV2COMMANDADD's `command` (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md, api-reference/chat-bots/chat-bots-v2/migration.md): `/` + the command, context lower-cased (`menu` for a menu item). */
function commandData(h: CommandHit): Data {
  return { id: h.COMMAND_ID, command: `/${h.COMMAND}`, params: h.COMMAND_PARAMS, context: h.menu ? 'menu' : h.COMMAND_CONTEXT.toLowerCase() };
}

/** For every intent, the v2 bots concerned and what each is told. */
async function planOf(ctx: DomainCtx, intent: BotEventIntent, known: ReadonlyMap<number, BotRow>): Promise<{ bot: BotRow; event: V2BotEvent; payload: PayloadOf }[]> {
  switch (intent.event) {
    case 'ONIMBOTMESSAGEADD':
    case 'ONIMBOTMESSAGEUPDATE':
    case 'ONIMBOTMESSAGEDELETE': {
      const bots = v2Bots(known, intent.botIds);
      const scene = bots.length ? await messageScene(ctx, intent.messageId) : null;
      if (!scene) return [];
      const event = intent.event === 'ONIMBOTMESSAGEADD' ? 'ONIMBOTV2MESSAGEADD' : intent.event === 'ONIMBOTMESSAGEUPDATE' ? 'ONIMBOTV2MESSAGEUPDATE' : 'ONIMBOTV2MESSAGEDELETE';
      const build = event === 'ONIMBOTV2MESSAGEDELETE' ? deletePayload : messagePayload;
      return bots.map((bot) => ({ bot, event, payload: (b) => build(ctx, scene, b.bot_id) }));
    }
    case 'ONIMBOTJOINCHAT': {
      const bots = v2Bots(known, intent.botIds);
      return bots.map((bot) => ({ bot, event: 'ONIMBOTV2JOINCHAT' as const, payload: (b) => joinPayload(ctx, intent.chatId ?? 0, intent.userId, b.bot_id) }));
    }
    case 'ONIMBOTDELETE': {
      const bots = v2Bots(known, intent.botIds);
      for (const bot of bots) if (bot.event_mode === 'FETCH') await rememberDeletedBot(ctx, bot.bot_id, bot.app_id);
      return bots.map((bot) => ({ bot, event: 'ONIMBOTV2DELETE' as const, payload: async () => ({}) }));
    }
    case 'ONIMCOMMANDADD': {
      // one event per executed command (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md), even when one message holds several
      const hits = intent.commands ?? [];
      const bots = v2Bots(known, hits.map((h) => h.BOT_ID));
      const plan: { bot: BotRow; event: V2BotEvent; payload: PayloadOf }[] = [];
      for (const hit of hits) {
        const bot = bots.find((b) => b.bot_id === hit.BOT_ID);
        const scene = bot ? await messageScene(ctx, hit.MESSAGE_ID) : null;
        if (!bot || !scene) continue;
        plan.push({
          bot,
          event: 'ONIMBOTV2COMMANDADD',
          payload: async (b) => ({
            command: commandData(hit),
            message: await messageData(ctx, scene.messageId),
            chat: await chatData(ctx, scene.chatId, b.bot_id),
            user: await userData(ctx, intent.userId),
            language: language(ctx),
          }),
        });
      }
      return plan;
    }
    case 'ONIMBOTCONTEXTGET': {
      const bots = v2Bots(known, intent.botIds);
      return bots.map((bot) => ({
        bot,
        event: 'ONIMBOTV2CONTEXTGET' as const,
        payload: async (b) => {
          // no chat yet (a 1:1 dialog nobody wrote in): `chat` is {} and dialogId the user's id
          const chat = await chatData(ctx, intent.chatId ?? 0, b.bot_id);
          return {
            dialogId: chat.dialogId !== undefined ? String(chat.dialogId) : String(intent.userId ?? ''),
            context: intent.context ?? {},
            chat,
            user: await userData(ctx, intent.userId),
            language: language(ctx),
          };
        },
      }));
    }
  }
}

/** The v2 branch of emitBotEvents (`known`: the intents' bots, by id); returns the outbox rows written (fetch-log rows not counted). */
export async function emitV2BotEvents(ctx: DomainCtx, intents: BotEventIntent[], known: ReadonlyMap<number, BotRow>): Promise<number> {
  let written = 0;
  const lanes = new Set<string>();
  for (const intent of intents) {
    for (const step of await planOf(ctx, intent, known)) written += await deliverToBot(ctx, step.bot, step.event, step.payload, intent.userId, lanes);
  }
  if (lanes.size) signalOutbox(ctx, [...lanes]);
  return written;
}
