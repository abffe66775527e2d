import { issueDownloadLink } from '../../im/download-links.js';
import { IM_ONLY_FILE_FIELDS, fileV2, getFile } from '../../im/files.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ImbotFileErrors, canReadChatFile, fileIdParam, uploadAs } from './files-common.js';
import { gate } from './gate.js';

/*
 * imbot.v2.File.upload / File.download (api-reference/chat-bots/chat-bots-v2/imbot.v2/files/): as the bot, after the bot gate.
 */

/** `OutputFilter::FILE_EXCLUDE`: imbot.v2 answers without the im.v2-only file fields (api-reference/chat-bots/chat-bots-v2/entities.md#file). */
function withoutImFields(file: Record<string, unknown>): Record<string, unknown> {
  const out = { ...file };
  for (const key of IM_ONLY_FILE_FIELDS) delete out[key];
  return out;
}

async function upload(call: MethodCall): Promise<Record<string, unknown>> {
  const { bot } = await gate(call);
  const up = await uploadAs(call, bot.bot_id, true, ImbotFileErrors);
  return {
    file: withoutImFields(await fileV2(call.ctx.db, up.file, '')),
    messageId: up.messageId,
    chatId: up.chatId,
    dialogId: up.dialogId,
  };
}

/**
 * `fileId` → a download link (`imbot|` token). `dialogId`, which only the quick-start sends, is
 * accepted and ignored (the portal's behaviour). The bot reads the files of the chats it is a member of.
 */
async function download(call: MethodCall): Promise<{ downloadUrl: string }> {
  const { bot } = await gate(call);
  const file = await getFile(call.ctx.db, fileIdParam(call));
  if (!file) throw ImbotFileErrors.notFound();
  if (!(await canReadChatFile(call, file.chat_id, bot.bot_id))) throw ImbotFileErrors.accessError();
  return { downloadUrl: await issueDownloadLink(call.ctx, file, bot.bot_id, 'imbot') };
}

export const v2FilesMethods: MethodSpec[] = [
  { name: 'imbot.v2.File.upload', scope: 'imbot', write: true, largeBody: true, handler: upload, onStoreFailure: ImbotFileErrors.upload },
  // a read: the link is signed, not stored (src/im/download-links.ts)
  { name: 'imbot.v2.File.download', scope: 'imbot', handler: download },
];
