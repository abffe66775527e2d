import { resolveDialog } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import { RestError } from '../../rest/errors.js';
import { upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ChatErrors } from './errors.js';

// imbot.dialog.vote (undocumented: no docs page; the portal's `dialogVote`, MSG `LinesSessionVote`).

const VoteErrors = {
  messageIdEmpty: () => new RestError('MESSAGE_ID_EMPTY', "Message ID can't be empty"),
  withoutChanges: () => new RestError('WITHOUT_CHANGES', 'Action completed without changes'),
} as const;

/**
 * Rates an open-line session through a message of a network bot that carries the session's vote
 * request (`IMOL_VOTE`). This server has neither open lines nor network bots, so after the
 * parameter and access checks every vote is "without changes", as a portal answers for any other
 * message.
 */
async function vote(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  if (P.MESSAGE_ID === undefined || P.MESSAGE_ID === null) throw VoteErrors.messageIdEmpty();
  const ref = parseDialogId(P.DIALOG_ID);
  if (!ref) throw ChatErrors.dialogEmpty();
  if (!(await resolveDialog(call.ctx.db, ref, call.caller.userId)).access) throw ChatErrors.noDialogAccess();
  // RATING: 'dislike', anything else is 'like'; nothing here can be rated.
  throw VoteErrors.withoutChanges();
}

export const dialogVoteMethods: MethodSpec[] = [{ name: 'imbot.dialog.vote', scope: 'imbot', handler: vote }];
