/**
 * The pre-v2 way of sending files (api-reference/chats/files, api-reference/disk): a chat has a
 * Drive folder (im.disk.folder.get); disk.folder.uploadfile puts a file into a folder without a
 * message; im.disk.file.commit posts files into a chat — a copy of a Drive file (FILE_ID) or the
 * uploaded file itself (UPLOAD_ID); im.disk.file.save copies a chat file into the person's
 * "Saved Files"; im.disk.file.delete removes a file its sender put into a chat. Files live on the
 * same storage and rows as the im.v2/imbot.v2 File methods, so every client sees them alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isoDate } from '../clock.js';
import type { DomainCtx } from '../context.js';
import { FileStoreError } from '../files/store.js';
import { byteLength, headOf, type FileBytes } from '../files/spool.js';
import {
  addUploadToken,
  ensureFolder,
  findFolder,
  folderById,
  liveUploadToken,
  takeUploadToken,
  type DiskFolderRow,
} from '../store/repos/disk.js';
import { attachFile, deleteFileRow, filesByIds, insertFile } from '../store/repos/files.js';
import { messagesWithFiles } from '../store/repos/messages.js';
import { getChat, isMember } from './chats.js';
import { issueDownloadLink } from './download-links.js';
import { FileError, HEAD_BYTES, classify, cleanFileName, extensionOf, fileV2, getFile, type FileRow } from './files.js';
import { deleteMessage, normalizeText, parseParams, postMessage, updateMessageParams, type MessageRow } from './messages.js';

export type { DiskFolderRow };

/** The name of a person's folder of saved files (the English portal's). */
export const SAVED_FOLDER_NAME = 'Saved Files';

export function chatFolder(ctx: DomainCtx, chatId: number): Promise<DiskFolderRow> {
  return ensureFolder(ctx.db, 'chat', chatId, '', ctx.clock.now());
}

export function savedFolder(ctx: DomainCtx, userId: number): Promise<DiskFolderRow> {
  return ensureFolder(ctx.db, 'saved', userId, SAVED_FOLDER_NAME, ctx.clock.now());
}

export function getFolder(ctx: DomainCtx, id: number): Promise<DiskFolderRow | undefined> {
  return folderById(ctx.db, id);
}

/** May `userId` add files to a folder: a chat's members, a "Saved Files" folder's owner. */
export async function canAddToFolder(ctx: DomainCtx, folder: DiskFolderRow, userId: number): Promise<boolean> {
  return folder.kind === 'chat' ? isMember(ctx.db, folder.owner_id, userId) : folder.owner_id === userId;
}

/** May `userId` read a file: its author, or a member of the chat it belongs to. */
export async function canReadFile(ctx: DomainCtx, file: FileRow, userId: number): Promise<boolean> {
  if (file.author_id === userId) return true;
  return file.chat_id > 0 && (await isMember(ctx.db, file.chat_id, userId));
}

/**
 * The folder a file is in (its chat's folder unless it names another). A read: every chat file
 * has its chat's folder from the moment it is posted (postChatFile, im.disk.file.commit;
 * migration 051 made them for older files), so disk.file.get writes nothing. Only a file whose
 * folder is somehow missing gets it made here.
 */
async function folderOf(ctx: DomainCtx, file: FileRow): Promise<DiskFolderRow> {
  if (file.folder_id > 0) {
    const folder = await folderById(ctx.db, file.folder_id);
    if (folder) return folder;
  }
  return (await findFolder(ctx.db, 'chat', file.chat_id)) ?? chatFolder(ctx, file.chat_id);
}

