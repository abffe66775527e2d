import { RestError, accessDenied } from '../../rest/errors.js';

/** The exact v1 error strings (the method pages under api-reference/chat-bots/outdated/, with the portal's own texts). */
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

/**
 * The chat-management error strings (api-reference/chat-bots/outdated/chats/). A portal serves im.chat.* and
 * imbot.chat.* from the same handlers, so the people's side uses these too.
 */
export const ChatErrors = {
  dialogEmpty: () => new RestError('DIALOG_ID_EMPTY', "Dialog ID can't be empty"),
  chatIdEmpty: () => new RestError('CHAT_ID_EMPTY', "Chat ID can't be empty"),
  userIdEmpty: () => new RestError('USER_ID_EMPTY', "User ID can't be empty"),
  titleEmpty: () => new RestError('TITLE_EMPTY', "Title can't be empty"),
  usersWrongType: () => new RestError('INVALID_FORMAT', 'Parameter USERS has wrong type'),
  cantCreate: () => new RestError('WRONG_REQUEST', "Chat can't be created"),
  noDialogAccess: () => new RestError('ACCESS_ERROR', 'You do not have access to the specified dialog', 403),
  noChatAccess: () => new RestError('ACCESS_ERROR', "You don't have access to this chat"),
  cantRename: () => new RestError('ACCESS_ERROR', 'This chat cannot be renamed', 403),
  cantChangeAvatar: () => new RestError('ACCESS_ERROR', 'The avatar of this chat cannot be changed', 403),
  cantAddUsers: () => new RestError('ACCESS_ERROR', 'It is forbidden to add users to this chat', 403),
  cantDeleteUsers: () => new RestError('ACCESS_ERROR', 'It is forbidden to delete users of this chat', 403),
  /** The portal sends the localised text of this phrase code; the docs show the code itself. */
  ownerCannotLeave: () => new RestError('ACCESS_ERROR', 'LEAVE_OWNER_FORBIDDEN', 403),
  avatarDenied: () => new RestError('ACCESS_DENIED', 'Access denied'),
  avatarType: () => new RestError('AVATAR_ERROR', 'Avatar incorrect type'),
  avatarSize: () => new RestError('AVATAR_ERROR', 'Avatar incorrect size (max 5000x5000)'),
  avatarNoChat: () => new RestError('WRONG_REQUEST', "Chat isn't exists"),
  wrongColor: () => new RestError('WRONG_COLOR', 'This color currently unavailable'),
  colorNotSet: () => new RestError('WRONG_REQUEST', "This color currently set or chat isn't exists"),
  ownerNotChanged: () => new RestError('WRONG_REQUEST', 'Change owner can only owner and user must be member in chat'),
  managerNotChanged: () => new RestError('WRONG_REQUEST', 'Change manager can only owner and user must be member in chat'),
  usersNotAdded: () => new RestError('WRONG_REQUEST', "You don't have access or user already member in chat"),
  userNotDeleted: () => new RestError('WRONG_REQUEST', "You don't have access or user isn't member in chat"),
  textFieldEmpty: () => new RestError('TEXT_FIELD_ENABLED_EMPTY', " text field enabled can't be empty"),
  textFieldNoAccess: () => new RestError('ACCESS_ERROR', "Bot don't have access to this chat"),
} as const;
