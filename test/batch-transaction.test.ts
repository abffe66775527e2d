import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addPerson, assertError, assertResult, callJson, request, startPortal, type Person, type TestPortal } from './helpers/server.js';

/**
 * A batch's commands share one transaction (src/rest/pipeline.ts, CommandGroup), committed before
 * the batch answers. What a client sees must be what separate calls give: a failing command
 * changes nothing, the commands around it keep their work, later commands see earlier ones, and
 * everything the answer reports is stored.
 */
describe('batch commands in one shared transaction', () => {
  let p: TestPortal;
  let person: Person;
  let botId: number;

  const batch = (cmd: Record<string, string>, halt = 0) => callJson(p.adminHook, 'batch', { halt, cmd });
  const add = (text: string) => `imbot.message.add?${new URLSearchParams({ CLIENT_ID: 'tx', DIALOG_ID: String(person.id), MESSAGE: text })}`;
  /** The texts of the person's chat with the bot, oldest first, read by a separate call afterwards. */
  const texts = async (): Promise<string[]> => {
    const r = assertResult(await callJson(person.hook, 'im.dialog.messages.get', { DIALOG_ID: botId, LIMIT: 50 }));
    return (r.messages as { text: string }[]).map((m) => m.text).reverse();
  };
  /** The next call of `method` has its first `after` writes succeed and fails the one after. */
  const failNextWrite = async (method: string, after = 0) => {
    const a = await request(`${p.http}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ method, kind: 'store_failure', times: 1, after }),
    });
    assert.equal(a.status, 200, a.text);
  };
  /** imbot.register's first write is the bot's user row, its second the bots row. */
  const register = (code: string) =>
    `imbot.register?${new URLSearchParams({ CODE: code, CLIENT_ID: 'tx', EVENT_HANDLER: 'http://127.0.0.1:9/h', 'PROPERTIES[NAME]': `Partial ${code}` })}`;
  const cantCreate = { error: 'WRONG_REQUEST', error_description: "Bot can't be created" };
  /**
   * What a registration that wrote its user row and then failed could have left: read from the
   * store directly, and through the API (the id the user row would have taken must not exist).
   */
  const assertNoTraceOf = async (code: string, nextUserId: number) => {
    const db = p.server.core.store.db;
    assert.deepEqual(await db.selectFrom('users').select('id').where('name', '=', `Partial ${code}`).execute(), []);
    assert.deepEqual(await db.selectFrom('bots').select('bot_id').where('code', '=', code).execute(), []);
    assert.equal(await lastUserId(), nextUserId - 1);
    assertError(await callJson(p.adminHook, 'im.user.get', { ID: nextUserId }), [400, 'USER_NOT_EXISTS', 'User is not exists']);
    const bots = assertResult(await callJson(p.adminHook, 'imbot.bot.list')) as Record<string, { CODE: string }>;
    assert.ok(!Object.values(bots).some((b) => b.CODE === code), JSON.stringify(bots));
  };
  const lastUserId = async () =>
    (await p.server.core.store.db.selectFrom('users').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id as number;

  before(async () => {
    p = await startPortal();
    person = await addPerson(p, 'Batch Person');
    botId = assertResult(
      await callJson(p.adminHook, 'imbot.register', { CODE: 'txbot', CLIENT_ID: 'tx', EVENT_HANDLER: 'http://127.0.0.1:9/h', PROPERTIES: { NAME: 'Tx' } }),
    );
  });
  after(() => p.stop());

  it('a command whose write fails changes nothing; the commands before and after it are stored', async () => {
    const before = await texts();
    await failNextWrite('imbot.message.update');
    const a = await batch({
      first: add('first'),
      broken: `imbot.message.update?${new URLSearchParams({ CLIENT_ID: 'tx', MESSAGE_ID: '$result[first]', MESSAGE: 'changed' })}`,
      empty: add(' '),
      last: add('last'),
    });
    const r = assertResult(a);
    assert.deepEqual(Object.keys(r.result), ['first', 'last']);
    assert.deepEqual(r.result_error, {
      broken: { error: 'CANT_EDIT_MESSAGE', error_description: "Time has expired for modification or you don't have access" },
      empty: { error: 'MESSAGE_EMPTY', error_description: "Message can't be empty" },
    });
    assert.deepEqual(await texts(), [...before, 'first', 'last']);
  });

  it('a command that wrote and then failed leaves none of its writes; the commands around it keep theirs', async () => {
    const before = await texts();
    const nextUserId = (await lastUserId()) + 1;
    await failNextWrite('imbot.register', 1);
    const r = assertResult(await batch({ a: add('A'), b: register('partial'), c: add('C') }));
    assert.deepEqual(Object.keys(r.result), ['a', 'c']);
    assert.deepEqual(r.result_error, { b: cantCreate });
    assert.deepEqual(Object.keys(r.result_time), ['a', 'c']);
    assert.deepEqual(await texts(), [...before, 'A', 'C']);
    await assertNoTraceOf('partial', nextUserId);
  });

  it('halt=1: the commands before the failing one stay committed, its partial write is gone, nothing after runs', async () => {
    const before = await texts();
    const nextUserId = (await lastUserId()) + 1;
    await failNextWrite('imbot.register', 1);
    const r = assertResult(await batch({ a: add('kept'), b: register('halted'), c: add('never sent'), d: register('never') }, 1));
    assert.deepEqual(r.result, { a: r.result.a });
    assert.equal(typeof r.result.a, 'number');
    assert.deepEqual(r.result_error, { b: cantCreate });
    assert.deepEqual(Object.keys(r.result_time), ['a']);
    assert.deepEqual(await texts(), [...before, 'kept']);
    await assertNoTraceOf('halted', nextUserId);
    await assertNoTraceOf('never', nextUserId);
  });

  it('later commands read what earlier ones wrote, before the batch commits', async () => {
    // The admin (user 1) writes to the person and reads that chat back within one batch.
    const dialog = String(person.id);
    const a = await batch({
      one: `im.message.add?${new URLSearchParams({ DIALOG_ID: dialog, MESSAGE: 'seen by the next command' })}`,
      read: `im.dialog.messages.get?${new URLSearchParams({ DIALOG_ID: dialog, LIMIT: '1' })}`,
    });
    const r = assertResult(a);
    assert.equal(r.result.read.messages[0].id, r.result.one);
    assert.equal(r.result.read.messages[0].text, 'seen by the next command');
  });

  it('a batch of only reads leaves the store to other calls at once', async () => {
    const r = assertResult(await batch({ list: 'imbot.bot.list', me: 'user.current' }));
    assert.equal(r.result.me.ID, '1');
    assertResult(await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'tx', DIALOG_ID: person.id, MESSAGE: 'after' }));
    assert.equal((await texts()).at(-1), 'after');
  });
});