/** Stores bytes in a folder as a new, unattached file of `authorId`. */
export async function addFileToFolder(ctx: DomainCtx, folder: DiskFolderRow, authorId: number, name: string, bytes: FileBytes): Promise<FileRow> {
  if (!ctx.files) throw new FileError('folder');
  const chatId = folder.kind === 'chat' ? folder.owner_id : 0;
  // read before the store takes the bytes (a spooled upload is moved, not copied)
  let head: Buffer;
  const size = byteLength(bytes);
  let key: string;
  try {
    head = await headOf(bytes, HEAD_BYTES);
    key = await ctx.files.store.put(folder.kind === 'chat' ? String(chatId) : `saved-${folder.owner_id}`, bytes);
  } catch (err) {
    throw new FileError(err instanceof FileStoreError && err.kind === 'folder' ? 'folder' : 'upload');
  }
  try {
    const clean = cleanFileName(name);
    const extension = extensionOf(clean);
    const kind = { extension, ...classify(extension, head) };
    return await insertFile(ctx.db, {
      chat_id: chatId,
      author_id: authorId,
      name: clean,
      ...kind,
      size,
      storage_key: key,
      created_at: ctx.clock.now(),
      folder_id: folder.id,
      attached: 0,
    });
  } catch (err) {
    await ctx.files.store.remove(key).catch(() => {});
    throw err;
  }
}

/** A copy of `file` (bytes included) in `folder`, by `userId`; null when the bytes are gone. */
async function copyFile(ctx: DomainCtx, file: FileRow, folder: DiskFolderRow, userId: number): Promise<FileRow | null> {
  const opened = ctx.files ? await ctx.files.store.open(file.storage_key) : null;
  if (!opened) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
  const copy = await addFileToFolder(ctx, folder, userId, file.name, Buffer.concat(chunks));
  return copy;
}

/** `disk.file.get` / `disk.folder.uploadfile`: the Drive record of a file, in upper-case keys. */
export async function diskFileRecord(ctx: DomainCtx, file: FileRow, userId: number, fresh: boolean): Promise<Record<string, unknown>> {
  const folder = await folderOf(ctx, file);
  const by = String(file.author_id);
  return {
    ID: fresh ? file.id : String(file.id),
    NAME: file.name,
    CODE: null,
    STORAGE_ID: String(folder.id),
    TYPE: 'file',
    PARENT_ID: String(folder.id),
    DELETED_TYPE: fresh ? 0 : '0',
    GLOBAL_CONTENT_VERSION: fresh ? 1 : '1',
    FILE_ID: fresh ? file.id : String(file.id),
    SIZE: String(file.size),
    CREATE_TIME: isoDate(file.created_at),
    UPDATE_TIME: isoDate(file.created_at),
    DELETE_TIME: null,
    CREATED_BY: by,
    UPDATED_BY: by,
    DELETED_BY: fresh ? null : '0',
    DOWNLOAD_URL: await issueDownloadLink(ctx, file, userId, 'im'),
    DETAIL_URL: '',
  };
}

