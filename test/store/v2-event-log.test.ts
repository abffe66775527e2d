import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  acknowledgeV2Events,
  addV2Subscriber,
  appendV2Events,
  deleteV2EventsBefore,
  findDeletedV2Bot,
  forgetDeletedV2Bot,
  isV2Subscriber,
  listV2SubscribedPeople,
  queueLengths,
  queueRows,
  readV2EventPage,
  readV2Events,
  rememberDeletedV2Bot,
  removeV2Subscriber,
} from '../../src/store/repos/v2-event-log.js';
import { createUser } from '../../src/im/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: the v2 fetch log, its subscribers and deleted fetch bots (store/repos/v2-event-log.ts). */
describe('store contract: v2 event log', () => {
  let t: TestStore;
  const ev = (ownerId: number, type = 'ONIMV2MESSAGEADD') => ({ ownerId, type, data: JSON.stringify({ ownerId }) });

  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('appends get consecutive ids; a queue reads oldest first from an offset, within the retention window', async () => {
    const db = t.store.db;
    const ids = await appendV2Events(db, [ev(10), ev(11), ev(10)], 1000);
    assert.equal(ids.length, 3);
    assert.deepEqual([ids[1]! - ids[0]!, ids[2]! - ids[1]!], [1, 1]);
    const later = await appendV2Events(db, [ev(10, 'ONIMV2JOINCHAT')], 5000);
    assert.equal(later[0], ids[2]! + 1);
    assert.deepEqual((await readV2Events(db, [10], 0, 0, 10)).map((r) => r.id), [ids[0], ids[2], later[0]]);
    assert.deepEqual((await readV2Events(db, [10, 11], 0, 0, 2)).map((r) => r.id), [ids[0], ids[1]], 'several queues, one sequence, limited');
    assert.deepEqual((await readV2Events(db, [10], 0, ids[2]!, 10)).map((r) => r.id), [ids[2], later[0]], 'from an offset on');
    assert.deepEqual((await readV2Events(db, [10], 2000, 0, 10)).map((r) => r.id), [later[0]], 'created before the window: hidden');
    assert.deepEqual(JSON.parse((await readV2Events(db, [11], 0, 0, 1))[0]!.event_data), { ownerId: 11 });
  });

  // Event.get's read (issue 18): the same rows as readV2Events, as one row — the snapshots back to
  // back as bytes and a line per row telling where each lies; on SQLite in any order.
  it('a page read as one row holds exactly the rows readV2Events gives, their snapshots as bytes', async () => {
    const db = t.store.db;
    const snapshot = (k: number) => JSON.stringify({ k, text: k % 3 === 0 ? `Ünï </b> & 'q' "x" a/b \\ ✓ 😀 ${k}` : `plain ${k}`, pad: 'p'.repeat(k * 37) });
    // two queues interleaved, snapshots with and without a plain size (as written before migration 067), non-ASCII
    const rows = Array.from({ length: 40 }, (_, k) => ({ ownerId: k % 3 === 0 ? 21 : 20, type: k % 2 ? 'ONIMBOTV2MESSAGEADD' : 'ONIMV2JOINCHAT', data: snapshot(k), ...(k % 4 ? { plainBytes: 1000 + k } : {}) }));
    await appendV2Events(db, rows.slice(0, 20), 7000);
    await appendV2Events(db, rows.slice(20), 9000);
    const parse = (meta: string) =>
      meta === ''
        ? []
        : meta.split('\n').map((line) => {
            const [id, created, bytes, plain, ...type] = line.split(' ');
            return { id: Number(id), created_at: Number(created), bytes: Number(bytes), data_bytes: Number(plain) < 0 ? null : Number(plain), event_type: type.join(' ') };
          });
    const cases: [number[], number, number, number][] = [
      [[20], 0, 0, 100],
      [[20, 21], 0, 0, 100],
      [[21, 20], 0, 0, 7],
      [[20, 21], 8000, 0, 5],
      [[20, 21], 0, 0, 1],
      [[21], 0, 0, 3],
    ];
    const first = (await readV2Events(db, [20, 21], 0, 0, 1))[0]!.id;
    cases.push([[20, 21], 0, first + 11, 9], [[20, 21], 0, first + 39, 9], [[20, 21], 0, first + 40, 9], [[22], 0, 0, 10], [[20, 21], 99999, 0, 10]);
    for (const [owners, createdFrom, fromId, limit] of cases) {
      const label = JSON.stringify({ owners, createdFrom, fromId, limit });
      const expected = await readV2Events(db, owners, createdFrom, fromId, limit);
      const page = await readV2EventPage(db, owners, createdFrom, fromId, limit);
      const lines = parse(page.meta);
      let at = 0;
      const got = lines.map((l) => {
        const text = page.data.toString('utf8', at, (at += l.bytes));
        assert.equal(l.bytes, Buffer.byteLength(text), label);
        return { id: l.id, event_type: l.event_type, created_at: l.created_at, data_bytes: l.data_bytes, event_data: text };
      });
      assert.equal(at, page.data.length, label);
      got.sort((a, b) => a.id - b.id);
      assert.deepEqual(got, expected.map((r) => ({ id: r.id, event_type: r.event_type, created_at: Number(r.created_at), data_bytes: r.data_bytes, event_data: r.event_data })), label);
    }
    await acknowledgeV2Events(db, [20, 21], first + 40);
  });

  it('an acknowledgement drops the queues\' rows below the offset; a sweep drops one batch of expired rows, oldest first', async () => {
    const db = t.store.db;
    const all = await readV2Events(db, [10, 11], 0, 0, 10);
    await acknowledgeV2Events(db, [10], all[2]!.id);
    assert.deepEqual((await readV2Events(db, [10, 11], 0, 0, 10)).map((r) => r.owner_id), [11, 10, 10], 'queue 11 keeps its row');
    await deleteV2EventsBefore(db, 2000, 1);
    assert.deepEqual((await readV2Events(db, [10, 11], 0, 0, 10)).map((r) => r.created_at), [1000, 5000], 'one expired row per batch of 1');
    await deleteV2EventsBefore(db, 2000, 1000);
    assert.deepEqual((await readV2Events(db, [10, 11], 0, 0, 10)).map((r) => r.created_at), [5000]);
  });

  it('subscriptions are idempotent; bots are never listed as subscribed people', async () => {
    const db = t.store.db;
    const person = await createUser(db, t.clock, { name: 'Sub', lastName: 'Scriber' });
    const bot = await createUser(db, t.clock, { name: 'Subbot', externalAuthId: 'bot' });
    await addV2Subscriber(db, person, 1);
    await addV2Subscriber(db, person, 2);
    await addV2Subscriber(db, bot, 3);
    assert.equal(await isV2Subscriber(db, person), true);
    assert.equal(await isV2Subscriber(db, bot), true);
    assert.deepEqual(await listV2SubscribedPeople(db), [person]);
    await removeV2Subscriber(db, person);
    await removeV2Subscriber(db, person);
    assert.equal(await isV2Subscriber(db, person), false);
  });

  it('a deleted fetch bot is remembered (the latest deletion wins) and forgotten with its queue', async () => {
    const db = t.store.db;
    await appendV2Events(db, [ev(77), ev(78)], 6000);
    await rememberDeletedV2Bot(db, 77, 'app-one', 100);
    await rememberDeletedV2Bot(db, 77, 'app-two', 200);
    assert.deepEqual(await findDeletedV2Bot(db, 77), { bot_id: 77, app_id: 'app-two', deleted_at: 200 });
    await forgetDeletedV2Bot(db, 77);
    assert.equal(await findDeletedV2Bot(db, 77), undefined);
    assert.deepEqual((await readV2Events(db, [77, 78], 0, 0, 10)).map((r) => r.owner_id), [78], 'only the bot\'s own queue goes');
  });

  it('a cursor never skips an event committed late: ids are handed out in commit order', async () => {
    const { store } = t;
    const first = await store.begin();
    const [firstId] = await appendV2Events(first.trx, [ev(90)], 7000);
    let secondDone = false;
    const second = store.transaction((trx) => appendV2Events(trx, [ev(90)], 7000)).then((ids) => {
      secondDone = true;
      return ids;
    });
    try {
      if (store.dialect === 'postgres') {
        await new Promise((r) => setTimeout(r, 200)); // give the second writer every chance to overtake
        assert.equal(secondDone, false, 'the second writer waits for the first to end');
        // a reader now sees neither: it cannot acknowledge past the first writer's id
        assert.deepEqual(await readV2Events(store.db, [90], 0, 0, 10), []);
      }
    } finally {
      await first.end(true);
    }
    const [secondId] = await second;
    assert.ok(secondId! > firstId!, 'the later commit has the higher id');
    assert.deepEqual((await readV2Events(store.db, [90], 0, 0, 10)).map((r) => r.id), [firstId, secondId]);
  });

  it('a rolled back append leaves no row and no hole a reader could skip over', async () => {
    const { store } = t;
    const u = await store.begin();
    const [lost] = await appendV2Events(u.trx, [ev(91)], 8000);
    await u.end(false);
    const [next] = await appendV2Events(store.db, [ev(91)], 8000);
    assert.equal(next, lost, 'the counter rolled back with the rows');
    assert.deepEqual((await readV2Events(store.db, [91], 0, 0, 10)).map((r) => r.id), [next]);
  });

  it("the console counts each bot's queue and reads its oldest rows", async () => {
    const db = t.store.db;
    const ids = await appendV2Events(db, [ev(501), ev(502), ev(501, 'ONIMV2JOINCHAT')], 9000);
    const lengths = Object.fromEntries((await queueLengths(db)).map((r) => [r.owner_id, Number(r.n)]));
    assert.equal(lengths[501], 2);
    assert.equal(lengths[502], 1);
    assert.deepEqual((await queueRows(db, 501, 1)).map((r) => [r.id, r.event_type]), [[ids[0], 'ONIMV2MESSAGEADD']]);
    assert.deepEqual((await queueRows(db, 501, 10)).map((r) => r.id), [ids[0], ids[2]]);
  });
});
