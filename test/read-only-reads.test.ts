import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { TableName } from '../src/store/read-cache.js';
import { tablesOf } from '../src/store/snapshot.js';
import { addPerson, assertResult, callJson, request, startPortal, type Person, type TestPortal } from './helpers/server.js';
import { registerV2Bot, v2call } from './helpers/v2.js';

/*
 * Methods that hand out download links are reads (src/im/download-links.ts: a link is signed,
 * not stored): im.dialog.messages.get, im.dialog.messages.search, im.v2.File.download,
 * imbot.v2.File.download and disk.file.get move no table version of the store while they run —
 * no write statement, no unit of work — and the links they give open the file.
 */

type Obj = Record<string, any>;

describe('reads that hand out download links write nothing', () => {
  let p: TestPortal;
  let anna: Person;
  let bob: Person;
  let bot: { botId: number; botToken: string };
  let chatId: number;
  let fileId: number;
  const bytes = Buffer.from('release notes, version 2\n');
  let tables: TableName[];

  /**
   * Whether any table version moved since the last probe: the read cache (src/store/read-cache.ts)
   * misses an entry read under every table exactly when one of their versions moved.
   */
  const moved = async (): Promise<boolean> => {
    let loaded = false;
    await p.server.core.store.cache.get('read-only-probe', tables, async () => {
      loaded = true;
      return null;
    });
    return loaded;
  };
  /** Waits until the store is quiet (the setup's change notifications have all arrived). */
  const settle = async (): Promise<void> => {
    await moved();
    for (let i = 0; i < 100; i++) {
      await delay(20);
      if (!(await moved())) return;
    }
    assert.fail('the store never became quiet');
  };
  /** Runs a read and asserts it moved no table version; its result. */
  const read = async (label: string, call: () => Promise<{ status: number; body: any }>): Promise<Obj> => {
    await settle();
    const answer = await call();
    assert.equal(answer.status, 200, `${label}: ${JSON.stringify(answer.body)}`);
    assert.equal(await moved(), false, `${label} wrote to the store`);
    return answer.body.result;
  };
  const opens = async (link: string, label: string) => {
    const got = await request(link.replace(p.https, p.http));
    assert.equal(got.status, 200, `${label}: ${got.text}`);
    assert.equal(got.text, bytes.toString(), label);
  };

  before(async () => {
    p = await startPortal();
    const names = (await tablesOf(p.server.core.store.db, p.server.core.store.dialect)).map((t) => t.name);
    tables = [...new Set(names)] as TableName[];
    assert.ok(tables.includes('files') && tables.includes('messages'));
    anna = await addPerson(p, 'Anna');
    bob = await addPerson(p, 'Bob');
    bot = await registerV2Bot(p, { code: 'reader_bot' });
    chatId = assertResult(await callJson(anna.hook, 'im.chat.add', { TITLE: 'Reads', USERS: [bob.id, bot.botId] }), 'im.chat.add');
    const up = assertResult(
      await callJson(anna.hook, 'im.v2.File.upload', { dialogId: `chat${chatId}`, fields: { name: 'notes.txt', content: bytes.toString('base64'), message: 'the release notes' } }),
      'upload',
    );
    fileId = up.file.id;
  });
  after(() => p.stop());

  it('the probe sees a write (the check can fail)', async () => {
    await settle();
    assertResult(await callJson(bob.hook, 'im.message.add', { DIALOG_ID: `chat${chatId}`, MESSAGE: 'a write' }), 'im.message.add');
    assert.equal(await moved(), true);
  });

  it('im.dialog.messages.get and im.dialog.messages.search: files with links, nothing written', async () => {
    const history = await read('im.dialog.messages.get', () => callJson(bob.hook, 'im.dialog.messages.get', { DIALOG_ID: `chat${chatId}` }));
    assert.deepEqual(history.files.map((f: Obj) => f.id), [fileId]);
    await opens(history.files[0].urlDownload, 'history link');
    const found = await read('im.dialog.messages.search', () => callJson(bob.hook, 'im.dialog.messages.search', { CHAT_ID: chatId, SEARCH_MESSAGE: 'release' }));
    assert.deepEqual(found.files.map((f: Obj) => f.id), [fileId]);
    await opens(found.files[0].urlDownload, 'search link');
  });

  it('im.v2.File.download, imbot.v2.File.download and disk.file.get: links, nothing written', async () => {
    const im = await read('im.v2.File.download', () => callJson(bob.hook, 'im.v2.File.download', { dialogId: `chat${chatId}`, fileId }));
    assert.match(im.downloadUrl, /\/rest\/download\.json\?token=im%7C[A-Za-z0-9_-]+$/);
    await opens(im.downloadUrl, 'im link');
    const asBot = await read('imbot.v2.File.download', () => v2call(p, 'imbot.v2.File.download', { botId: bot.botId, botToken: bot.botToken, fileId }));
    assert.match(asBot.downloadUrl, /\/rest\/download\.json\?token=imbot%7C[A-Za-z0-9_-]+$/);
    await opens(asBot.downloadUrl, 'imbot link');
    const record = await read('disk.file.get', () => callJson(anna.hook, 'disk.file.get', { id: fileId }));
    await opens(record.DOWNLOAD_URL, 'disk link');
  });

  it('a link is sealed to its file: the same seal over another file id is refused', async () => {
    const link = (await read('im.v2.File.download', () => callJson(anna.hook, 'im.v2.File.download', { dialogId: `chat${chatId}`, fileId }))).downloadUrl;
    const token = decodeURIComponent(new URL(link).searchParams.get('token')!);
    const sealed = Buffer.from(token.slice('im|'.length), 'base64url');
    // the same MAC over another file id: refused
    const other = Buffer.concat([Buffer.from(sealed.subarray(0, sealed.length - 24).toString().replace(/^\d+\./, `${fileId + 1}.`)), sealed.subarray(sealed.length - 24)]);
    const forged = await request(`${p.http}/rest/download.json?token=${encodeURIComponent(`im|${other.toString('base64url')}`)}`);
    assert.deepEqual([forged.status, forged.body?.error], [403, 'ACCESS_DENIED']);
    await opens(link, 'the link itself');
  });
});

describe('download links survive a restart of the server', () => {
  it('a link handed out before a restart still opens the file after it', async () => {
    const first = await startPortal();
    const anna = await addPerson(first, 'Anna');
    const bob = await addPerson(first, 'Bob');
    const up = assertResult(await callJson(anna.hook, 'im.v2.File.upload', { dialogId: String(bob.id), fields: { name: 'a.txt', content: Buffer.from('kept').toString('base64') } }), 'upload');
    const link = assertResult(await callJson(anna.hook, 'im.v2.File.download', { dialogId: String(bob.id), fileId: up.file.id }), 'download').downloadUrl;
    await first.server.close();
    const again = await startPortal({ dataDir: first.dataDir });
    try {
      const got = await request(link.replace(first.https, again.http));
      assert.deepEqual([got.status, got.text], [200, 'kept']);
    } finally {
      await again.stop();
    }
  });
});
