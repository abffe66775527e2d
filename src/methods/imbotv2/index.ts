import type { MethodSpec } from '../../rest/registry.js';
import { imV2ContextMethods } from '../imv2/context.js';
import { imV2EventsMethods } from '../imv2/events.js';
import { imV2FilesMethods } from '../imv2/files.js';
import { v2BotsMethods } from './bots.js';
import { v2ChatsMethods } from './chats.js';
import { v2CommandsMethods } from './commands.js';
import { v2EventsMethods } from './events.js';
import { v2FilesMethods } from './files.js';
import { v2MessagesMethods } from './messages.js';
import { v2UiMethods } from './ui.js';

/**
 * Chatbots 2.0 (api-reference/chat-bots/chat-bots-v2/index.md): `imbot.v2.*` (scope imbot; the bot gate of gate.ts) and the
 * `im.v2.*` methods bots and their users need (scope im, acting as the caller).
 */
export const v2Methods: MethodSpec[] = [
  ...v2BotsMethods,
  ...v2ChatsMethods,
  ...v2MessagesMethods,
  ...v2CommandsMethods,
  ...v2UiMethods,
  ...v2EventsMethods,
  ...v2FilesMethods,
  ...imV2EventsMethods,
  ...imV2FilesMethods,
  ...imV2ContextMethods,
];
