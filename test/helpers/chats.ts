import assert from 'node:assert/strict';
import { SERVED_SCOPES } from '../../src/auth/scopes.js';
import { addWebhook } from '../../src/auth/webhooks.js';
import { createUser } from '../../src/im/users.js';
import { callJson, errorOf, request, type Answer, type TestPortal } from './server.js';

// Shared fixture of the chat tests (test/chats*.test.ts): people with webhooks, bots, and the
// exact error rows of the api-reference/chat-bots/outdated/chats/ pages (texts as a portal sends them).

export type Params = Record<string, unknown>;
export type Expected = [status: number, error: string, description: string];

export const E = {
  noClient: [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified'] as Expected,
  noBot: [400, 'BOT_ID_ERROR', 'Bot not found'] as Expected,
  otherApp: [400, 'APP_ID_ERROR', 'Bot was installed by another rest application'] as Expected,
  dialogEmpty: [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"] as Expected,
  chatIdEmpty: [400, 'CHAT_ID_EMPTY', "Chat ID can't be empty"] as Expected,
  userIdEmpty: [400, 'USER_ID_EMPTY', "User ID can't be empty"] as Expected,
  titleEmpty: [400, 'TITLE_EMPTY', "Title can't be empty"] as Expected,
  usersType: [400, 'INVALID_FORMAT', 'Parameter USERS has wrong type'] as Expected,
  cantCreate: [400, 'WRONG_REQUEST', "Chat can't be created"] as Expected,
  noDialogAccess: [403, 'ACCESS_ERROR', 'You do not have access to the specified dialog'] as Expected,
  noChatAccess: [400, 'ACCESS_ERROR', "You don't have access to this chat"] as Expected,
  cantRename: [403, 'ACCESS_ERROR', 'This chat cannot be renamed'] as Expected,
  cantAvatar: [403, 'ACCESS_ERROR', 'The avatar of this chat cannot be changed'] as Expected,
  cantAdd: [403, 'ACCESS_ERROR', 'It is forbidden to add users to this chat'] as Expected,
  cantDelete: [403, 'ACCESS_ERROR', 'It is forbidden to delete users of this chat'] as Expected,
  ownerLeave: [403, 'ACCESS_ERROR', 'LEAVE_OWNER_FORBIDDEN'] as Expected,
  avatarDenied: [400, 'ACCESS_DENIED', 'Access denied'] as Expected,
  avatarType: [400, 'AVATAR_ERROR', 'Avatar incorrect type'] as Expected,
  avatarSize: [400, 'AVATAR_ERROR', 'Avatar incorrect size (max 5000x5000)'] as Expected,
  avatarNoChat: [400, 'WRONG_REQUEST', "Chat isn't exists"] as Expected,
  wrongColor: [400, 'WRONG_COLOR', 'This color currently unavailable'] as Expected,
  colorNotSet: [400, 'WRONG_REQUEST', "This color currently set or chat isn't exists"] as Expected,
  ownerNotChanged: [400, 'WRONG_REQUEST', 'Change owner can only owner and user must be member in chat'] as Expected,
  managerNotChanged: [400, 'WRONG_REQUEST', 'Change manager can only owner and user must be member in chat'] as Expected,
  notAdded: [400, 'WRONG_REQUEST', "You don't have access or user already member in chat"] as Expected,
  notDeleted: [400, 'WRONG_REQUEST', "You don't have access or user isn't member in chat"] as Expected,
  textFieldEmpty: [400, 'TEXT_FIELD_ENABLED_EMPTY', " text field enabled can't be empty"] as Expected,
  textFieldNoAccess: [400, 'ACCESS_ERROR', "Bot don't have access to this chat"] as Expected,
  messageNotAdded: [400, 'WRONG_REQUEST', "Message isn't added"] as Expected,
};

export function assertError(a: Answer, [status, error, error_description]: Expected, label = ''): void {
  assert.deepEqual(errorOf(a), { status, error, error_description }, label);
}

export function assertResult(a: Answer, label = ''): any {
  assert.equal(a.status, 200, `${label}: ${a.text}`);
  return a.body.result;
}

/** A 1×1 PNG, and a PNG header claiming the given size (enough for the size check). */
export const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
export function pngHeader(width: number, height: number): string {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b.toString('base64');
}

export interface Person {
  id: number;
  hook: string;
}

/** People, bots and call shortcuts on one portal. Bots belong to CLIENT_ID "chats" unless noted. */
export class ChatWorld {
  constructor(readonly p: TestPortal) {}

  async person(name: string): Promise<Person> {
    const db = this.p.server.core.store.db;
    const id = await createUser(db, this.p.server.clock, { name });
    const hook = await addWebhook(db, this.p.server.clock, { userId: id, scope: SERVED_SCOPES.join(',') });
    return { id, hook: `${this.p.http}/rest/${id}/${hook.code}` };
  }

  async bot(code: string, clientId = 'chats'): Promise<number> {
    const params = { CODE: code, CLIENT_ID: clientId, EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: `Bot ${code}` } };
    return assertResult(await callJson(this.p.adminHook, 'imbot.register', params), `register ${code}`);
  }

  /** An imbot.* call through the admin webhook as app "chats" (pass CLIENT_ID: undefined to drop it). */
  imbot(method: string, params: Params = {}): Promise<Answer> {
    return callJson(this.p.adminHook, method, { CLIENT_ID: 'chats', ...params });
  }

  async imbotOk(method: string, params: Params = {}): Promise<any> {
    return assertResult(await this.imbot(method, params), `${method} ${JSON.stringify(params)}`);
  }

  as(who: Person | string, method: string, params: Params = {}): Promise<Answer> {
    return callJson(typeof who === 'string' ? who : who.hook, method, params);
  }

  async asOk(who: Person | string, method: string, params: Params = {}): Promise<any> {
    return assertResult(await this.as(who, method, params), `${method} ${JSON.stringify(params)}`);
  }

  /** Sorted member ids as a member person sees them (im.chat.user.list). */
  async members(who: Person | string, chatId: number): Promise<number[]> {
    return [...(await this.asOk(who, 'im.chat.user.list', { CHAT_ID: chatId }))].sort((a, b) => a - b);
  }

  dialog(who: Person | string, dialogId: string | number): Promise<any> {
    return this.asOk(who, 'im.dialog.get', { DIALOG_ID: String(dialogId) });
  }

  async texts(who: Person | string, dialogId: string | number): Promise<string[]> {
    const h = await this.asOk(who, 'im.dialog.messages.get', { DIALOG_ID: String(dialogId) });
    return h.messages.map((m: any) => m.text);
  }

  async failNextWrite(method: string): Promise<void> {
    const a = await request(`${this.p.http}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': this.p.server.controlToken },
      body: JSON.stringify({ method, kind: 'store_failure', times: 1 }),
    });
    assert.equal(a.status, 200, a.text);
  }

  /** Runs error rows in order against one call shape. */
  async rows(call: (params: Params) => Promise<Answer>, cases: [label: string, params: Params, expected: Expected][]): Promise<void> {
    for (const [label, params, expected] of cases) assertError(await call(params), expected, label);
  }
}

export const sorted = (...xs: number[]) => [...xs].sort((a, b) => a - b);
