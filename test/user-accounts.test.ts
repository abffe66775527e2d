import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addWebhook } from '../src/auth/webhooks.js';
import { addPerson, assertError, assertResult, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';

/** user.add, user.update (api-reference/user/) and user.userfield.* (api-reference/user/userfields/) through HTTP. */

const arg = (text: string) => ({ status: 400, error: 'ERROR_ARGUMENT', error_description: text, argument: '' });
const errorBody = (a: any) => ({ status: a.status, ...a.body });

describe('user accounts and custom fields', () => {
  let p: TestPortal;
  let ann: Person;
  let sales: number;
  const admin = () => p.adminHook;
  const userGet = async (id: number) => assertResult(await callJson(admin(), 'user.get', { ID: id }))[0];

  before(async () => {
    p = await startPortal();
    ann = await addPerson(p, 'Ann Lee', { email: 'ann@example.com' });
    sales = assertResult(await callJson(admin(), 'department.add', { NAME: 'Sales', PARENT: 1 }));
  });
  after(() => p.stop());

  describe('user.add', () => {
    it('invites a person into departments and answers the new id', async () => {
      const id = assertResult(await callJson(admin(), 'user.add', { EMAIL: 'new.hire@example.com', NAME: 'Nina', LAST_NAME: 'Hale', WORK_POSITION: 'Clerk', UF_DEPARTMENT: [sales] }));
      assert.equal(typeof id, 'number');
      const u = await userGet(id);
      assert.deepEqual([u.NAME, u.LAST_NAME, u.EMAIL, u.WORK_POSITION, u.UF_DEPARTMENT, u.ACTIVE], ['Nina', 'Hale', 'new.hire@example.com', 'Clerk', [sales], true]);
      // she is in the structure at once
      assert.deepEqual(assertResult(await callJson(admin(), 'im.department.employees.get', { ID: [sales] })), { [sales]: [id] });
      // and found by the department's name
      const found = assertResult(await callJson(admin(), 'user.search', { UF_DEPARTMENT_NAME: 'sal' }));
      assert.deepEqual(found.map((x: any) => Number(x.ID)), [id]);
    });

    it('refuses a missing, malformed or taken EMAIL, no department, extranet without workgroups, and non-administrators; nothing is created', async () => {
      const before = (await callJson(admin(), 'user.get', {})).body.total;
      assert.deepEqual(errorBody(await callJson(admin(), 'user.add', { NAME: 'X', UF_DEPARTMENT: [1] })), arg('wrong_email'));
      assert.deepEqual(errorBody(await callJson(admin(), 'user.add', { EMAIL: 'not-an-address', UF_DEPARTMENT: [1] })), arg('wrong_email'));
      assert.deepEqual(errorBody(await callJson(admin(), 'user.add', { EMAIL: 'ANN@example.com', UF_DEPARTMENT: [1] })), arg('A user with this email already exists'));
      assert.deepEqual(errorBody(await callJson(admin(), 'user.add', { EMAIL: 'free@example.com' })), arg('no_extranet_field'));
      assert.deepEqual(errorBody(await callJson(admin(), 'user.add', { EMAIL: 'free@example.com', UF_DEPARTMENT: [999] })), arg('no_extranet_field'));
      assertError(await callJson(admin(), 'user.add', { EMAIL: 'guest@example.com', EXTRANET: 'Y' }), [400, 'ERROR_GROUPID', 'Group code not specified']);
      assertError(await callJson(admin(), 'user.add', { EMAIL: 'guest@example.com', EXTRANET: 'Y', SONET_GROUP_ID: [5] }), [400, 'ERROR_NO_GROUP', 'Group is specified incorrectly']);
      assertError(await callJson(ann.hook, 'user.add', { EMAIL: 'mine@example.com', UF_DEPARTMENT: [1] }), [400, 'ERROR_CORE', 'access_denied']);
      assert.equal((await callJson(admin(), 'user.get', {})).body.total, before);
    });

    it('two invitations of one address at once make one user', async () => {
      const both = await Promise.all([0, 1].map(() => callJson(admin(), 'user.add', { EMAIL: 'twice@example.com', UF_DEPARTMENT: [1] })));
      assert.deepEqual(both.map((a) => a.status).sort(), [200, 400]);
      assert.equal(assertResult(await callJson(admin(), 'user.get', { EMAIL: 'twice@example.com' })).length, 1);
    });
  });

  describe('user.update', () => {
    it('changes the given fields, ACTIVE and departments', async () => {
      const bob = await addPerson(p, 'Bob', { email: 'bob@example.com' });
      assert.equal(assertResult(await callJson(admin(), 'user.update', { ID: bob.id, LAST_NAME: 'Stone', PERSONAL_GENDER: 'M', UF_DEPARTMENT: [sales, 1] })), true);
      let u = await userGet(bob.id);
      assert.deepEqual([u.NAME, u.LAST_NAME, u.PERSONAL_GENDER, u.UF_DEPARTMENT, u.EMAIL], ['Bob', 'Stone', 'M', [sales, 1], 'bob@example.com']);
      assertResult(await callJson(admin(), 'user.update', { ID: bob.id, ACTIVE: 'N' }));
      u = assertResult(await callJson(admin(), 'user.get', { ID: bob.id, ACTIVE: false }))[0];
      assert.equal(u.ACTIVE, false);
      assertResult(await callJson(admin(), 'user.update', { ID: bob.id, ACTIVE: 'Y', EMAIL: 'BOB@example.com' }));
      assert.equal((await userGet(bob.id)).EMAIL, 'BOB@example.com');
    });

    it('refuses an unknown ID, a taken e-mail and non-administrators; nothing changes', async () => {
      assertError(await callJson(admin(), 'user.update', { ID: 99999, NAME: 'X' }), [400, 'ERROR_CORE', 'access_denied']);
      assertError(await callJson(admin(), 'user.update', { NAME: 'X' }), [400, 'ERROR_CORE', 'access_denied']);
      assertError(await callJson(ann.hook, 'user.update', { ID: ann.id, NAME: 'X' }), [400, 'ERROR_CORE', 'access_denied']);
      assert.deepEqual(errorBody(await callJson(admin(), 'user.update', { ID: ann.id, NAME: 'Changed', EMAIL: 'new.hire@example.com' })), arg('A user with this email already exists'));
      assert.equal((await userGet(ann.id)).NAME, 'Ann Lee');
    });
  });

  describe('user.userfield.*', () => {
    const notAdmin: [number, string, string] = [400, '', 'Access denied.'];

    it('adds a field (UF_USR_ prefix), lists it, people get values through user.update, user.get and user.fields show them', async () => {
      const id = assertResult(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'shoe_size', USER_TYPE_ID: 'integer', SORT: 50, EDIT_FORM_LABEL: { en: 'Shoe size' } } }));
      assert.equal(typeof id, 'number');
      const tags = assertResult(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'UF_TAGS', USER_TYPE_ID: 'string', MULTIPLE: 'Y', LABEL: 'Tags', SETTINGS: { SIZE: 20 } } }));
      const list = await callJson(admin(), 'user.userfield.list', {});
      assert.equal(list.body.total, 2);
      assert.deepEqual(list.body.result[0], {
        ID: String(id), ENTITY_ID: 'USER', FIELD_NAME: 'UF_USR_SHOE_SIZE', USER_TYPE_ID: 'integer', XML_ID: null, SORT: '50', MULTIPLE: 'N',
        MANDATORY: 'N', SHOW_FILTER: 'N', SHOW_IN_LIST: 'Y', EDIT_IN_LIST: 'Y', IS_SEARCHABLE: 'N', SETTINGS: [],
      });
      assert.deepEqual(list.body.result[1].SETTINGS, { SIZE: 20 });
      assert.equal(list.body.result[1].FIELD_NAME, 'UF_USR_TAGS');
      const filtered = assertResult(await callJson(admin(), 'user.userfield.list', { filter: { MULTIPLE: 'Y' } }));
      assert.deepEqual(filtered.map((f: any) => f.ID), [String(tags)]);
      const ordered = assertResult(await callJson(admin(), 'user.userfield.list', { order: { SORT: 'desc' } }));
      assert.deepEqual(ordered.map((f: any) => f.ID), [String(tags), String(id)]);

      assertResult(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_SHOE_SIZE: 38, UF_USR_TAGS: ['a', 'b'] }));
      const u = await userGet(ann.id);
      assert.equal(u.UF_USR_SHOE_SIZE, '38');
      assert.deepEqual(u.UF_USR_TAGS, ['a', 'b']);
      const other = await userGet(1);
      assert.equal(other.UF_USR_SHOE_SIZE, '');
      assert.deepEqual(other.UF_USR_TAGS, []);
      const fields = assertResult(await callJson(admin(), 'user.fields'));
      assert.equal(fields.UF_USR_SHOE_SIZE, 'Shoe size');
      assert.equal(fields.UF_USR_TAGS, 'Tags');
      const me = assertResult(await callJson(ann.hook, 'user.current'));
      assert.equal(me.UF_USR_SHOE_SIZE, '38');
      const hired = assertResult(await callJson(admin(), 'user.add', { EMAIL: 'tagged@example.com', UF_DEPARTMENT: [1], UF_USR_TAGS: 'x' }));
      assert.deepEqual((await userGet(hired)).UF_USR_TAGS, ['x']);
    });

    it('user.userfield.add refusals', async () => {
      assertError(await callJson(admin(), 'user.userfield.add', { fields: { USER_TYPE_ID: 'string' } }), [400, '', "The 'FIELD_NAME' field is not found."]);
      assertError(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'A1' } }), [400, '', "The 'USER_TYPE_ID' field is not found."]);
      assertError(await callJson(admin(), 'user.userfield.add', {}), [400, '', "The 'FIELD_NAME' field is not found."]);
      const empty = await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'A1', USER_TYPE_ID: '' } });
      assert.deepEqual(errorBody(empty), { status: 400, error: 'ERROR_ARGUMENT', error_description: "Argument 'USER_TYPE_ID' is null or empty", argument: 'USER_TYPE_ID' });
      assertError(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'UF_USR_SHOE_SIZE', USER_TYPE_ID: 'string' } }), [400, 'ERROR_CORE', 'Field UF_USR_SHOE_SIZE for USER object already exists']);
      assertError(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'bad name!', USER_TYPE_ID: 'string' } }), [400, 'ERROR_CORE', 'Fail to create new user field']);
      assertError(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'A2', USER_TYPE_ID: 'no_such_type' } }), [400, 'ERROR_CORE', 'Fail to create new user field']);
      assertError(await callJson(ann.hook, 'user.userfield.add', { fields: { FIELD_NAME: 'A3', USER_TYPE_ID: 'string' } }), notAdmin);
      assert.equal((await callJson(admin(), 'user.userfield.list', {})).body.total, 2);
    });

    it('user.userfield.update changes settings and labels, not the name or type; refusals', async () => {
      const [f] = assertResult(await callJson(admin(), 'user.userfield.list', { filter: { FIELD_NAME: 'UF_USR_SHOE_SIZE' } }));
      assert.equal(assertResult(await callJson(admin(), 'user.userfield.update', { id: f.ID, fields: { SORT: 900, MANDATORY: 'Y', XML_ID: 'shoes', USER_TYPE_ID: 'string', EDIT_FORM_LABEL: 'Shoe' } })), true);
      const [g] = assertResult(await callJson(admin(), 'user.userfield.list', { filter: { ID: f.ID } }));
      assert.deepEqual([g.SORT, g.MANDATORY, g.XML_ID, g.USER_TYPE_ID], ['900', 'Y', 'shoes', 'integer']);
      assert.equal(assertResult(await callJson(admin(), 'user.fields')).UF_USR_SHOE_SIZE, 'Shoe');
      assertError(await callJson(admin(), 'user.userfield.update', { fields: { SORT: 1 } }), [400, '', 'ID is not defined or invalid']);
      assertError(await callJson(admin(), 'user.userfield.update', { id: 'abc' }), [400, '', 'ID is not defined or invalid']);
      assertError(await callJson(admin(), 'user.userfield.update', { id: 99999, fields: { SORT: 1 } }), [400, '', 'Access denied.']);
      assertError(await callJson(ann.hook, 'user.userfield.update', { id: f.ID, fields: { SORT: 1 } }), notAdmin);
    });

    it('user.userfield.delete removes the field and its values; refusals', async () => {
      const [f] = assertResult(await callJson(admin(), 'user.userfield.list', { filter: { FIELD_NAME: 'UF_USR_TAGS' } }));
      assertError(await callJson(ann.hook, 'user.userfield.delete', { id: f.ID }), notAdmin);
      assert.equal(assertResult(await callJson(admin(), 'user.userfield.delete', { id: f.ID })), true);
      assert.equal((await userGet(ann.id)).UF_USR_TAGS, undefined);
      assertError(await callJson(admin(), 'user.userfield.delete', { id: f.ID }), [400, '', 'Access denied.']);
      assertError(await callJson(admin(), 'user.userfield.delete', {}), [400, '', 'ID is not defined or invalid']);
      assertError(await callJson(ann.hook, 'user.userfield.list', {}), notAdmin);
    });

    it('user.userfield.* need the user.userfield scope', async () => {
      const hook = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'user' });
      assertError(await callJson(`${p.http}/rest/1/${hook.code}`, 'user.userfield.list'), [401, 'insufficient_scope', 'The request requires higher privileges than provided by the webhook token']);
    });
  });

  it('`methods` lists the six methods', async () => {
    const list = assertResult(await callJson(admin(), 'methods')) as string[];
    for (const m of ['user.add', 'user.update', 'user.userfield.add', 'user.userfield.update', 'user.userfield.delete', 'user.userfield.list']) assert.ok(list.includes(m), m);
  });

  it('b24jssdk invites a person and adds a custom field', async () => {
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const hook = B24Hook.fromWebhookUrl(`${p.https}/rest/1/${p.adminCode}`);
    const added = await hook.actions.v2.call.make<number>({ method: 'user.add', params: { EMAIL: 'sdk@example.com', NAME: 'Sid', UF_DEPARTMENT: [sales] } });
    assert.equal(added.isSuccess, true);
    assert.equal(typeof added.getData()!.result, 'number');
    const field = await hook.actions.v2.call.make<number>({ method: 'user.userfield.add', params: { fields: { FIELD_NAME: 'SDK', USER_TYPE_ID: 'string' } } });
    assert.equal(typeof field.getData()!.result, 'number');
  });
});
