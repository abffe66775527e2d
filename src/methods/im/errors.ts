import { RestError } from '../../rest/errors.js';

/** The im.* error strings, as the chats API reference lists them. */
export const ImErrors = {
  userIdEmpty: () => new RestError('USER_ID_EMPTY', "User ID can't be empty"),
  userNotFound: () => new RestError('USER_NOT_FOUND', 'User not found'),
  messageEmpty: () => new RestError('MESSAGE_EMPTY', "Message can't be empty"),
  accessError: () => new RestError('ACCESS_ERROR', 'Action unavailable', 403),
  cantCreateMessage: () => new RestError('CHAT_ID', 'Error creating message'),
  dialogEmpty: () => new RestError('DIALOG_ID_EMPTY', "Dialog ID can't be empty"),
  firstIdString: () => new RestError('FIRST_ID_STRING', "First ID can't be string"),
  lastIdString: () => new RestError('LAST_ID_STRING', "Last ID can't be string"),
  noDialogAccess: () => new RestError('ACCESS_ERROR', 'You do not have access to the specified dialog', 403),
  chatIdEmpty: () => new RestError('CHAT_ID_EMPTY', "Chat ID can't be empty"),
  usersWrongType: () => new RestError('INVALID_FORMAT', 'Parameter USERS has wrong type'),
  cantCreateChat: () => new RestError('WRONG_REQUEST', "Chat can't be created"),
} as const;
