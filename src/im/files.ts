import { isoDate } from '../clock.js';
import type { DomainCtx } from '../context.js';
import { FileStoreError, type FileStore } from '../files/store.js';
import { byteLength, headOf, SpooledFile, type FileBytes } from '../files/spool.js';
import { phpEmpty } from '../util/php.js';
import type { Db } from '../store/db.js';
import { ensureFolder } from '../store/repos/disk.js';
import * as files from '../store/repos/files.js';
import { findFile as getFile, type FileRow } from '../store/repos/files.js';
import { imageInfo } from './avatar.js';
import { normalizeText, postMessage } from './messages.js';
import { fullName, getUser } from './users.js';

/*
 * Chat files (api-reference/chat-bots/chat-bots-v2/imbot.v2/files/file-upload.md): `File.upload` stores the bytes, records the file against the chat
 * (the chat's "Disk folder") and posts a message carrying it (`params.FILE_ID`), through the same
 * postMessage + notifyMessage path as any message; `File.download` hands out a token link served
 * by /rest/download.json.
 */

export type { FileRow };
export { getFile };

/** Why an upload was refused; each API spells these with its own codes. */
export type FileFailure = 'empty' | 'too_large' | 'invalid_content' | 'folder' | 'upload';

export class FileError extends Error {
  constructor(readonly reason: FileFailure) {
    super(`file ${reason}`);
  }
}


/**
 * PHP's strict `base64_decode` (what the portal runs): whitespace is skipped; any other character
 * outside the alphabet, anything after padding, more than two `=`, a lone trailing character or
 * padding that does not complete a quad fails. Missing padding is accepted. A `data:…;base64,`
 * prefix therefore fails (`:`, `;`, `,`).
 */
export function strictBase64(content: string): Buffer | null {
  const s = content.replace(/[\t\n\r ]+/g, '');
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(s);
  if (!m) return null;
  const body = m[1]!.length;
  const padding = m[2]!.length;
  if (body % 4 === 1) return null;
  if (padding > 0 && (body + padding) % 4 !== 0) return null;
  return Buffer.from(m[1]!, 'base64');
}

/**
 * `fields.name` and `fields.content` checked in the portal's order (FileService::uploadFileToChat):
 * both present (PHP `empty`: '' and '0' are empty; a name must be text) → the Base64 text no
 * longer than 4/3 of the limit (checked before decoding, as the portal does) → strictly valid
 * Base64 (content that is not text at all, e.g. an array, is not Base64 either). A multipart file
 * part (a SpooledFile, where a method takes one) is bytes already: empty when it has none, too
 * large over the limit, and stays on disk.
 */
export function decodeUpload(name: unknown, content: unknown, maxSize: number): { name: string; bytes: FileBytes } {
  const n = scalarString(name) ?? '';
  if (content instanceof SpooledFile) {
    if (phpEmpty(n) || content.size === 0) throw new FileError('empty');
    if (content.overLimit || content.size > maxSize) throw new FileError('too_large');
    return { name: n, bytes: content };
  }
  if (phpEmpty(n) || phpEmpty(content)) throw new FileError('empty');
  const c = scalarString(content);
  if (c === null) throw new FileError('invalid_content');
  // longer than the padded Base64 of a file of the largest size: too large without decoding it
  // (a file of exactly maxSize bytes takes ceil(maxSize / 3) * 4 characters, padding included)
  if (Buffer.byteLength(c, 'utf8') > Math.ceil(maxSize / 3) * 4) throw new FileError('too_large');
  const bytes = strictBase64(c);
  if (!bytes) throw new FileError('invalid_content');
  // the last group of four characters may still carry a byte or two over the limit
  if (bytes.length > maxSize) throw new FileError('too_large');
  return { name: n, bytes };
}

function scalarString(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * The name kept for the file: path separators and control characters become `_` (Disk refuses
 * them; a name is never a path here), at most 255 characters.
 */
export function cleanFileName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 255);
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? name.slice(dot + 1).toLowerCase().slice(0, 32) : '';
}

const MEDIA: Record<string, { type: 'video' | 'audio'; mime: string }> = {
  mp4: { type: 'video', mime: 'video/mp4' },
  m4v: { type: 'video', mime: 'video/mp4' },
  webm: { type: 'video', mime: 'video/webm' },
  mov: { type: 'video', mime: 'video/quicktime' },
  avi: { type: 'video', mime: 'video/x-msvideo' },
  mkv: { type: 'video', mime: 'video/x-matroska' },
  mp3: { type: 'audio', mime: 'audio/mpeg' },
  wav: { type: 'audio', mime: 'audio/wav' },
  ogg: { type: 'audio', mime: 'audio/ogg' },
  oga: { type: 'audio', mime: 'audio/ogg' },
  m4a: { type: 'audio', mime: 'audio/mp4' },
  aac: { type: 'audio', mime: 'audio/aac' },
  flac: { type: 'audio', mime: 'audio/flac' },
};

/**
 * Types served as themselves. Markup (html, svg, xml) is deliberately absent: a download is
 * served from the portal's origin, so such files go out as application/octet-stream.
 */
const DOCUMENTS: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  zip: 'application/zip',
  gz: 'application/gzip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
};

/** Bytes read to recognise a file (image signatures and sizes; a JPEG's size follows its EXIF segments). */
export const HEAD_BYTES = 256 * 1024;

/**
 * The File entity's `type` (api-reference/chat-bots/chat-bots-v2/entities.md) and the Content-Type: images by their first bytes
 * (`headOf(content, HEAD_BYTES)`, with their size), media by extension.
 */
