import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { startReceiver, type Receiver } from './helpers/events.js';
import { PNG_1X1 } from './helpers/chats.js';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type Expected, type Person, type TestPortal } from './helpers/server.js';

/*
 * The pre-v2 file flow through HTTP (api-reference/chats/files/*, api-reference/disk/folder/
 * disk-folder-upload-file.md, api-reference/disk/file/disk-file-get.md): im.disk.folder.get →
 * disk.folder.uploadfile → im.disk.file.commit, then im.disk.file.save / im.disk.file.delete; the
 * files show in im.dialog.messages.get, in v2 downloads and in the bot's ONIMBOTMESSAGEADD.
 */

const E = {
  chatIdEmpty: [400, 'CHAT_ID_EMPTY', "Chat ID can't be empty"] as Expected,
  dialogEmpty: [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"] as Expected,
  noDialogAccess: [403, 'ACCESS_ERROR', 'You do not have access to the specified dialog'] as Expected,
  noChatAccess: [400, 'ACCESS_ERROR', "You don't have access to this chat"] as Expected,
  filesEmpty: [400, 'FILES_ERROR', 'List of files is not specified'] as Expected,
  saveError: [400, 'SAVE_ERROR', 'Error during saving file to chat'] as Expected,
  fileIdEmpty: [400, 'FILE_ID_EMPTY', "File ID can't be empty"] as Expected,
  fileSaveError: [400, 'FILE_SAVE_ERROR', "File ID can't be saved"] as Expected,
  argument: [400, 'ERROR_ARGUMENT', 'Invalid value of parameter {Parameter #0}'] as Expected,
  nameRequired: [400, 'DISK_BASE_SERVICE_22001', 'Error: required parameter NAME (DISK_BASE_SERVICE_22001)'] as Expected,
  couldNotSave: [400, 'ERROR_COULD_NOT_SAVE_FILE', 'Could not save file'] as Expected,
  accessDenied: [403, 'ACCESS_DENIED', 'Access denied'] as Expected,
  notFound: (id: string | number): Expected => [400, 'ERROR_NOT_FOUND', `Could not find entity with id \`${id}\``],
};

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('pre-v2 chat files: im.disk.* and the Drive steps', () => {
  let p: TestPortal;
  let r: Receiver;
  let ann: Person;
  let bob: Person;
  let cat: Person;
  let botId: number;

  const ok = async (who: Person, method: string, params: Record<string, unknown> = {}) => assertResult(await callJson(who.hook, method, params), `${method} ${JSON.stringify(params)}`);
  const folderOf = async (who: Person, dialogId: string): Promise<number> => (await ok(who, 'im.disk.folder.get', { DIALOG_ID: dialogId })).ID;
  const upload = (who: Person, folderId: number, name: string, text: string) => ok(who, 'disk.folder.uploadfile', { id: folderId, data: { NAME: name }, fileContent: [name, b64(text)] });

  before(async () => {
    [p, r] = await Promise.all([startPortal(), startReceiver()]);
    ann = await addPerson(p, 'Ann Lee');
    bob = await addPerson(p, 'Bob Stone');
    cat = await addPerson(p, 'Cat Moss');
    botId = assertResult(await callJson(p.adminHook, 'imbot.register', { CODE: 'disk', CLIENT_ID: 'disk', EVENT_HANDLER: `${r.base}/bot`, PROPERTIES: { NAME: 'Disk bot' } }));
  });
  after(async () => {
    await p.stop();
    await r.close();
  });

  describe('im.disk.folder.get', () => {
    it('gives each chat one folder, the same for every member and every spelling', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id], TITLE: 'Files' });
      const id = await folderOf(ann, `chat${chat}`);
      assert.equal(typeof id, 'number');
      assert.deepEqual(await ok(bob, 'im.disk.folder.get', { CHAT_ID: chat }), { ID: id });
      const other = await ok(ann, 'im.chat.add', { USERS: [bob.id], TITLE: 'Other' });
      assert.notEqual(await folderOf(ann, `chat${other}`), id);
      await ok(ann, 'im.message.add', { DIALOG_ID: String(bob.id), MESSAGE: 'hi' });
      assert.equal(typeof (await folderOf(bob, String(ann.id))), 'number', 'a private dialog has a folder too');
    });

    it('answers every documented error', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      assertError(await callJson(ann.hook, 'im.disk.folder.get', {}), E.chatIdEmpty);
      assertError(await callJson(ann.hook, 'im.disk.folder.get', { CHAT_ID: 0 }), E.chatIdEmpty);
      assertError(await callJson(ann.hook, 'im.disk.folder.get', { DIALOG_ID: 'chat' }), E.dialogEmpty);
      assertError(await callJson(cat.hook, 'im.disk.folder.get', { DIALOG_ID: `chat${chat}` }), E.noDialogAccess);
      assertError(await callJson(cat.hook, 'im.disk.folder.get', { CHAT_ID: chat }), E.noDialogAccess);
      assertError(await callJson(cat.hook, 'im.disk.folder.get', { CHAT_ID: 999999 }), E.noDialogAccess, 'no such chat');
      assertError(await callJson(cat.hook, 'im.disk.folder.get', { DIALOG_ID: String(bob.id) }), E.noChatAccess, 'a dialog never written in');
    });
  });

  describe('disk.folder.uploadfile and disk.file.get', () => {
    it('uploads Base64 or multipart content into a chat folder; the file is not in the chat yet', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const folder = await folderOf(ann, `chat${chat}`);
      const up = await upload(ann, folder, 'notes.txt', 'hello drive');
      assert.deepEqual(
        { ...up, CREATE_TIME: typeof up.CREATE_TIME, UPDATE_TIME: typeof up.UPDATE_TIME, DOWNLOAD_URL: typeof up.DOWNLOAD_URL },
        {
          ID: up.ID, NAME: 'notes.txt', CODE: null, STORAGE_ID: String(folder), TYPE: 'file', PARENT_ID: String(folder), DELETED_TYPE: 0,
          GLOBAL_CONTENT_VERSION: 1, FILE_ID: up.ID, SIZE: '11', CREATE_TIME: 'string', UPDATE_TIME: 'string', DELETE_TIME: null,
          CREATED_BY: String(ann.id), UPDATED_BY: String(ann.id), DELETED_BY: null, DOWNLOAD_URL: 'string', DETAIL_URL: '',
        },
      );
      const got = await request(up.DOWNLOAD_URL.replace(/^https:\/\/[^/]+/, p.http));
      assert.equal(got.text, 'hello drive');
      assert.deepEqual((await ok(ann, 'im.dialog.messages.get', { DIALOG_ID: `chat${chat}` })).files, [], 'no message carries it');

      const form = new FormData();
      form.append('id', String(folder));
      form.append('fileContent', new Blob([Buffer.from(PNG_1X1, 'base64')]), 'dot.png');
      const multi = await request(`${bob.hook}/disk.folder.uploadfile`, { method: 'POST', body: form });
      assert.equal(multi.status, 200, multi.text);
      assert.equal(multi.body.result.NAME, 'dot.png', 'the name of the uploaded part');

      const record = await ok(bob, 'disk.file.get', { id: up.ID });
      assert.deepEqual(
        [record.ID, record.NAME, record.SIZE, record.DELETED_TYPE, record.GLOBAL_CONTENT_VERSION, record.FILE_ID, record.DELETED_BY, record.PARENT_ID],
        [String(up.ID), 'notes.txt', '11', '0', '1', String(up.ID), '0', String(folder)],
      );
    });

    it('without fileContent answers an upload link that takes one multipart POST', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const folder = await folderOf(ann, `chat${chat}`);
      const step1 = await ok(ann, 'disk.folder.uploadfile', { id: folder });
      assert.deepEqual(Object.keys(step1), ['field', 'uploadUrl']);
      assert.equal(step1.field, 'file');
      const url = step1.uploadUrl.replace(/^https:\/\/[^/]+/, p.http);
      const form = () => {
        const f = new FormData();
        f.append(step1.field, new Blob([Buffer.from('two steps')]), 'linked.txt');
        return f;
      };
      const step2 = await request(url, { method: 'POST', body: form() });
      assert.equal(step2.status, 200, step2.text);
      assert.deepEqual([step2.body.result.NAME, step2.body.result.SIZE, step2.body.result.PARENT_ID, step2.body.result.CREATED_BY], ['linked.txt', '9', String(folder), String(ann.id)]);
      assert.equal(typeof step2.body.time.start, 'number');
      const again = await request(url, { method: 'POST', body: form() });
      assert.deepEqual([again.status, again.body.error], [403, 'ACCESS_DENIED'], 'a link works once');
      const named = await ok(ann, 'disk.folder.uploadfile', { id: folder, data: { NAME: 'chosen.txt' } });
      const empty = await request(named.uploadUrl.replace(/^https:\/\/[^/]+/, p.http), { method: 'POST', body: new FormData() });
      assert.deepEqual([empty.status, empty.body.error], [400, 'ERROR_COULD_NOT_SAVE_FILE'], 'no file part');
      const third = await request(named.uploadUrl.replace(/^https:\/\/[^/]+/, p.http), { method: 'POST', body: form() });
      assert.equal(third.body.result.NAME, 'chosen.txt', 'data.NAME of the first step wins');
      const posted = await ok(ann, 'im.disk.file.commit', { CHAT_ID: chat, UPLOAD_ID: third.body.result.ID });
      assert.deepEqual(posted.DISK_ID, [String(third.body.result.ID)]);
      const forged = await request(`${p.http}/rest/upload.json?token=disk%7Cnope`, { method: 'POST', body: form() });
      assert.deepEqual([forged.status, forged.body.error], [403, 'ACCESS_DENIED']);
    });

    it('answers every documented error', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const folder = await folderOf(ann, `chat${chat}`);
      assertError(await callJson(ann.hook, 'disk.folder.uploadfile', { data: { NAME: 'a.txt' }, fileContent: ['a.txt', b64('a')] }), E.argument);
      assertError(await callJson(ann.hook, 'disk.folder.uploadfile', { id: 999999, data: { NAME: 'a.txt' }, fileContent: ['a.txt', b64('a')] }), E.notFound(999999));
      assertError(await callJson(cat.hook, 'disk.folder.uploadfile', { id: folder, data: { NAME: 'a.txt' }, fileContent: ['a.txt', b64('a')] }), E.accessDenied);
      assertError(await callJson(ann.hook, 'disk.folder.uploadfile', { id: folder, fileContent: ['', b64('a')] }), E.nameRequired);
      assertError(await callJson(ann.hook, 'disk.folder.uploadfile', { id: folder, data: { NAME: 'a.txt' }, fileContent: ['a.txt', 'not base64!'] }), E.couldNotSave);
      const up = await upload(ann, folder, 'secret.txt', 'x');
      assertError(await callJson(ann.hook, 'disk.file.get', {}), E.argument);
      assertError(await callJson(ann.hook, 'disk.file.get', { id: 999999 }), E.notFound(999999));
      assertError(await callJson(cat.hook, 'disk.file.get', { id: up.ID }), E.accessDenied);
    });

    it('needs the disk scope', async () => {
      const db = p.server.core.store.db;
      const { addWebhook } = await import('../src/auth/webhooks.js');
      const hook = await addWebhook(db, p.server.clock, { userId: ann.id, scope: 'im' });
      const a = await callJson(`${p.http}/rest/${ann.id}/${hook.code}`, 'disk.file.get', { id: 1 });
      assert.equal(a.status, 401);
      assert.equal(a.body.error, 'insufficient_scope');
    });
  });

  describe('im.disk.file.commit', () => {
    it('UPLOAD_ID posts the uploaded file itself; every client and the bot see it', async () => {
      await ok(ann, 'im.message.add', { DIALOG_ID: String(botId), MESSAGE: 'hello bot' });
      const folder = await folderOf(ann, String(botId));
      const up = await upload(ann, folder, 'report.txt', 'quarterly');
      const res = await ok(ann, 'im.disk.file.commit', { DIALOG_ID: String(botId), UPLOAD_ID: up.ID, MESSAGE: '  the report  ' });
      assert.deepEqual(Object.keys(res), ['FILES', 'DISK_ID', 'FILE_MODELS', 'MESSAGE_ID']);
      assert.deepEqual(res.DISK_ID, [String(up.ID)]);
      const card = res.FILES[`upload${up.ID}`];
      assert.deepEqual([card.id, card.name, card.size, card.type, card.authorId, card.authorName], [up.ID, 'report.txt', 9, 'file', ann.id, 'Ann Lee']);
      const model = res.FILE_MODELS[`upload${up.ID}`];
      assert.deepEqual([model.id, model.name, model.parentId, model.createdBy, model.typeFile, model.size, model.createTime], [up.ID, 'report.txt', folder, String(ann.id), 4, 9, {}]);

      const history = await ok(ann, 'im.dialog.messages.get', { DIALOG_ID: String(botId) });
      const m = history.messages.find((x: any) => x.id === res.MESSAGE_ID);
      assert.deepEqual([m.text, m.params.FILE_ID], ['the report', [up.ID]]);
      assert.deepEqual(history.files.map((f: any) => [f.id, f.name]), [[up.ID, 'report.txt']]);
      const got = await request(history.files[0].urlDownload.replace(/^https:\/\/[^/]+/, p.http));
      assert.equal(got.text, 'quarterly');

      const v2 = await callJson(ann.hook, 'im.v2.File.download', { fileId: up.ID, dialogId: String(botId) });
      assert.equal(v2.status, 200, v2.text);
      const elsewhere = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const reused = await ok(ann, 'im.disk.file.commit', { CHAT_ID: elsewhere, UPLOAD_ID: up.ID });
      assert.notEqual(Number(reused.DISK_ID[0]), up.ID, 'a file a message already carries is copied, not moved');
      assert.equal((await callJson(ann.hook, 'im.v2.File.download', { fileId: up.ID, dialogId: String(botId) })).status, 200, 'still in its chat');

      const heard = await r.waitFor(1, (h) => h.form.event === 'ONIMBOTMESSAGEADD' && (h.form.data as any)?.PARAMS?.MESSAGE_ID === String(res.MESSAGE_ID));
      // v1 bot events carry the message fields, not the files; the bot reads those with the message
      assert.equal((heard[0].form.data as any).PARAMS.MESSAGE, 'the report');
    });

    it('FILE_ID (and its alias DISK_ID) posts a copy; a list posts several files in one message', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const folder = await folderOf(ann, `chat${chat}`);
      const a = await upload(ann, folder, 'a.txt', 'AAA');
      const b = await upload(bob, folder, 'b.png', Buffer.from(PNG_1X1, 'base64').toString('latin1'));
      const res = await ok(bob, 'im.disk.file.commit', { CHAT_ID: chat, FILE_ID: [a.ID, 999999] });
      assert.equal(res.DISK_ID.length, 1);
      const copy = Number(res.DISK_ID[0]);
      assert.notEqual(copy, a.ID, 'a copy, not the original');
      assert.deepEqual(res.FILES[`disk${a.ID}`].name, 'a.txt');
      assert.deepEqual(res.FILES['disk999999'], { id: 0 });
      assert.equal(res.FILES[`disk${a.ID}`].authorId, bob.id, 'the copy is the committer\'s');
      const both = await ok(ann, 'im.disk.file.commit', { DIALOG_ID: `chat${chat}`, DISK_ID: [a.ID, b.ID] });
      assert.equal(both.DISK_ID.length, 2);
      const m = (await ok(ann, 'im.dialog.messages.get', { DIALOG_ID: `chat${chat}` })).messages.find((x: any) => x.id === both.MESSAGE_ID);
      assert.deepEqual(m.params.FILE_ID, both.DISK_ID.map(Number));
      assert.equal(m.text, '');
    });

    it('answers every documented error', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const folder = await folderOf(ann, `chat${chat}`);
      const mine = await upload(ann, folder, 'mine.txt', 'm');
      assertError(await callJson(ann.hook, 'im.disk.file.commit', { FILE_ID: mine.ID }), E.chatIdEmpty);
      assertError(await callJson(ann.hook, 'im.disk.file.commit', { DIALOG_ID: 'chat', FILE_ID: mine.ID }), E.dialogEmpty);
      assertError(await callJson(ann.hook, 'im.disk.file.commit', { CHAT_ID: chat }), E.filesEmpty);
      assertError(await callJson(ann.hook, 'im.disk.file.commit', { CHAT_ID: chat, FILE_ID: '' }), E.saveError, 'empty FILE_ID');
      assertError(await callJson(ann.hook, 'im.disk.file.commit', { CHAT_ID: chat, UPLOAD_ID: [999999] }), E.saveError, 'unknown file');
      assertError(await callJson(cat.hook, 'im.disk.file.commit', { DIALOG_ID: `chat${chat}`, FILE_ID: mine.ID }), E.noDialogAccess);
      assertError(await callJson(cat.hook, 'im.disk.file.commit', { CHAT_ID: chat, FILE_ID: mine.ID }), E.noChatAccess);
      const catChat = await ok(cat, 'im.chat.add', { USERS: [bob.id] });
      assertError(await callJson(cat.hook, 'im.disk.file.commit', { CHAT_ID: catChat, FILE_ID: mine.ID }), E.saveError, 'a file one may not read');
    });
  });

  describe('im.disk.file.save and im.disk.file.delete', () => {
    it('save copies a chat file into the person\'s "Saved Files"', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const folder = await folderOf(ann, `chat${chat}`);
      const up = await upload(ann, folder, 'keep.txt', 'keep me');
      const posted = await ok(ann, 'im.disk.file.commit', { CHAT_ID: chat, UPLOAD_ID: up.ID });
      const saved = await ok(bob, 'im.disk.file.save', { FILE_ID: up.ID });
      assert.deepEqual(saved.folder.name, 'Saved Files');
      assert.deepEqual(saved.file.name, 'keep.txt');
      assert.notEqual(saved.file.id, up.ID);
      const again = await ok(bob, 'im.disk.file.save', { DISK_ID: Number(posted.DISK_ID[0]) });
      assert.equal(again.folder.id, saved.folder.id, 'one "Saved Files" folder per person');
      const record = await ok(bob, 'disk.file.get', { id: saved.file.id });
      assert.equal(record.PARENT_ID, String(saved.folder.id));
      assert.equal((await request(record.DOWNLOAD_URL.replace(/^https:\/\/[^/]+/, p.http))).text, 'keep me');
      assertError(await callJson(ann.hook, 'disk.file.get', { id: saved.file.id }), E.accessDenied, 'a saved copy is its owner\'s');
    });

    it('save answers every documented error', async () => {
      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const up = await upload(ann, await folderOf(ann, `chat${chat}`), 'x.txt', 'x');
      assertError(await callJson(bob.hook, 'im.disk.file.save', {}), E.fileIdEmpty);
      assertError(await callJson(bob.hook, 'im.disk.file.save', { FILE_ID: 'abc' }), E.fileIdEmpty);
      assertError(await callJson(bob.hook, 'im.disk.file.save', { FILE_ID: 999999 }), E.fileSaveError, 'no such file');
      assertError(await callJson(cat.hook, 'im.disk.file.save', { FILE_ID: up.ID }), E.fileSaveError, 'no access to its chat');
    });

    it('delete: only the sender removes the file; the message shows as deleted and the bot hears it', async () => {
      await ok(bob, 'im.message.add', { DIALOG_ID: String(botId), MESSAGE: 'hi' });
      const dialogFolder = await folderOf(bob, String(botId));
      const up = await upload(bob, dialogFolder, 'gone.txt', 'bye');
      const posted = await ok(bob, 'im.disk.file.commit', { DIALOG_ID: String(botId), UPLOAD_ID: up.ID });
      const history = await ok(bob, 'im.dialog.messages.get', { DIALOG_ID: String(botId) });
      const chatId = history.chat_id;
      assert.equal(await ok(bob, 'im.disk.file.delete', { CHAT_ID: chatId, FILE_ID: up.ID }), true);
      const after = await ok(bob, 'im.dialog.messages.get', { DIALOG_ID: String(botId) });
      const m = after.messages.find((x: any) => x.id === posted.MESSAGE_ID);
      assert.deepEqual([m.text, m.params.IS_DELETED], ['', 'Y']);
      assert.deepEqual(after.files, []);
      assertError(await callJson(bob.hook, 'disk.file.get', { id: up.ID }), E.notFound(up.ID));
      await r.waitFor(1, (h) => h.form.event === 'ONIMBOTMESSAGEDELETE' && (h.form.data as any)?.PARAMS?.MESSAGE_ID === String(posted.MESSAGE_ID));

      const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
      const f = await upload(ann, await folderOf(ann, `chat${chat}`), 'kept.txt', 'k');
      const withText = await ok(ann, 'im.disk.file.commit', { CHAT_ID: chat, UPLOAD_ID: f.ID, MESSAGE: 'caption stays' });
      assert.equal(await ok(bob, 'im.disk.file.delete', { CHAT_ID: chat, FILE_ID: f.ID }), true, 'not the sender: true, nothing deleted');
      assert.equal((await ok(ann, 'disk.file.get', { id: f.ID })).NAME, 'kept.txt');
      assert.equal(await ok(cat, 'im.disk.file.delete', { CHAT_ID: chat, FILE_ID: f.ID }), false, 'not a member');
      assert.equal(await ok(ann, 'im.disk.file.delete', { CHAT_ID: chat, FILE_ID: 999999 }), false, 'no such file');
      assert.equal(await ok(ann, 'im.disk.file.delete', { CHAT_ID: chatId, FILE_ID: f.ID }), false, 'another chat');
      assert.equal(await ok(ann, 'im.disk.file.delete', { CHAT_ID: chat, DISK_ID: f.ID }), true, 'DISK_ID is FILE_ID\'s alias');
      const left = (await ok(ann, 'im.dialog.messages.get', { DIALOG_ID: `chat${chat}` })).messages.find((x: any) => x.id === withText.MESSAGE_ID);
      assert.deepEqual([left.text, left.params.FILE_ID], ['caption stays', undefined], 'a message with text keeps it and loses the file');
    });

    it('delete answers every documented error', async () => {
      assertError(await callJson(ann.hook, 'im.disk.file.delete', { FILE_ID: 5 }), E.chatIdEmpty);
      assertError(await callJson(ann.hook, 'im.disk.file.delete', { CHAT_ID: 5 }), E.fileIdEmpty);
      assertError(await callJson(ann.hook, 'im.disk.file.delete', { CHAT_ID: 5, FILE_ID: 0 }), E.fileIdEmpty);
    });
  });

  it('b24jssdk walks the whole flow: folder, upload, commit', async () => {
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const chat = await ok(ann, 'im.chat.add', { USERS: [bob.id] });
    const hook = B24Hook.fromWebhookUrl(ann.hook.replace(p.http, p.https));
    const folder = await hook.actions.v2.call.make<{ ID: number }>({ method: 'im.disk.folder.get', params: { DIALOG_ID: `chat${chat}` } });
    const id = folder.getData()!.result.ID;
    const up = await hook.actions.v2.call.make<any>({ method: 'disk.folder.uploadfile', params: { id, data: { NAME: 'sdk.txt' }, fileContent: ['sdk.txt', b64('from the sdk')] } });
    const fileId = up.getData()!.result.ID;
    const done = await hook.actions.v2.call.make<any>({ method: 'im.disk.file.commit', params: { CHAT_ID: chat, UPLOAD_ID: fileId } });
    assert.deepEqual(done.getData()!.result.DISK_ID, [String(fileId)]);
  });
});
