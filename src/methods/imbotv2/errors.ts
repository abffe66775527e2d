import { RestError } from '../../rest/errors.js';

/*
 * v2 method errors (api-reference/chat-bots/chat-bots-v2/index.md and each method page's error table): every method-level error is HTTP 400
 * (as a portal answers) with the real `error_description` strings.
 */

export function v2Error(code: string, description: string = code): RestError {
  return new RestError(code, description, 400);
}

/** The shared bot gate (api-reference/chat-bots/chat-bots-v2/index.md) and the errors several families raise. */
export const V2Errors = {
  tokenNotSpecified: () => v2Error('BOT_TOKEN_NOT_SPECIFIED', 'Bot token not specified (botToken is required for webhook auth)'),
  botIdRequired: () => v2Error('BOT_ID_REQUIRED', 'botId is required'),
  botNotFound: () => v2Error('BOT_NOT_FOUND', 'Bot not found'),
  ownership: () => v2Error('BOT_OWNERSHIP_ERROR', 'Bot was installed by another rest application'),
  /** the newer docs spell the description as the code itself */
  accessDenied: () => v2Error('ACCESS_DENIED', 'ACCESS_DENIED'),
  chatNotFound: () => v2Error('CHAT_NOT_FOUND', 'CHAT_NOT_FOUND'),
  messageNotFound: () => v2Error('MESSAGE_NOT_FOUND', 'Message not found'),
} as const;
