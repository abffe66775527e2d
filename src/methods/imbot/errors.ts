import { RestError, accessDenied } from '../../rest/errors.js';

/** The exact v1 error strings (imbot-v1.md §1.4 and §2). */
export const ImbotErrors = {
  sessionAuth: () => new RestError('WRONG_AUTH_TYPE', 'Access for this method not allowed by session authorization.', 403),
  noClientId: () => accessDenied('Client ID not specified'),
  botNotFound: () => new RestError('BOT_ID_ERROR', 'Bot not found'),
  botOfOtherApp: () => new RestError('APP_ID_ERROR', 'Bot was installed by another rest application'),
  codeEmpty: () => new RestError('CODE_ERROR', "Bot code isn't specified"),
  nameEmpty: () => new RestError('NAME_ERROR', "Bot name isn't specified"),
  cantCreate: () => new RestError('WRONG_REQUEST', "Bot can't be created"),
  cantDelete: () => new RestError('WRONG_REQUEST', "Bot can't be deleted"),
  cantUpdate: () => new RestError('WRONG_REQUEST', "Bot can't be updated"),
  updateEmpty: () => new RestError('WRONG_REQUEST', "Update fields can't be empty"),
  dialogEmpty: () => new RestError('DIALOG_ID_EMPTY', "Dialog ID can't be empty"),
  messageEmpty: () => new RestError('MESSAGE_EMPTY', "Message can't be empty"),
  messageNotAdded: () => new RestError('WRONG_REQUEST', "Message isn't added"),
} as const;
