/**
 * im.message.share (api-reference/chats/messages/im-message-share.md): MESSAGE_ID (alias ID) →
 * DIALOG_ID → access to the dialog → the object of TYPE. Only CHAT can be made here; TASK, POST
 * and CALEND (modules this portal has not) and extranet callers fail as the portal's Share does
 * when it returns false: PARAMS_ERROR. Any other TYPE does nothing and answers true, as the
 * portal's does.
 */
import { resolveDialog } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import { shareToChat } from '../../im/share.js';
import { getUser } from '../../im/users.js';
import { RestError } from '../../rest/errors.js';
import { intval, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ChatErrors } from '../imbot/errors.js';

const ShareErrors = {
  messageIdError: () => new RestError('MESSAGE_ID_ERROR', "Message ID can't be empty"),
  params: () => new RestError('PARAMS_ERROR', 'Incorrect params'),
} as const;

const MODULE_TYPES = ['TASK', 'POST', 'CALEND'];

async function messageShare(call: MethodCall): Promise<boolean> {
  const P = upperKeys(call.params);
  const messageId = intval(P.MESSAGE_ID !== undefined ? P.MESSAGE_ID : P.ID);
  if (messageId <= 0) throw ShareErrors.messageIdError();
  const ref = parseDialogId(P.DIALOG_ID);
  if (!ref) throw ChatErrors.dialogEmpty();
  const me = call.caller.userId;
  const { access, chatId } = await resolveDialog(call.ctx.db, ref, me);
  if (!access) throw ChatErrors.noDialogAccess();
  if (chatId === null) throw ChatErrors.noChatAccess();
  if ((await getUser(call.ctx.db, me))?.user_type === 'extranet') throw ShareErrors.params();
  const type = P.TYPE;
  if (type === 'CHAT') {
    if (!(await shareToChat(call.ctx, messageId, me))) throw ShareErrors.params();
  } else if (typeof type === 'string' && MODULE_TYPES.includes(type)) {
    throw ShareErrors.params();
  }
  return true;
}

export const shareMethods: MethodSpec[] = [
  { name: 'im.message.share', scope: 'im', write: true, handler: messageShare, onStoreFailure: ShareErrors.params },
];
