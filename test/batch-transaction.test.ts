import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addPerson, assertResult, callJson, request, startPortal, type Person, type TestPortal } from './helpers/server.js';

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

  const batch = (cmd: Record<string, string>) => callJson(p.adminHook, 'batch', { halt: 0, cmd });
  const add = (text: string) => `imbot.message.add?${new URLSearchParams({ CLIENT_ID: 'tx', DIALOG_ID: String(person.id), MESSAGE: text })}`;
  /** The texts of the person's chat with the bot, oldest first, read by a separate call afterwards. */
  const texts = async (): Promise<string[]> => {
    const r = assertResult(await callJson(person.hook, 'im.dialog.messages.get', { DIALOG_ID: botId, LIMIT: 50 }));
    return (r.messages as { text: string }[]).map((m) => m.text).reverse();
  };
  const failNextWrite = async (method: string) => {
    const a = await request(`${p.http}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ method, kind: 'store_failure', times: 1 }),
    });
    assert.equal(a.status, 200, a.text);
  };

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
