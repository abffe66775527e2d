import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../../src/im/users.js';
import { insertBotOnce } from '../../src/store/repos/bots.js';
import {
  countBotCommands,
  deleteBotCommands,
  deleteCommand,
  findAnswerTokenExpiry,
  findBotCommand,
  findCommand,
  findOwnerCommand,
  insertCommandOnce,
  listBotCommands,
  listCommandLangs,
  listCommandsWithOpenline,
  putAnswerToken,
  replaceCommandLangs,
  setBotCommandsOwner,
  updateCommandRow,
} from '../../src/store/repos/commands.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: bot commands, their languages and answer windows (store/repos/commands.ts). */
describe('store contract: commands', () => {
  let t: TestStore;
  let botA: number;
  let botB: number;
  before(async () => {
    t = await openTestStore();
    const db = t.store.db;
    botA = await createUser(db, t.clock, { name: 'A', externalAuthId: 'bot', userType: 'bot' });
    botB = await createUser(db, t.clock, { name: 'B', externalAuthId: 'bot', userType: 'bot' });
    await insertBotOnce(db, { bot_id: botA, code: 'a', app_id: 'customA', openline: 'Y' });
    await insertBotOnce(db, { bot_id: botB, code: 'b', app_id: 'customA' });
  });
  after(() => t.close());

  it('inserts a command once per bot and text (case-sensitive), looks it up by bot and by owner', async () => {
    const db = t.store.db;
    const echo = await insertCommandOnce(db, { bot_id: botA, app_id: 'customA', command: 'echo' });
    assert.ok(echo);
    assert.equal(await insertCommandOnce(db, { bot_id: botA, app_id: 'customA', command: 'echo' }), undefined);
    const echoUpper = await insertCommandOnce(db, { bot_id: botA, app_id: 'customA', command: 'Echo' });
    const echoB = await insertCommandOnce(db, { bot_id: botB, app_id: 'customA', command: 'echo' });
    assert.ok(echoUpper && echoB && echoB > echo!);
    assert.equal((await findBotCommand(db, botA, 'echo'))?.id, echo);
    assert.equal((await findBotCommand(db, botA, 'ECHO')), undefined);
    assert.equal((await findOwnerCommand(db, 'customA', 'echo'))?.id, echo, 'the lowest id of the owner');
    assert.equal((await findCommand(db, echoB!))?.bot_id, botB);
    assert.deepEqual((await listBotCommands(db, botA)).map((c) => c.command), ['echo', 'Echo']);
    assert.equal(await countBotCommands(db, botA), 2);
    const all = await listCommandsWithOpenline(db);
    assert.deepEqual(all.map((c) => [c.id, c.openline]), [[echo, 'Y'], [echoUpper, 'Y'], [echoB, 'N']]);
  });

  it('16 concurrent inserts of one command make one row', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, () => t.store.transaction((trx) => insertCommandOnce(trx, { bot_id: botB, app_id: 'customA', command: 'race' }))),
    );
    assert.equal(results.filter((r) => r !== undefined).length, 1);
  });

  it('replaces language rows (read in language order), updates, moves owners, deletes with languages', async () => {
    const db = t.store.db;
    const id = (await findBotCommand(db, botA, 'echo'))!.id;
    await replaceCommandLangs(db, id, [{ language_id: 'ru', title: 'Эхо', params: '' }, { language_id: 'en', title: 'Echo', params: 'text' }]);
    assert.deepEqual(await listCommandLangs(db, id), [{ language_id: 'en', title: 'Echo', params: 'text' }, { language_id: 'ru', title: 'Эхо', params: '' }]);
    await replaceCommandLangs(db, id, []);
    assert.deepEqual(await listCommandLangs(db, id), []);
    await replaceCommandLangs(db, id, [{ language_id: 'de', title: 'Echo', params: '' }]);
    await updateCommandRow(db, id, { hidden: 'Y', command: 'say' });
    assert.equal((await findCommand(db, id))?.command, 'say');
    await setBotCommandsOwner(db, botA, 'customNEW');
    assert.deepEqual((await listBotCommands(db, botA)).map((c) => c.app_id), ['customNEW', 'customNEW']);
    assert.equal((await listBotCommands(db, botB))[0]?.app_id, 'customA');
    await deleteCommand(db, id);
    assert.equal(await findCommand(db, id), undefined);
    assert.deepEqual(await listCommandLangs(db, id), []);
    const other = (await listBotCommands(db, botB))[0]!.id;
    await replaceCommandLangs(db, other, [{ language_id: 'en', title: 'x', params: '' }]);
    await deleteBotCommands(db, botB);
    assert.deepEqual(await listBotCommands(db, botB), []);
    assert.deepEqual(await listCommandLangs(db, other), []);
    assert.equal(await countBotCommands(db, botA), 1, 'the other bot keeps its commands');
  });

  it('keeps one answer window per bot and dialog, moved by every put', async () => {
    const db = t.store.db;
    assert.equal(await findAnswerTokenExpiry(db, botA, '5'), undefined);
    await putAnswerToken(db, botA, '5', 1000);
    await putAnswerToken(db, botA, '5', 2000);
    await putAnswerToken(db, botA, 'chat5', 3000);
    assert.equal(await findAnswerTokenExpiry(db, botA, '5'), 2000);
    assert.equal(await findAnswerTokenExpiry(db, botA, 'chat5'), 3000);
    assert.equal(await findAnswerTokenExpiry(db, botB, '5'), undefined);
  });
});
