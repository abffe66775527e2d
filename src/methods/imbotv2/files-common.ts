import { isMember, openPrivateChat, roleAllows } from '../../im/chats.js';
import { FileError, decodeUpload, maxUploadSize, postChatFile, type FileFailure, type FileRow } from '../../im/files.js';
import { getUser } from '../../im/users.js';
import type { RestError } from '../../rest/errors.js';
import type { MethodCall } from '../../rest/registry.js';
import { fieldsOf, pick, v2Int } from './args.js';
import { V2Errors, v2Error } from './errors.js';
import { botDialog } from './gate.js';

/*
 * What imbot.v2.File.* (as the bot) and im.v2.File.* (as the caller) share
 * (api-reference/chat-bots/chat-bots-v2/imbot.v2/files/, api-reference/chat-bots/chat-bots-v2/im.v2/files/): the same domain upload, each API with its own error codes.
 */

export type UploadErrors = Record<FileFailure, () => RestError>;

const TEXTS = {
  empty: 'File name and content are required',
  tooLarge: 'File size exceeds maximum allowed',
  invalid: 'Invalid base64 content',
  upload: 'File upload failed',
  notFound: 'File not found',
} as const;

/**
 * imbot.v2 (src `Imbot\V2\Error\FileError`). `FILE_SEND_FAILED` ("Failed to send file message")
 * is never produced: posting the message fails only when the store does, and the store's first
 * write of an upload is the file record, which answers FILE_UPLOAD_FAILED.
 */
export const ImbotFileErrors = {
  empty: () => v2Error('FILE_EMPTY', TEXTS.empty),
  too_large: () => v2Error('FILE_TOO_LARGE', TEXTS.tooLarge),
  invalid_content: () => v2Error('FILE_INVALID_CONTENT', TEXTS.invalid),
  folder: () => v2Error('FILE_FOLDER_ERROR', 'Could not resolve chat folder'),
  upload: () => v2Error('FILE_UPLOAD_FAILED', TEXTS.upload),
  notFound: () => v2Error('FILE_NOT_FOUND', TEXTS.notFound),
  accessError: () => v2Error('FILE_ACCESS_ERROR', 'File access error'),
} as const;

/**
 * im.v2: the codes its page documents (no `FILE_` prefix on the folder/upload/send ones, the error tables of the im.v2 pages)
 * with the texts of the shared `FileService`. `SEND_FAILED` is never produced, as above.
 */
export const ImFileErrors = {
  empty: () => v2Error('FILE_EMPTY', TEXTS.empty),
  too_large: () => v2Error('FILE_TOO_LARGE', TEXTS.tooLarge),
  invalid_content: () => v2Error('FILE_INVALID_CONTENT', TEXTS.invalid),
  folder: () => v2Error('FOLDER_ERROR', 'Could not get chat folder'),
  upload: () => v2Error('UPLOAD_FAILED', TEXTS.upload),
  notFound: () => v2Error('FILE_NOT_FOUND', TEXTS.notFound),
} as const;

/** Where an upload goes: an existing chat, or the 1:1 dialog with `partnerId` (opened on posting). */
interface UploadTarget {
  chatId: number | null;
  partnerId: number;
  /** as the actor sees it: `"5"` for the 1:1 chat with user 5, `"chat7"` */
  dialogId: string;
}

/**
 * `dialogId` as `actorId` sees it (the bot, or the calling person — botDialog resolves from any
 * user's point of view), checked as the portal's `CheckActionAccess(Send)` does: an unknown
 * dialog is CHAT_NOT_FOUND; a chat the actor is not in, a group chat whose `canPost` role the
 * actor lacks, or a 1:1 dialog with a deactivated user is ACCESS_DENIED. A bot has no 1:1 chat with
 * itself (as imbot.message.add); a person may write to their own.
 */
async function uploadTarget(call: MethodCall, actorId: number, isBot: boolean): Promise<UploadTarget> {
  const d = await botDialog(call, actorId);
  if (d.kind === 'none') throw V2Errors.chatNotFound();
  if (d.kind === 'group') {
    if (!roleAllows(d.chat, d.role, 'can_post')) throw V2Errors.accessDenied();
    return { chatId: d.chat.id, partnerId: 0, dialogId: `chat${d.chat.id}` };
  }
  if (d.chat && d.role === null) throw V2Errors.accessDenied();
  const partnerId = d.userId || actorId; // a one-member private chat is the actor's own
  const partner = await getUser(call.ctx.db, partnerId);
  if (!partner || !partner.active || (isBot && partnerId === actorId)) throw V2Errors.accessDenied();
  return { chatId: d.chat?.id ?? null, partnerId, dialogId: String(partnerId) };
}

export interface Uploaded {
  file: FileRow;
  messageId: number;
  chatId: number;
  dialogId: string;
}

/**
 * File.upload in the portal's order: the dialog and the right to post there, then
 * `fields.name`/`fields.content` (empty → too large → invalid Base64), then store + post.
 */
export async function uploadAs(call: MethodCall, actorId: number, isBot: boolean, errors: UploadErrors): Promise<Uploaded> {
  const target = await uploadTarget(call, actorId, isBot);
  // The portal reads `fields['name']`, `['content']`, `['message']` as spelled: no aliases.
  const fields = fieldsOf(call.params);
  try {
    const { name, bytes } = decodeUpload(fields.name, fields.content, maxUploadSize(call.ctx));
    const caption = fields.message;
    const chatId = target.chatId ?? (await openPrivateChat(call.ctx, actorId, target.partnerId)).chatId;
    const { file, messageId } = await postChatFile(call.ctx, {
      chatId,
      authorId: actorId,
      name,
      bytes,
      caption: typeof caption === 'string' || typeof caption === 'number' ? String(caption).trim() : '',
      notify: !isBot,
    });
    return { file, messageId, chatId, dialogId: target.dialogId };
  } catch (err) {
    if (err instanceof FileError) throw errors[err.reason]();
    throw err;
  }
}

/** `fileId` (alias `FILE_ID`); 0 when missing or not a number. */
export function fileIdParam(call: MethodCall): number {
  return v2Int(pick(call.params, 'fileId'));
}

/** May `userId` open a file of chat `chatId`: chat files are readable by the chat's members. */
export function canReadChatFile(call: MethodCall, chatId: number, userId: number): Promise<boolean> {
  return isMember(call.ctx.db, chatId, userId);
}
