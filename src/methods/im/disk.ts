/**
 * The pre-v2 file flow: im.disk.folder.get, im.disk.file.commit, im.disk.file.save,
 * im.disk.file.delete (api-reference/chats/files/*) and the two Drive steps it needs,
 * disk.folder.uploadfile and disk.file.get (api-reference/disk/folder/disk-folder-upload-file.md,
 * api-reference/disk/file/disk-file-get.md). Parameters in the portal's evaluation order.
 */
import { isMember, resolveDialog } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import {
  addFileToFolder,
  canAddToFolder,
  canReadFile,
  chatFolder,
  commitFiles,
  deleteChatFile,
  diskFileRecord,
  getFolder,
  issueUploadLink,
  saveToPersonal,
  UPLOAD_FIELD,
  type CommitEntry,
} from '../../im/disk.js';
import { FileError, decodeUpload, getFile, maxUploadSize } from '../../im/files.js';
import { RestError } from '../../rest/errors.js';
import { intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ChatErrors } from '../imbot/errors.js';

/** The im.disk.* texts as the docs give them (see docs/COMPATIBILITY.md for the portal's own spellings). */
const DiskErrors = {
  filesEmpty: () => new RestError('FILES_ERROR', 'List of files is not specified'),
  saveError: () => new RestError('SAVE_ERROR', 'Error during saving file to chat'),
  fileIdEmpty: () => new RestError('FILE_ID_EMPTY', "File ID can't be empty"),
  fileSaveError: () => new RestError('FILE_SAVE_ERROR', "File ID can't be saved"),
} as const;

/** The Drive module's errors (api-reference/disk/**). */
const DriveErrors = {
  argument: () => new RestError('ERROR_ARGUMENT', 'Invalid value of parameter {Parameter #0}'),
  notFound: (id: unknown) => new RestError('ERROR_NOT_FOUND', `Could not find entity with id \`${phpString(id)}\``),
  nameRequired: () => new RestError('DISK_BASE_SERVICE_22001', 'Error: required parameter NAME (DISK_BASE_SERVICE_22001)'),
  couldNotSave: () => new RestError('ERROR_COULD_NOT_SAVE_FILE', 'Could not save file'),
  accessDenied: () => new RestError('ACCESS_DENIED', 'Access denied', 403),
} as const;

type Params = Record<string, unknown>;

/**
 * The chat of CHAT_ID / DIALOG_ID for im.disk.folder.get: a dialog must be one the caller may
 * open (403) and have a chat (400); a CHAT_ID must be positive and its chat open to the caller.
 */
async function folderChat(call: MethodCall, P: Params): Promise<number> {
  const me = call.caller.userId;
  if (P.DIALOG_ID !== undefined) {
    const ref = parseDialogId(P.DIALOG_ID);
    if (!ref) throw ChatErrors.dialogEmpty();
    const { access, chatId } = await resolveDialog(call.ctx.db, ref, me);
    if (!access) throw ChatErrors.noDialogAccess();
    if (chatId === null) throw ChatErrors.noChatAccess();
    return chatId;
  }
  const chatId = intval(P.CHAT_ID);
  if (chatId <= 0) throw ChatErrors.chatIdEmpty();
  if (!(await resolveDialog(call.ctx.db, { kind: 'chat', chatId }, me)).access) throw ChatErrors.noDialogAccess();
  return chatId;
}

/** im.disk.folder.get: `{ID}` of the chat's Drive folder (made on first use). */
async function folderGet(call: MethodCall): Promise<{ ID: number }> {
  const chatId = await folderChat(call, upperKeys(call.params));
  return { ID: (await chatFolder(call.ctx, chatId)).id };
}

/** A scalar or a list of ids, as FILE_ID / DISK_ID / UPLOAD_ID come. */
function idList(raw: unknown): number[] {
  return (isPhpArray(raw) ? Object.values(raw) : [raw]).map(intval);
}

/**
 * im.disk.file.commit: DIALOG_ID (as the dialog's chat) or CHAT_ID → the caller a member →
 * FILE_ID (copies), else DISK_ID (its alias), else UPLOAD_ID (the file itself) → post.
 */
async function fileCommit(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  const me = call.caller.userId;
  let raw = P.CHAT_ID;
  let dialogAccess = true;
  if (P.DIALOG_ID !== undefined) {
    const ref = parseDialogId(P.DIALOG_ID);
    if (!ref) throw ChatErrors.dialogEmpty();
    const d = await resolveDialog(call.ctx.db, ref, me);
    dialogAccess = d.access;
    // Dialog::getChatId names a group chat whoever asks; access is judged after CHAT_ID
    raw = d.chatId ?? (ref.kind === 'chat' ? ref.chatId : 0);
  }
  const chatId = intval(raw);
  if (chatId <= 0) throw ChatErrors.chatIdEmpty();
  const text = phpString(P.MESSAGE).trim();
  if (!(await isMember(call.ctx.db, chatId, me))) throw dialogAccess ? ChatErrors.noChatAccess() : ChatErrors.noDialogAccess();
  let entries: CommitEntry[] = [];
  if (P.FILE_ID !== undefined && P.FILE_ID !== null) entries = idList(P.FILE_ID).map((id) => ({ id, mode: 'disk' }));
  else if (P.DISK_ID !== undefined && P.DISK_ID !== null) entries = idList(P.DISK_ID).map((id) => ({ id, mode: 'disk' }));
  else if (P.UPLOAD_ID !== undefined && P.UPLOAD_ID !== null) entries = idList(P.UPLOAD_ID).map((id) => ({ id, mode: 'upload' }));
  if (entries.length === 0) throw DiskErrors.filesEmpty();
  const result = await commitFiles(call.ctx, chatId, me, entries, text);
  if (!result) throw DiskErrors.saveError();
  return result;
}

