import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureFolder, findFolder, folderById } from '../../src/store/repos/disk.js';
import { attachFile, deleteFileRow, filesByIds, insertFile } from '../../src/store/repos/files.js';
import { messagesWithFiles } from '../../src/store/repos/messages.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: Drive folders and the files the pre-v2 flow writes (store/repos/disk.ts), on the suite's engine. */
describe('store contract: disk', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('finds a folder by kind and owner only once it was made', async () => {
    const db = t.store.db;
    assert.equal(await findFolder(db, 'chat', 4242), undefined);
    const made = await ensureFolder(db, 'chat', 4242, '', 1);
    assert.deepEqual(await findFolder(db, 'chat', 4242), made);
    assert.equal(await findFolder(db, 'saved', 4242), undefined);
  });

  it('makes one folder per owner and kind, whoever asks first', async () => {
    const db = t.store.db;
    const [a, b] = await Promise.all([ensureFolder(db, 'chat', 7, '', 1), ensureFolder(db, 'chat', 7, '', 2)]);
    assert.equal(a.id, b.id);
    const saved = await ensureFolder(db, 'saved', 7, 'Saved Files', 3);
    assert.notEqual(saved.id, a.id);
    assert.deepEqual(await folderById(db, saved.id), { id: saved.id, kind: 'saved', owner_id: 7, name: 'Saved Files', created_at: 3 });
    assert.equal(await folderById(db, 999999), undefined);
  });

  it('adds an unattached file, attaches it to a chat, finds messages carrying files, deletes it', async () => {
    const db = t.store.db;
    const folder = await ensureFolder(db, 'chat', 8, '', 1);
    const f = await insertFile(db, { chat_id: 8, author_id: 1, name: 'a.txt', storage_key: '8/k1', created_at: 5, folder_id: folder.id, attached: 0 });
    assert.deepEqual([f.attached, f.folder_id], [0, folder.id]);
    await attachFile(db, f.id, 9);
    assert.deepEqual((await filesByIds(db, [f.id])).map((x) => [x.attached, x.chat_id, x.folder_id]), [[1, 9, 0]]);
    assert.deepEqual(await filesByIds(db, []), []);
    await db.insertInto('chats').values({ id: 9, type: 'C', created_at: 1 }).execute();
    const withFile = await db.insertInto('messages').values({ chat_id: 9, params: JSON.stringify({ FILE_ID: [f.id] }) }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('messages').values({ chat_id: 9, text: 'plain' }).execute();
    assert.deepEqual((await messagesWithFiles(db, 9)).map((m) => m.id), [withFile.id]);
    await deleteFileRow(db, f.id);
    assert.deepEqual(await filesByIds(db, [f.id]), []);
  });
});

describe('store contract: disk upload tokens', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('a token is live until it expires and can be taken once', async () => {
    const { addUploadToken, liveUploadToken, takeUploadToken } = await import('../../src/store/repos/disk.js');
    const db = t.store.db;
    await addUploadToken(db, { token: 'disk|a', folder_id: 1, user_id: 2, name: 'n', expires_at: 100 }, 0);
    await addUploadToken(db, { token: 'disk|old', folder_id: 1, user_id: 2, name: '', expires_at: 10 }, 0);
    assert.equal((await liveUploadToken(db, 'disk|a', 50))?.name, 'n');
    assert.equal(await liveUploadToken(db, 'disk|a', 100), undefined, 'expired at its time');
    assert.equal(await takeUploadToken(db, 'disk|old', 20), undefined, 'an expired token is not given out');
    assert.equal((await takeUploadToken(db, 'disk|a', 50))?.folder_id, 1);
    assert.equal(await takeUploadToken(db, 'disk|a', 50), undefined, 'once');
    await addUploadToken(db, { token: 'disk|b', folder_id: 1, user_id: 2, name: '', expires_at: 500 }, 200);
    assert.equal((await db.selectFrom('disk_upload_tokens').select('token').execute()).length, 1, 'expired ones dropped on the way');
  });
});
