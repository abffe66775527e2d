import type { MethodSpec } from '../../rest/registry.js';
import { messageDelete, messageUpdate } from './messages-edit.js';
import { messageSend } from './messages-send.js';
import { messageGet, messageGetContext, messageRead } from './messages-read.js';
import { reactionAdd, reactionDelete } from './messages-reactions.js';
import { MessageV2Errors } from './messages-common.js';

/** imbot.v2.Chat.Message.* (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/); every writing call is one transaction. */
export const v2MessagesMethods: MethodSpec[] = [
  { name: 'imbot.v2.Chat.Message.send', scope: 'imbot', write: true, handler: messageSend, onStoreFailure: MessageV2Errors.sendingFailed },
  { name: 'imbot.v2.Chat.Message.update', scope: 'imbot', write: true, handler: messageUpdate },
  { name: 'imbot.v2.Chat.Message.delete', scope: 'imbot', write: true, handler: messageDelete },
  { name: 'imbot.v2.Chat.Message.read', scope: 'imbot', write: true, handler: messageRead },
  { name: 'imbot.v2.Chat.Message.get', scope: 'imbot', handler: messageGet },
  { name: 'imbot.v2.Chat.Message.getContext', scope: 'imbot', handler: messageGetContext },
  { name: 'imbot.v2.Chat.Message.Reaction.add', scope: 'imbot', write: true, handler: reactionAdd },
  { name: 'imbot.v2.Chat.Message.Reaction.delete', scope: 'imbot', write: true, handler: reactionDelete },
];
