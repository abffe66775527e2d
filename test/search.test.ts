import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addPerson, assertError, assertResult, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';

/** im.search.* (api-reference/chats/search/) through HTTP. */

const FIND_SHORT: [number, string, string] = [400, 'FIND_SHORT', 'Too short a search phrase.'];
const DIALOG_ID_EMPTY: [number, string, string] = [400, 'DIALOG_ID_EMPTY', "Dialog ID can't be empty"];

describe('search', () => {
  let p: TestPortal;
  let ann: Person;
  let bob: Person;
  let cat: Person;
  let logistics: number;
  let projectChat: number;
  let bobsChat: number;
  let openChat: number;
  const admin = () => p.adminHook;

  before(async () => {
    p = await startPortal();
    logistics = assertResult(await callJson(admin(), 'department.add', { NAME: 'Logistics', PARENT: 1 }));
    ann = await addPerson(p, 'Annabel Lee', { workPosition: 'Chief Engineer' });
    bob = await addPerson(p, 'Bob Stone', { departments: [logistics] });
    cat = await addPerson(p, 'Cat Annsworth');
    assertResult(await callJson(admin(), 'department.update', { ID: logistics, UF_HEAD: bob.id }));
    projectChat = assertResult(await callJson(ann.hook, 'im.chat.add', { TITLE: 'Project Zephyr', USERS: [cat.id] }));
    bobsChat = assertResult(await callJson(bob.hook, 'im.chat.add', { TITLE: 'Zephyr secrets', USERS: [cat.id] }));
    openChat = assertResult(await callJson(bob.hook, 'im.chat.add', { TITLE: 'Zephyr lobby', TYPE: 'OPEN' }));
  });
  after(() => p.stop());

  describe('im.search.user.list', () => {
    const find = async (params: Record<string, unknown>, who = admin()) => (await callJson(who, 'im.search.user.list', params)).body;

    it('finds people by the start of a first name, last name, job title or department name, any case', async () => {
      assert.deepEqual(Object.keys((await find({ FIND: 'ann' })).result), [String(ann.id), String(cat.id)]);
      assert.deepEqual(Object.keys((await find({ FIND: 'STONE' })).result), [String(bob.id)]);
      assert.deepEqual(Object.keys((await find({ FIND: 'engin' })).result), [String(ann.id)]);
      assert.deepEqual(Object.keys((await find({ FIND: 'logist' })).result), [String(bob.id)]);
      assert.deepEqual(Object.keys((await find({ FIND: 'bob sto' })).result), [String(bob.id)]);
      // inside a word is not the start of one
      assert.deepEqual((await find({ FIND: 'tone' })).result, []);
    });

    it('a found person has the card of the docs, keyed by id', async () => {
      const a = await find({ FIND: 'Annabel' });
      assert.equal(a.total, 1);
      const card = a.result[ann.id];
      assert.deepEqual(Object.keys(card), [
        'id', 'name', 'first_name', 'last_name', 'work_position', 'color', 'avatar', 'gender', 'birthday', 'extranet', 'network', 'bot',
        'connector', 'external_auth_id', 'status', 'idle', 'last_activity_date', 'mobile_last_date', 'departments', 'absent', 'phones',
      ]);
      assert.equal(card.id, ann.id);
      assert.equal(card.name, 'Annabel Lee');
      assert.equal(card.work_position, 'Chief Engineer');
      assert.deepEqual(card.departments, [1]);
    });

    it('pages with OFFSET and LIMIT', async () => {
      const first = await find({ FIND: 'ann', LIMIT: 1 });
      assert.deepEqual(Object.keys(first.result), [String(ann.id)]);
      assert.equal(first.total, 2);
      assert.equal(first.next, 1);
      const second = await find({ FIND: 'ann', LIMIT: 1, OFFSET: 1 });
      assert.deepEqual(Object.keys(second.result), [String(cat.id)]);
      assert.equal(second.next, undefined);
    });

    it('FIND missing or under two characters is FIND_SHORT', async () => {
      assertError(await callJson(admin(), 'im.search.user.list', {}), FIND_SHORT);
      assertError(await callJson(admin(), 'im.search.user.list', { FIND: 'a' }), FIND_SHORT);
      assertError(await callJson(admin(), 'im.search.user.list', { FIND: '  b ' }), FIND_SHORT);
    });
  });

  describe('im.search.chat.list', () => {
    const ids = async (who: Person, params: Record<string, unknown>) => (assertResult(await callJson(who.hook, 'im.search.chat.list', params)) as any[]).map((c) => c.id);

    it('finds the chats the caller may open by title or by a member\'s name, newest first', async () => {
      assert.deepEqual(await ids(cat, { FIND: 'zephyr' }), [openChat, bobsChat, projectChat]);
      assert.deepEqual(await ids(ann, { FIND: 'zephyr' }), [openChat, projectChat]);
      assert.deepEqual(await ids(ann, { FIND: 'annsw' }), [projectChat]);
      assert.deepEqual(await ids(ann, { FIND: 'secrets' }), []);
    });

    it('a found chat has the chat card of the docs', async () => {
      const a = await callJson(ann.hook, 'im.search.chat.list', { FIND: 'project' });
      assert.equal(a.body.total, 1);
      const c = a.body.result[0];
      assert.equal(c.name, 'Project Zephyr');
      assert.equal(c.owner, ann.id);
      assert.equal(c.type, 'chat');
      assert.equal(c.role, 'owner');
      assert.equal(c.user_counter, 2);
      assert.equal(c.readed_list, undefined);
      assert.deepEqual(Object.keys(c.permissions), ['manage_users_add', 'manage_users_delete', 'manage_ui', 'manage_settings', 'manage_messages', 'can_post']);
    });

    it('pages; FIND_LINES finds no open lines here; a phrase under two characters is FIND_SHORT', async () => {
      const a = await callJson(cat.hook, 'im.search.chat.list', { FIND: 'zephyr', LIMIT: 2 });
      assert.equal(a.body.total, 3);
      assert.equal(a.body.next, 2);
      const lines = await callJson(cat.hook, 'im.search.chat.list', { FIND_LINES: 'zephyr' });
      assert.deepEqual(lines.body.result, []);
      assert.equal(lines.body.total, 0);
      assertError(await callJson(cat.hook, 'im.search.chat.list', {}), FIND_SHORT);
      assertError(await callJson(cat.hook, 'im.search.chat.list', { FIND: 'z' }), FIND_SHORT);
      assertError(await callJson(cat.hook, 'im.search.chat.list', { FIND_LINES: 'z' }), FIND_SHORT);
    });
  });

  describe('im.search.department.list', () => {
    it('finds departments by the start of a word of their full name; a short phrase lists all', async () => {
      const a = await callJson(admin(), 'im.search.department.list', { FIND: 'logi' });
      assert.deepEqual(a.body.result, [{ id: logistics, name: 'Logistics', full_name: 'Logistics / My Company', manager_user_id: bob.id }]);
      assert.equal(a.body.total, 1);
      const byParent = assertResult(await callJson(admin(), 'im.search.department.list', { FIND: 'my comp' }));
      assert.deepEqual(byParent.map((d: any) => d.id), [1, logistics]);
      const all = await callJson(admin(), 'im.search.department.list', { FIND: '', LIMIT: 1 });
      assert.deepEqual(all.body.result.map((d: any) => d.id), [1]);
      assert.equal(all.body.total, 2);
      assert.equal(all.body.next, 1);
      const user = assertResult(await callJson(admin(), 'im.search.department.list', { FIND: 'logistics', USER_DATA: 'Y' }));
      assert.equal(user[0].manager_user_data.id, bob.id);
      assert.equal(user[0].manager_user_data.name, 'Bob Stone');
    });

    it('without FIND: FIND_SHORT', async () => {
      assertError(await callJson(admin(), 'im.search.department.list', { USER_DATA: 'Y' }), FIND_SHORT);
    });
  });

  describe('im.search.last.*', () => {
    it('adds people and chats, lists them newest first, and deletes them', async () => {
      assert.deepEqual(assertResult(await callJson(ann.hook, 'im.search.last.get')), []);
      assert.equal(assertResult(await callJson(ann.hook, 'im.search.last.add', { DIALOG_ID: bob.id })), true);
      assert.equal(assertResult(await callJson(ann.hook, 'im.search.last.add', { DIALOG_ID: `chat${projectChat}` })), true);
      assert.equal(assertResult(await callJson(ann.hook, 'im.search.last.add', { DIALOG_ID: String(cat.id) })), true);
      // adding again moves it to the top
      assert.equal(assertResult(await callJson(ann.hook, 'im.search.last.add', { DIALOG_ID: String(bob.id) })), true);
      const list = assertResult(await callJson(ann.hook, 'im.search.last.get'));
      assert.deepEqual(list.map((x: any) => [x.id, x.type, x.title]), [
        [bob.id, 'user', 'Bob Stone'],
        [cat.id, 'user', 'Cat Annsworth'],
        [`chat${projectChat}`, 'chat', 'Project Zephyr'],
      ]);
      assert.equal(list[0].user.id, bob.id);
      assert.deepEqual(list[0].user.departments, [logistics]);
      assert.equal(typeof list[0].avatar.color, 'string');
      assert.deepEqual(Object.keys(list[2].chat), ['id', 'name', 'owner', 'extranet', 'avatar', 'color', 'type', 'entity_type', 'entity_id', 'entity_data_1', 'entity_data_2', 'entity_data_3', 'mute_list', 'date_create', 'message_type']);
      assert.equal(list[2].chat.id, projectChat);
      // nobody else's list
      assert.deepEqual(assertResult(await callJson(bob.hook, 'im.search.last.get')), []);

      const kinds = async (params: Record<string, unknown>) => (assertResult(await callJson(ann.hook, 'im.search.last.get', params)) as any[]).map((x) => x.type);
      assert.deepEqual(await kinds({ SKIP_CHAT: 'Y' }), ['user', 'user']);
      assert.deepEqual(await kinds({ SKIP_DIALOG: 'Y' }), ['chat']);
      assert.deepEqual(await kinds({ SKIP_OPENLINES: 'Y' }), ['user', 'user', 'chat']);

      assert.equal(assertResult(await callJson(ann.hook, 'im.search.last.delete', { DIALOG_ID: `chat${projectChat}` })), true);
      assert.equal(assertResult(await callJson(ann.hook, 'im.search.last.delete', { DIALOG_ID: `chat${projectChat}` })), false);
      assert.deepEqual(await kinds({}), ['user', 'user']);
    });

    it('a DIALOG_ID that names nobody the caller may open is DIALOG_ID_EMPTY', async () => {
      for (const DIALOG_ID of [undefined, '', 'abc', 0, 99999, `chat${bobsChat}`, 'chat99999']) {
        assertError(await callJson(ann.hook, 'im.search.last.add', { DIALOG_ID }), DIALOG_ID_EMPTY, String(DIALOG_ID));
      }
      assertError(await callJson(ann.hook, 'im.search.last.delete', {}), DIALOG_ID_EMPTY);
      assertError(await callJson(ann.hook, 'im.search.last.delete', { DIALOG_ID: 'abc' }), DIALOG_ID_EMPTY);
      assert.equal(assertResult(await callJson(ann.hook, 'im.search.last.delete', { DIALOG_ID: 99999 })), false);
    });
  });

  it('`methods` lists the six methods', async () => {
    const list = assertResult(await callJson(admin(), 'methods')) as string[];
    for (const m of ['im.search.user.list', 'im.search.chat.list', 'im.search.department.list', 'im.search.last.add', 'im.search.last.get', 'im.search.last.delete']) assert.ok(list.includes(m), m);
  });

  it('b24jssdk searches people', async () => {
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const hook = B24Hook.fromWebhookUrl(`${p.https}/rest/1/${p.adminCode}`);
    const got = await hook.actions.v2.call.make<any>({ method: 'im.search.user.list', params: { FIND: 'stone' } });
    assert.equal(got.isSuccess, true);
    assert.deepEqual(Object.keys(got.getData()!.result), [String(bob.id)]);
  });
});
