import type { DomainCtx } from '../context.js';
import { listOwnerHandlers, replaceOwnerHandler } from '../store/repos/event-bindings.js';
import type { BotOwner } from './owner.js';

/** The v1 bot events and the register/update field that names each one's handler. */
export const BOT_EVENT_FIELDS = {
  EVENT_MESSAGE_ADD: 'ONIMBOTMESSAGEADD',
  EVENT_MESSAGE_UPDATE: 'ONIMBOTMESSAGEUPDATE',
  EVENT_MESSAGE_DELETE: 'ONIMBOTMESSAGEDELETE',
  EVENT_CONTEXT_GET: 'ONIMBOTCONTEXTGET',
  EVENT_WELCOME_MESSAGE: 'ONIMBOTJOINCHAT',
  EVENT_BOT_DELETE: 'ONIMBOTDELETE',
} as const;

export type BotEventField = keyof typeof BOT_EVENT_FIELDS;

/**
 * Event bindings belong to the application, not the bot: binding an event replaces that app's
 * previous handler for it, for all its bots ("last registration wins", api-reference/chat-bots/outdated/bots/imbot-register.md).
 */
export async function bindAppEvent(ctx: DomainCtx, owner: BotOwner, eventName: string, handlerUrl: string): Promise<void> {
  await replaceOwnerHandler(ctx.db, { appId: owner.restAppId, token: owner.applicationToken }, eventName, handlerUrl, ctx.clock.now());
}

export async function appBindings(ctx: DomainCtx, owner: BotOwner) {
  return listOwnerHandlers(ctx.db, { appId: owner.restAppId, token: owner.applicationToken });
}