const fileIdOf = (P: Params): number => intval(P.FILE_ID !== undefined ? P.FILE_ID : P.DISK_ID);

/** im.disk.file.save: `{folder, file}` of the copy in the caller's "Saved Files". */
async function fileSave(call: MethodCall): Promise<unknown> {
  const fileId = fileIdOf(upperKeys(call.params));
  if (fileId <= 0) throw DiskErrors.fileIdEmpty();
  const saved = await saveToPersonal(call.ctx, fileId, call.caller.userId);
  if (!saved) throw DiskErrors.fileSaveError();
  return { folder: { id: saved.folder.id, name: saved.folder.name }, file: { id: saved.file.id, name: saved.file.name } };
}

/** im.disk.file.delete: true / false as documented (no error for files one may not delete). */
async function fileDelete(call: MethodCall): Promise<boolean> {
  const P = upperKeys(call.params);
  const chatId = intval(P.CHAT_ID);
  if (chatId <= 0) throw ChatErrors.chatIdEmpty();
  const fileId = fileIdOf(P);
  if (fileId <= 0) throw DiskErrors.fileIdEmpty();
  return deleteChatFile(call.ctx, chatId, fileId, call.caller.userId, call.caller.isAdmin);
}

/** `fileContent`: `[name, base64]` (or a bare Base64 string); multipart uploads arrive in that form too. */
function contentOf(raw: unknown): { name: string; content: unknown } | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (isPhpArray(raw)) {
    const v = Object.values(raw);
    return { name: phpString(v[0]), content: v[1] };
  }
  return { name: '', content: raw };
}

/**
 * disk.folder.uploadfile: `id` → the folder → the right to add to it → `fileContent` (name from
 * `data.NAME`, else from the content pair) → a new file in the folder, not yet in any message.
 * Without `fileContent`: `{field, uploadUrl}`, a one-time link the file is then POSTed to.
 */
async function folderUploadFile(call: MethodCall): Promise<unknown> {
  const params = call.params;
  const id = intval(params.id);
  if (params.id === undefined || params.id === null || id <= 0) throw DriveErrors.argument();
  const folder = await getFolder(call.ctx, id);
  if (!folder) throw DriveErrors.notFound(params.id);
  const me = call.caller.userId;
  if (!(await canAddToFolder(call.ctx, folder, me))) throw DriveErrors.accessDenied();
  const content = contentOf(params.fileContent);
  const data = isPhpArray(params.data) ? upperKeys(params.data as Params) : {};
  // No content: the link to POST the file to (multipart, in the field `field`)
  if (!content) return { field: UPLOAD_FIELD, uploadUrl: await issueUploadLink(call.ctx, folder, me, phpString(data.NAME).trim()) };
  const name = phpString(data.NAME).trim() || content.name.trim();
  if (name === '') throw DriveErrors.nameRequired();
  try {
    const { bytes } = decodeUpload(name, content.content, maxUploadSize(call.ctx));
    const file = await addFileToFolder(call.ctx, folder, me, name, bytes);
    return diskFileRecord(call.ctx, file, me, true);
  } catch (err) {
    if (err instanceof FileError) throw DriveErrors.couldNotSave();
    throw err;
  }
}

/** disk.file.get: the file's Drive record, for whoever may read it. */
async function fileGet(call: MethodCall): Promise<unknown> {
  const params = call.params;
  const id = intval(params.id);
  if (params.id === undefined || params.id === null || id <= 0) throw DriveErrors.argument();
  const file = await getFile(call.ctx.db, id);
  if (!file) throw DriveErrors.notFound(params.id);
  if (!(await canReadFile(call.ctx, file, call.caller.userId))) throw DriveErrors.accessDenied();
  return diskFileRecord(call.ctx, file, call.caller.userId, false);
}

export const diskMethods: MethodSpec[] = [
  { name: 'im.disk.folder.get', scope: 'im', write: true, handler: folderGet },
  { name: 'im.disk.file.commit', scope: 'im', write: true, handler: fileCommit, onStoreFailure: DiskErrors.saveError },
  { name: 'im.disk.file.save', scope: 'im', write: true, handler: fileSave, onStoreFailure: DiskErrors.fileSaveError },
  { name: 'im.disk.file.delete', scope: 'im', write: true, handler: fileDelete },
  { name: 'disk.folder.uploadfile', scope: 'disk', write: true, largeBody: true, handler: folderUploadFile, onStoreFailure: DriveErrors.couldNotSave },
  // a read: the record's DOWNLOAD_URL is signed, not stored (src/im/download-links.ts)
  { name: 'disk.file.get', scope: 'disk', handler: fileGet },
];
