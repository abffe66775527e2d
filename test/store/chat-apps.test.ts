import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../../src/im/users.js';
import { insertBotOnce } from '../../src/store/repos/bots.js';
import {
  deleteBotChatApps,
  deleteChatApp,
  findChatApp,
  findChatAppId,
  insertChatAppOnce,
  listChatAppLangs,
  replaceChatAppLangs,
  setBotChatAppsOwner,
  updateChatAppRow,
} from '../../src/store/repos/chat-apps.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: chat apps of bots and their languages (store/repos/chat-apps.ts). */
describe('store contract: chat apps', () => {
  let t: TestStore;
  let bot: number;
  let other: number;
  before(async () => {
    t = await openTestStore();
    bot = await createUser(t.store.db, t.clock, { name: 'A', externalAuthId: 'bot', userType: 'bot' });
    other = await createUser(t.store.db, t.clock, { name: 'B', externalAuthId: 'bot', userType: 'bot' });
    await insertBotOnce(t.store.db, { bot_id: bot, code: 'a', app_id: 'customA' });
    await insertBotOnce(t.store.db, { bot_id: other, code: 'b', app_id: 'customA' });
  });
  after(() => t.close());

  it('inserts once per bot and CODE (case-sensitive) and finds the app by id and by code', async () => {
    const db = t.store.db;
    const id = await insertChatAppOnce(db, { bot_id: bot, app_id: 'customA', code: 'calc', js: "BXIM.sendMessage('/calc 1');" });
    assert.ok(id);
    assert.equal(await insertChatAppOnce(db, { bot_id: bot, app_id: 'customA', code: 'calc' }), undefined);
    assert.ok(await insertChatAppOnce(db, { bot_id: bot, app_id: 'customA', code: 'CALC' }));
    assert.ok(await insertChatAppOnce(db, { bot_id: other, app_id: 'customA', code: 'calc' }));
    assert.equal(await findChatAppId(db, bot, 'calc'), id);
    assert.equal(await findChatAppId(db, bot, 'Calc'), undefined);
    assert.equal((await findChatApp(db, id!))?.js, "BXIM.sendMessage('/calc 1');");
  });

  it('16 concurrent inserts of one CODE make one row', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, () => t.store.transaction((trx) => insertChatAppOnce(trx, { bot_id: other, app_id: 'customA', code: 'race' }))),
    );
    assert.equal(results.filter((r) => r !== undefined).length, 1);
  });

  it('replaces languages, updates, moves owners, deletes with languages', async () => {
    const db = t.store.db;
    const id = (await findChatAppId(db, bot, 'calc'))!;
    await replaceChatAppLangs(db, id, [
      { language_id: 'ru', title: 'Калькулятор', description: '', copyright: '' },
      { language_id: 'en', title: 'Calc', description: 'd', copyright: 'c' },
    ]);
    assert.deepEqual((await listChatAppLangs(db, id)).map((l) => l.language_id), ['en', 'ru']);
    await updateChatAppRow(db, id, { hidden: 'Y', context: 'chat' });
    await updateChatAppRow(db, id, {});
    assert.equal((await findChatApp(db, id))?.context, 'chat');
    await setBotChatAppsOwner(db, bot, 'customB');
    assert.equal((await findChatApp(db, id))?.app_id, 'customB');
    assert.equal((await findChatApp(db, (await findChatAppId(db, other, 'calc'))!))?.app_id, 'customA');
    await deleteChatApp(db, id);
    assert.equal(await findChatApp(db, id), undefined);
    assert.deepEqual(await listChatAppLangs(db, id), []);
    const upper = (await findChatAppId(db, bot, 'CALC'))!;
    await replaceChatAppLangs(db, upper, [{ language_id: 'en', title: 'x', description: '', copyright: '' }]);
    await deleteBotChatApps(db, bot);
    assert.equal(await findChatApp(db, upper), undefined);
    assert.deepEqual(await listChatAppLangs(db, upper), []);
    assert.ok(await findChatAppId(db, other, 'calc'), 'another bot keeps its apps');
  });
});
