import type { MethodSpec } from '../../rest/registry.js';
import { ChatErrors } from '../imbot/errors.js';
import { chatHandlers } from './chat-handlers.js';

// The people's side of chats (api-reference/chats/**): the same handlers as imbot.chat.*, acting
// as the calling person.
const h = chatHandlers('im');

export const imChatMethods: MethodSpec[] = [
  { name: 'im.chat.add', scope: 'im', write: true, handler: h.add, onStoreFailure: ChatErrors.cantCreate },
  { name: 'im.chat.get', scope: 'im', handler: h.get },
  { name: 'im.dialog.get', scope: 'im', handler: h.dialogGet },
  { name: 'im.chat.updateTitle', scope: 'im', write: true, handler: h.updateTitle },
  { name: 'im.chat.user.add', scope: 'im', write: true, handler: h.userAdd, onStoreFailure: ChatErrors.usersNotAdded },
  { name: 'im.chat.user.delete', scope: 'im', write: true, handler: h.userDelete, onStoreFailure: ChatErrors.userNotDeleted },
  { name: 'im.chat.leave', scope: 'im', write: true, handler: h.leave, onStoreFailure: ChatErrors.userNotDeleted },
  { name: 'im.chat.user.list', scope: 'im', handler: h.userList },
  { name: 'im.chat.setOwner', scope: 'im', write: true, handler: h.setOwner, onStoreFailure: ChatErrors.ownerNotChanged },
  { name: 'im.chat.updateColor', scope: 'im', write: true, handler: h.updateColor, onStoreFailure: ChatErrors.colorNotSet },
  { name: 'im.chat.updateAvatar', scope: 'im', write: true, handler: h.updateAvatar, onStoreFailure: ChatErrors.avatarNoChat },
];
