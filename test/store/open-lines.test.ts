import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  findOpenLine,
  insertOpenLine,
  insertSession,
  latestSessionOfChat,
  latestSessionOfVisitor,
  listOpenLines,
  queueOf,
  sessionsOfLine,
  updateSession,
} from '../../src/store/repos/open-lines.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: open lines and their sessions (store/repos/open-lines.ts), on the suite's engine. */
describe('store contract: open lines', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('lines keep their bot, queue order and welcome text, listed by id', async () => {
    const db = t.store.db;
    const a = await insertOpenLine(db, { name: 'A', botId: 5, queue: [3, 1, 2], welcomeMessage: 'hi', createdAt: 1 });
    const b = await insertOpenLine(db, { name: 'B', botId: 0, queue: [], welcomeMessage: '', createdAt: 2 });
    assert.ok(b > a);
    const line = (await findOpenLine(db, a))!;
    assert.equal(line.bot_id, 5);
    assert.deepEqual(queueOf(line), [3, 1, 2]);
    assert.equal(line.welcome_message, 'hi');
    assert.deepEqual((await listOpenLines(db)).map((l) => l.name), ['A', 'B']);
    assert.equal(await findOpenLine(db, 999), undefined);
  });

  it('the newest session of a chat and of a visitor wins; updates change only the named session', async () => {
    const db = t.store.db;
    const s1 = await insertSession(db, { lineId: 1, chatId: 10, visitorId: 7, status: 'bot', botId: 5, operatorId: 0, startedAt: 100 });
    await updateSession(db, s1, { status: 'closed', closed_at: 200 });
    const s2 = await insertSession(db, { lineId: 1, chatId: 10, visitorId: 7, status: 'bot', botId: 5, operatorId: 0, startedAt: 300 });
    await insertSession(db, { lineId: 1, chatId: 11, visitorId: 8, status: 'operator', botId: 0, operatorId: 3, startedAt: 400 });
    assert.equal((await latestSessionOfChat(db, 10))!.id, s2);
    assert.equal((await latestSessionOfVisitor(db, 1, 7))!.id, s2);
    assert.equal(await latestSessionOfVisitor(db, 2, 7), undefined);
    await updateSession(db, s2, { status: 'operator', operator_id: 3 });
    const all = await sessionsOfLine(db, 1);
    assert.deepEqual(all.map((s) => [s.chat_id, s.status, s.operator_id, s.closed_at === null ? null : Number(s.closed_at)]), [
      [10, 'closed', 0, 200],
      [10, 'operator', 3, null],
      [11, 'operator', 3, null],
    ]);
  });
});