export function classify(extension: string, bytes: Buffer): { type: string; mime: string; width: number; height: number } {
  const image = imageInfo(bytes);
  if (image) return { type: 'image', mime: image.mime, width: image.width, height: image.height };
  const media = MEDIA[extension];
  if (media) return { ...media, width: 0, height: 0 };
  return { type: 'file', mime: DOCUMENTS[extension] ?? 'application/octet-stream', width: 0, height: 0 };
}

function requireSpace(ctx: DomainCtx): { store: FileStore; maxSize: number } {
  // Without storage there is no chat folder to put anything in.
  if (!ctx.files) throw new FileError('folder');
  return ctx.files;
}

export function maxUploadSize(ctx: DomainCtx): number {
  return requireSpace(ctx).maxSize;
}

export interface NewChatFile {
  chatId: number;
  authorId: number;
  name: string;
  bytes: FileBytes;
  /** `fields.message`: the caption; '' posts the file alone */
  caption: string;
  /**
   * Tell the bots that hear it (notifyMessage), as a person's im.message.add does; false for a
   * bot's own upload, which like imbot.message.add raises no bot events.
   */
  notify: boolean;
}

/**
 * Stores the file, records it and posts the message carrying it (params `FILE_ID: [id]`), firing
 * the events a posted message fires when `notify`. Runs inside the call's transaction; the bytes are written
 * first (the file system is not transactional) and removed again if anything after fails here.
 * A rollback after this returns (a failing batch, a failed commit) leaves the bytes unreferenced;
 * `sweepOrphanFiles` removes them on the next start.
 */
export async function postChatFile(ctx: DomainCtx, f: NewChatFile): Promise<{ file: FileRow; messageId: number }> {
  const { store } = requireSpace(ctx);
  // read before the store takes the bytes (a spooled upload is moved, not copied)
  let head: Buffer;
  const size = byteLength(f.bytes);
  let key: string;
  try {
    head = await headOf(f.bytes, HEAD_BYTES);
    key = await store.put(String(f.chatId), f.bytes);
  } catch (err) {
    throw new FileError(err instanceof FileStoreError && err.kind === 'folder' ? 'folder' : 'upload');
  }
  try {
    const name = cleanFileName(f.name);
    const extension = extensionOf(name);
    const kind = classify(extension, head);
    const file = await files.insertFile(ctx.db, {
      chat_id: f.chatId,
      author_id: f.authorId,
      name,
      extension,
      type: kind.type,
      mime: kind.mime,
      size,
      width: kind.width,
      height: kind.height,
      storage_key: key,
      created_at: ctx.clock.now(),
    });
    const text = f.caption === '' ? '' : normalizeText(f.caption);
    const messageId = await postMessage(ctx, { chatId: f.chatId, authorId: f.authorId, text, params: { FILE_ID: [file.id] } });
    // the chat's Drive folder (im.disk.folder.get) holds it from now on, so reading its record
    // (disk.file.get) never has to make the folder
    await ensureFolder(ctx.db, 'chat', f.chatId, '', ctx.clock.now());
    if (f.notify) await ctx.events.publish(ctx, { kind: 'message-for-bots', messageId, change: 'add' });
    return { file, messageId };
  } catch (err) {
    await store.remove(key).catch(() => {});
    throw err;
  }
}

/** The File keys api-reference/chat-bots/chat-bots-v2/entities.md lists only for `im.v2.File.upload` (`OutputFilter::FILE_EXCLUDE` drops them for imbot.v2). */
export const IM_ONLY_FILE_FIELDS = ['status', 'progress', 'urlPreview', 'urlShow', 'urlDownload', 'viewerAttrs', 'mediaUrl'] as const;

/**
 * The File entity (api-reference/chat-bots/chat-bots-v2/entities.md), the full im.v2 shape. `downloadUrl` is a signed token link (src/im/download-links.ts) standing
 * in for the portal's session-bound Disk URLs; there are no previews, so `urlPreview` is ''.
 */
export async function fileV2(db: Db, file: FileRow, downloadUrl: string): Promise<Record<string, unknown>> {
  const author = await getUser(db, file.author_id);
  return {
    id: file.id,
    chatId: file.chat_id,
    date: isoDate(file.created_at),
    type: file.type,
    name: file.name,
    extension: file.extension,
    size: Number(file.size),
    image: file.type === 'image' && file.width > 0 && file.height > 0 ? { height: file.height, width: file.width } : false,
    status: 'done',
    progress: 100,
    authorId: file.author_id,
    authorName: author ? fullName(author) : '',
    urlPreview: '',
    urlShow: downloadUrl,
    urlDownload: downloadUrl,
    viewerAttrs: {
      viewer: '',
      viewerType: file.type === 'file' ? 'document' : file.type,
      src: downloadUrl,
      objectId: String(file.id),
      viewerGroupBy: String(file.chat_id),
      imChatId: file.chat_id,
      title: file.name,
      unifiedLink: downloadUrl,
      actions: '[{"type":"download"}]',
    },
    mediaUrl: { preview: { '250': '' } },
    // Transcription and voice/video notes are client features this portal does not have.
    isTranscribable: false,
    isVideoNote: false,
    isVoiceNote: false,
  };
}

/**
 * Removes stored bytes no `files` row points to: leftovers of uploads whose transaction rolled
 * back after the bytes were written, and unfinished writes. Run at start; an upload's bytes
 * exist before its row commits, so where other nodes may be uploading, `storedBefore` (wall-clock
 * ms) spares the recent ones. Returns how many were removed.
 */
export async function sweepOrphanFiles(db: Db, store: FileStore, storedBefore?: number): Promise<number> {
  const keys = await store.keys(storedBefore);
  if (keys.length === 0) return 0;
  const referenced = new Set(await files.listStorageKeys(db));
  let removed = 0;
  for (const key of keys) {
    if (referenced.has(key)) continue;
    await store.remove(key);
    removed += 1;
  }
  return removed;
}
