import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerBot } from '../../src/bots/lifecycle.js';
import { createUser } from '../../src/im/users.js';
import {
  countBotsOf,
  deleteBotRow,
  findBot,
  findFirstBotOf,
  findRestBotByCode,
  insertBotOnce,
  listBotIdsOf,
  listBotsOf,
  listBotsWithNames,
  ownerHasBot,
  updateBotRow,
} from '../../src/store/repos/bots.js';
import type { Db } from '../../src/store/db.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: bots (store/repos/bots.ts), on the suite's engine. */
describe('store contract: bots', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  const botUser = (db: Db, name: string) => createUser(db, t.clock, { name, externalAuthId: 'bot', userType: 'bot' });

  it('inserts once per CODE, case-sensitively, and finds the bot by id and by code', async () => {
    const db = t.store.db;
    const a = await botUser(db, 'Alpha');
    assert.equal(await insertBotOnce(db, { bot_id: a, code: 'alpha', app_id: 'customX', type: 'B' }), a);
    const b = await botUser(db, 'Other');
    assert.equal(await insertBotOnce(db, { bot_id: b, code: 'alpha', app_id: 'customY' }), undefined, 'the CODE is taken');
    assert.equal(await insertBotOnce(db, { bot_id: b, code: 'ALPHA', app_id: 'customY', type: 'S' }), b, 'codes differ by case');
    assert.equal((await findBot(db, a))?.code, 'alpha');
    assert.equal((await findRestBotByCode(db, 'alpha'))?.bot_id, a);
    assert.equal((await findRestBotByCode(db, 'ALPHA'))?.bot_id, b);
    assert.equal(await findRestBotByCode(db, 'Alpha'), undefined);
    assert.equal(await findBot(db, 999_999), undefined);
  });

  it('answers per owner: count, first, ids in order, siblings, a typed page', async () => {
    const db = t.store.db;
    const ids: number[] = [];
    for (const [code, type] of [['o1', 'B'], ['o2', 'S'], ['o3', 'B']] as const) {
      const id = await botUser(db, code);
      await insertBotOnce(db, { bot_id: id, code, app_id: 'local.owner', type });
      ids.push(id);
    }
    assert.equal(await countBotsOf(db, 'local.owner'), 3);
    assert.equal(await countBotsOf(db, 'local.none'), 0);
    assert.equal((await findFirstBotOf(db, 'local.owner'))?.bot_id, ids[0]);
    assert.deepEqual(await listBotIdsOf(db, 'local.owner'), ids);
    assert.equal(await ownerHasBot(db, 'local.owner'), true);
    assert.equal(await ownerHasBot(db, 'local.owner', ids[0]), true);
    assert.equal(await ownerHasBot(db, 'local.none'), false);
    assert.deepEqual((await listBotsOf(db, 'local.owner', { types: ['B'], limit: 10, offset: 0 })).map((r) => r.bot_id), [ids[0], ids[2]]);
    assert.deepEqual((await listBotsOf(db, 'local.owner', { limit: 1, offset: 1 })).map((r) => r.bot_id), [ids[1]]);
    await deleteBotRow(db, ids[1]!);
    await deleteBotRow(db, ids[2]!);
    assert.equal(await ownerHasBot(db, 'local.owner', ids[0]), false, 'no sibling left');
  });

  it('updates fields and lists bots with their names, network bots left out', async () => {
    const db = t.store.db;
    const id = await botUser(db, 'Net');
    await insertBotOnce(db, { bot_id: id, code: 'net', app_id: 'customN', type: 'N' });
    await updateBotRow(db, id, { openline: 'Y', hidden: 'Y' });
    await updateBotRow(db, id, {});
    const row = await findBot(db, id);
    assert.equal(row?.openline, 'Y');
    assert.equal(row?.hidden, 'Y');
    const listed = await listBotsWithNames(db);
    assert.ok(!listed.some((r) => r.bot_id === id));
    const alpha = listed.find((r) => r.code === 'alpha');
    assert.equal(alpha?.name, 'Alpha');
    assert.deepEqual(listed.map((r) => r.bot_id), [...listed.map((r) => r.bot_id)].sort((x, y) => x - y));
  });

  it('16 concurrent inserts of one CODE leave one row', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        t.store.transaction(async (trx) => insertBotOnce(trx, { bot_id: await botUser(trx, `race${i}`), code: 'race', app_id: 'customR' })),
      ),
    );
    assert.equal(results.filter((r) => r !== undefined).length, 1);
    assert.equal((await findRestBotByCode(t.store.db, 'race'))?.bot_id, results.find((r) => r !== undefined));
  });

  it('16 concurrent registrations of one CODE by one owner make one bot, all answered with it', async () => {
    const owner = { appId: 'customSAME', restAppId: 0, applicationToken: 'SAME', webhookClientId: 'SAME' };
    const bot = { code: 'same_code', type: 'B', openline: 'N' as const, properties: { NAME: 'Same' }, handlers: {} };
    const results = await Promise.all(
      Array.from({ length: 16 }, () => t.store.transaction((trx) => registerBot({ ...t.ctx, db: trx }, owner, bot))),
    );
    const ids = new Set(results.map((r) => r.botId));
    assert.equal(ids.size, 1);
    assert.equal(results.filter((r) => !r.existed).length, 1);
    assert.equal(await countBotsOf(t.store.db, 'customSAME'), 1);
  });
});
