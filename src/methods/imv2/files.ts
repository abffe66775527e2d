import { parseDialogId } from '../../im/dialogs.js';
import { resolveDialog } from '../../im/chats.js';
import { issueDownloadLink } from '../../im/download-links.js';
import { fileV2, getFile } from '../../im/files.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { pick } from '../imbotv2/args.js';
import { V2Errors } from '../imbotv2/errors.js';
import { ImFileErrors, canReadChatFile, fileIdParam, uploadAs } from '../imbotv2/files-common.js';

/*
 * im.v2.File.upload / File.download (api-reference/chat-bots/chat-bots-v2/im.v2/files/): as the calling person, no botId.
 */

/** The full File entity (api-reference/chat-bots/chat-bots-v2/entities.md#file) (im.v2 keeps status, progress, urls, viewerAttrs, mediaUrl). */
async function upload(call: MethodCall): Promise<Record<string, unknown>> {
  const me = call.caller.userId;
  const up = await uploadAs(call, me, false, ImFileErrors);
  const link = await issueDownloadLink(call.ctx, up.file, me, 'im');
  return { file: await fileV2(call.ctx.db, up.file, link), messageId: up.messageId, chatId: up.chatId, dialogId: up.dialogId };
}

/**
 * `fileId` → a download link (`im|` token). `dialogId` is required here (the portal's behaviour): it must name, as
 * the caller sees it, the chat the file belongs to, and the caller must be in that chat; a
 * missing or different dialog is ACCESS_DENIED ("no access to the chat"). An unknown file is
 * FILE_NOT_FOUND whatever the dialog.
 */
async function download(call: MethodCall): Promise<{ downloadUrl: string }> {
  const me = call.caller.userId;
  const file = await getFile(call.ctx.db, fileIdParam(call));
  if (!file) throw ImFileErrors.notFound();
  const ref = parseDialogId(pick(call.params, 'dialogId'));
  const dialog = ref ? await resolveDialog(call.ctx.db, ref, me) : null;
  if (dialog?.chatId !== file.chat_id || !(await canReadChatFile(call, file.chat_id, me))) throw V2Errors.accessDenied();
  return { downloadUrl: await issueDownloadLink(call.ctx, file, me, 'im') };
}

export const imV2FilesMethods: MethodSpec[] = [
  { name: 'im.v2.File.upload', scope: 'im', write: true, largeBody: true, handler: upload, onStoreFailure: ImFileErrors.upload },
  // a read: the link is signed, not stored (src/im/download-links.ts)
  { name: 'im.v2.File.download', scope: 'im', handler: download },
];
