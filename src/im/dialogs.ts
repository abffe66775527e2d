import { idval } from '../util/php.js';

/**
 * Dialog ids (api-reference/chat-bots/outdated/messages/imbot-message-add.md, DIALOG_ID): `"42"` is the private chat with user 42 (relative to the acting
 * user), `"chat7"` is chat 7, `"sg3"` the chat of workgroup 3. `crm…` passes the syntax check but
 * resolves to nothing.
 */
// ids past the id columns' range are held to it (`idval`): such a dialog is well-formed and not found
export type DialogRef =
  | { kind: 'user'; userId: number }
  | { kind: 'chat'; chatId: number }
  | { kind: 'sonet'; groupId: number }
  | { kind: 'crm'; id: number };

const DIALOG_ID = /^([0-9]+|(chat|sg|crm)[0-9]+)$/i;

export function parseDialogId(value: unknown): DialogRef | null {
  const s = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof s !== 'string' || !DIALOG_ID.test(s)) return null;
  const lower = s.toLowerCase();
  if (/^\d+$/.test(lower)) return { kind: 'user', userId: idval(lower) };
  if (lower.startsWith('chat')) return { kind: 'chat', chatId: idval(lower.slice(4)) };
  if (lower.startsWith('sg')) return { kind: 'sonet', groupId: idval(lower.slice(2)) };
  return { kind: 'crm', id: idval(lower.slice(3)) };
}