/** Drive's numeric file type codes (TypeFile): image 2, video 3, document 4, archive 5, unknown 7, pdf 8, audio 9. */
function typeFile(file: FileRow): number {
  if (file.type === 'image') return 2;
  if (file.type === 'video') return 3;
  if (file.type === 'audio') return 9;
  if (file.extension === 'pdf') return 8;
  if (['zip', 'gz', 'rar', '7z', 'tar'].includes(file.extension)) return 5;
  if (['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'txt', 'csv', 'rtf'].includes(file.extension)) return 4;
  return 7;
}

/** FILE_MODELS of im.disk.file.commit: the Drive object as the portal JSON-encodes it (dates are `{}`). */
async function fileModel(ctx: DomainCtx, file: FileRow, link: string): Promise<Record<string, unknown>> {
  const folder = await folderOf(ctx, file);
  const digest = createHash('md5').update(`${file.id}|${file.storage_key}`).digest();
  return {
    id: file.id,
    name: file.name,
    createTime: {},
    updateTime: {},
    deleteTime: null,
    code: null,
    xmlId: null,
    storageId: folder.id,
    realObjectId: file.id,
    parentId: folder.id,
    deletedType: 0,
    createdBy: String(file.author_id),
    updatedBy: String(file.author_id),
    deletedBy: '0',
    uniqueCode: digest.toString('base64url').slice(0, 20),
    typeFile: typeFile(file),
    globalContentVersion: 1,
    fileId: file.id,
    size: Number(file.size),
    etag: digest.toString('hex'),
    links: { download: link, showInGrid: '', preview: file.type === 'image' ? link : '' },
  };
}

/**
 * One entry of im.disk.file.commit: `FILE_ID` copies a Drive file, `UPLOAD_ID` uses an upload
 * that no message carries yet as it is.
 */
export interface CommitEntry {
  id: number;
  mode: 'disk' | 'upload';
}

/**
 * Posts files into a chat as `userId` (a member) with an optional text: each entry's file is
 * checked (it must exist and `userId` read it), copied or taken, and one message carries them
 * all (bots hear it as any message of a person). Null when no entry gave a file (SAVE_ERROR).
 */
export async function commitFiles(ctx: DomainCtx, chatId: number, userId: number, entries: CommitEntry[], text: string): Promise<Record<string, unknown> | null> {
  const folder = await chatFolder(ctx, chatId);
  const found = new Map((await filesByIds(ctx.db, entries.map((e) => e.id).filter((id) => id > 0))).map((f) => [f.id, f]));
  const done: { key: string; file: FileRow | null }[] = [];
  for (const e of entries) {
    const key = `${e.mode}${e.id}`;
    const source = found.get(e.id);
    if (!source || !(await canReadFile(ctx, source, userId))) {
      done.push({ key, file: null });
      continue;
    }
    // An upload still waiting for its message is taken as it is; a file another message already
    // carries stays where it is, and the chat gets a copy (its old chat keeps its file).
    const takeAsIs = e.mode === 'upload' && source.attached === 0;
    const file = takeAsIs ? source : await copyFile(ctx, source, folder, userId);
    if (file) await attachFile(ctx.db, file.id, chatId);
    done.push({ key, file: file ? { ...file, chat_id: chatId, folder_id: 0, attached: 1 } : null });
  }
  const files = done.flatMap((d) => (d.file ? [d.file] : []));
  if (files.length === 0) return null;
  const messageId = await postMessage(ctx, { chatId, authorId: userId, text: text === '' ? '' : normalizeText(text), params: { FILE_ID: files.map((f) => f.id) } });
  await ctx.events.publish(ctx, { kind: 'message-for-bots', messageId, change: 'add' });
  const FILES: Record<string, unknown> = {};
  const FILE_MODELS: Record<string, unknown> = {};
  for (const d of done) {
    if (!d.file) {
      FILES[d.key] = { id: 0 };
      continue;
    }
    const link = await issueDownloadLink(ctx, d.file, userId, 'im');
    FILES[d.key] = await fileV2(ctx.db, d.file, link);
    FILE_MODELS[d.key] = await fileModel(ctx, d.file, link);
  }
  return { FILES, DISK_ID: files.map((f) => String(f.id)), FILE_MODELS, MESSAGE_ID: messageId };
}

/** im.disk.file.save: a copy of a file `userId` may read in their "Saved Files"; null when it cannot be. */
export async function saveToPersonal(ctx: DomainCtx, fileId: number, userId: number): Promise<{ folder: DiskFolderRow; file: FileRow } | null> {
  const file = await getFile(ctx.db, fileId);
  if (!file || !(await canReadFile(ctx, file, userId))) return null;
  const folder = await savedFolder(ctx, userId);
  const copy = await copyFile(ctx, file, folder, userId);
  return copy ? { folder, file: copy } : null;
}

/**
 * im.disk.file.delete: a member removes a file of the chat. Only its sender (or an
 * administrator) really deletes it: the bytes go, the messages carrying it lose it, and a message
 * left with neither text nor files is deleted (bots hear the update or the deletion). For other
 * members nothing changes and the answer is still true. False: not a member, or the file is not
 * in that chat.
 */
export async function deleteChatFile(ctx: DomainCtx, chatId: number, fileId: number, userId: number, isAdmin: boolean): Promise<boolean> {
  if (!(await getChat(ctx.db, chatId)) || !(await isMember(ctx.db, chatId, userId))) return false;
  const file = await getFile(ctx.db, fileId);
  if (!file || file.chat_id !== chatId) return false;
  if (file.author_id !== userId && !isAdmin) return true;
  for (const m of await messagesWithFiles(ctx.db, chatId)) {
    const ids = fileIdsOf(m);
    if (!ids.includes(fileId)) continue;
    const rest = ids.filter((id) => id !== fileId);
    if (rest.length === 0 && m.text === '') {
      await ctx.events.publish(ctx, { kind: 'message-for-bots', messageId: m.id, change: 'delete' });
      await deleteMessage(ctx, m, false);
    } else {
      await updateMessageParams(ctx, m, { FILE_ID: rest.length ? rest : null });
      await ctx.events.publish(ctx, { kind: 'message-for-bots', messageId: m.id, change: 'update' });
    }
  }
  await deleteFileRow(ctx.db, file.id);
  await ctx.files?.store.remove(file.storage_key).catch(() => {});
  return true;
}

/** The file ids a message carries (params FILE_ID). */
export function fileIdsOf(m: MessageRow): number[] {
  const raw = parseParams(m).FILE_ID;
  const list = Array.isArray(raw) ? raw : raw !== undefined && raw !== null ? [raw] : [];
  return list.map((v) => Number(v)).filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * The `files` list that goes with a page of messages (im.dialog.messages.get, .search): every file
 * the messages carry, as the im.v2 File shape with a download link for `viewerId`.
 */
export async function messageFileCards(ctx: DomainCtx, messages: MessageRow[], viewerId: number): Promise<Record<string, unknown>[]> {
  const ids = [...new Set(messages.flatMap(fileIdsOf))];
  const files = (await filesByIds(ctx.db, ids)).sort((a, b) => a.id - b.id);
  const out: Record<string, unknown>[] = [];
  for (const f of files) out.push(await fileV2(ctx.db, f, await issueDownloadLink(ctx, f, viewerId, 'im')));
  return out;
}

/** How long an upload link of disk.folder.uploadfile works, on the portal clock. */
export const UPLOAD_TOKEN_TTL_MS = 60 * 60 * 1000;

/** The form field the upload link takes the file in. */
export const UPLOAD_FIELD = 'file';

/** A one-time link to POST a file into `folder` as `userId` (`name`: data.NAME, '' for the file's own). */
export async function issueUploadLink(ctx: DomainCtx, folder: DiskFolderRow, userId: number, name: string): Promise<string> {
  const now = ctx.clock.now();
  const token = `disk|${randomBytes(24).toString('base64url')}`;
  await addUploadToken(ctx.db, { token, folder_id: folder.id, user_id: userId, name, expires_at: now + UPLOAD_TOKEN_TTL_MS }, now);
  return `${ctx.portal.baseUrl}/rest/upload.json?token=${encodeURIComponent(token)}`;
}

/** Is `token` a live upload link (checked before its body is read). */
export async function uploadLinkIsLive(ctx: Pick<DomainCtx, 'db' | 'clock'>, token: string): Promise<boolean> {
  return !!(await liveUploadToken(ctx.db, token, ctx.clock.now()));
}

/**
 * Uses an upload link: the file goes into its folder as the person it was issued to, if they may
 * still add there. Null when the link is unknown, used or expired, or the right is gone.
 */
export async function uploadByLink(ctx: DomainCtx, token: string, fileName: string, bytes: FileBytes): Promise<FileRow | null> {
  const row = await takeUploadToken(ctx.db, token, ctx.clock.now());
  const folder = row ? await folderById(ctx.db, row.folder_id) : undefined;
  if (!row || !folder || !(await canAddToFolder(ctx, folder, row.user_id))) return null;
  return addFileToFolder(ctx, folder, row.user_id, row.name || fileName, bytes);
}
