import { commandButtonIntents } from '../../bots/addressing.js';
import { emitAll } from '../../events/notify.js';
import { RestError } from '../../rest/errors.js';
import { idval, phpEmpty, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';

// im.message.command: a person presses a keyboard button or menu item that carries a COMMAND
// (api-reference/chats/messages/im-message-command.md; api-reference/chat-bots/outdated/commands/events/on-im-command-add.md).

const Errors = {
  messageId: () => new RestError('MESSAGE_ID_ERROR', "Message ID can't be empty"),
  botId: () => new RestError('BOT_ID_ERROR', "Bot ID can't be empty"),
  command: () => new RestError('COMMAND_ERROR', "Command can't be empty"),
  params: () => new RestError('PARAMS_ERROR', 'Incorrect params'),
} as const;

/**
 * Validates the press and computes its ONIMCOMMANDADD (COMMAND_CONTEXT=KEYBOARD); the bot's answer
 * window opens. Nothing is posted to the chat. Handing the intent to the event outbox is wired by
 * the messenger's event delivery.
 */
async function messageCommand(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const messageId = idval(P.MESSAGE_ID);
  if (messageId <= 0) throw Errors.messageId();
  const botId = idval(P.BOT_ID);
  if (botId <= 0) throw Errors.botId();
  if (phpEmpty(P.COMMAND) || typeof P.COMMAND === 'object') throw Errors.command();
  const intents = await commandButtonIntents(call.ctx, {
    userId: call.caller.userId,
    messageId,
    botId,
    command: phpString(P.COMMAND),
    commandParams: phpString(P.COMMAND_PARAMS),
  });
  if (!intents) throw Errors.params();
  await emitAll(call.ctx, intents);
  return true;
}

export const imCommandMethods: MethodSpec[] = [
  { name: 'im.message.command', scope: 'im', write: true, handler: messageCommand },
];
