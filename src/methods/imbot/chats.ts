import type { MethodSpec } from '../../rest/registry.js';
import { chatHandlers } from '../im/chat-handlers.js';
import { ChatErrors } from './errors.js';

// imbot.chat.* and imbot.dialog.get (api-reference/chat-bots/outdated/chats/): the shared chat handlers, acting as the
// app's bot (BOT_ID auto-fill) where a portal does.
const h = chatHandlers('imbot');

export const imbotChatMethods: MethodSpec[] = [
  { name: 'imbot.chat.add', scope: 'imbot', write: true, handler: h.add, onStoreFailure: ChatErrors.cantCreate },
  { name: 'imbot.chat.get', scope: 'imbot', handler: h.get },
  { name: 'imbot.dialog.get', scope: 'imbot', handler: h.dialogGet },
  { name: 'imbot.chat.setOwner', scope: 'imbot', write: true, handler: h.setOwner, onStoreFailure: ChatErrors.ownerNotChanged },
  { name: 'imbot.chat.setManager', scope: 'imbot', write: true, handler: h.setManager, onStoreFailure: ChatErrors.managerNotChanged },
  { name: 'imbot.chat.updateColor', scope: 'imbot', write: true, handler: h.updateColor, onStoreFailure: ChatErrors.colorNotSet },
  { name: 'imbot.chat.updateTitle', scope: 'imbot', write: true, handler: h.updateTitle },
  { name: 'imbot.chat.updateAvatar', scope: 'imbot', write: true, handler: h.updateAvatar, onStoreFailure: ChatErrors.avatarNoChat },
  { name: 'imbot.chat.user.add', scope: 'imbot', write: true, handler: h.userAdd, onStoreFailure: ChatErrors.usersNotAdded },
  { name: 'imbot.chat.user.delete', scope: 'imbot', write: true, handler: h.userDelete, onStoreFailure: ChatErrors.userNotDeleted },
  { name: 'imbot.chat.leave', scope: 'imbot', write: true, handler: h.leave, onStoreFailure: ChatErrors.userNotDeleted },
  { name: 'imbot.chat.user.list', scope: 'imbot', handler: h.userList },
  { name: 'imbot.chat.updateTextFieldEnabled', scope: 'imbot', write: true, handler: h.updateTextFieldEnabled },
];
