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

describe('enumeration user fields and user.userfield.file.get', () => {
  let p: TestPortal;
  let ann: Person;
  const admin = () => p.adminHook;
  const userGet = async (id: number) => assertResult(await callJson(admin(), 'user.get', { ID: id }))[0];
  const listed = async (name: string) => assertResult(await callJson(admin(), 'user.userfield.list', { filter: { FIELD_NAME: name } }))[0];

  before(async () => {
    p = await startPortal();
    ann = await addPerson(p, 'Ann Lee', { email: 'ann@example.com' });
  });
  after(() => p.stop());

  it('user.userfield.add keeps the LIST items of an enumeration field; user.userfield.list shows them by SORT', async () => {
    const id = assertResult(
      await callJson(admin(), 'user.userfield.add', {
        fields: {
          FIELD_NAME: 'LEVEL',
          USER_TYPE_ID: 'enumeration',
          SETTINGS: { DISPLAY: 'UI' },
          LIST: [{ VALUE: 'Senior', SORT: 300 }, { VALUE: 'Junior', SORT: 100, DEF: 'Y', XML_ID: 'jr' }, { VALUE: 'Middle' }, { VALUE: '' }, 'not an item'],
        },
      }),
    );
    const f = await listed('UF_USR_LEVEL');
    assert.equal(f.ID, String(id));
    assert.deepEqual(f.SETTINGS, { DISPLAY: 'UI' });
    assert.deepEqual(f.LIST.map((i: any) => [i.VALUE, i.SORT, i.DEF]), [['Junior', '100', 'Y'], ['Senior', '300', 'N'], ['Middle', '500', 'N']], 'by SORT; default SORT 500, DEF N; an empty VALUE or a non-array entry adds nothing');
    assert.deepEqual(Object.keys(f.LIST[0]), ['ID', 'SORT', 'VALUE', 'DEF', 'XML_ID']);
    assert.equal(f.LIST[0].XML_ID, 'jr');
    assert.match(f.LIST[1].XML_ID, /^[0-9a-f]{32}$/, 'an XML_ID is made when none is given');
    assert.ok(f.LIST.every((i: any) => /^[1-9][0-9]*$/.test(i.ID)));
    // other types have no LIST, even when one is sent
    assertResult(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'NOTE', USER_TYPE_ID: 'string', LIST: [{ VALUE: 'x' }] } }));
    assert.equal('LIST' in (await listed('UF_USR_NOTE')), false);
  });

  it('user.userfield.update changes items by ID, removes them with DEL=Y and adds entries without an ID', async () => {
    const f = await listed('UF_USR_LEVEL');
    const [junior, senior, middle] = f.LIST;
    const update = await callJson(admin(), 'user.userfield.update', {
      id: f.ID,
      fields: { LIST: [{ ID: junior.ID, VALUE: 'Trainee', SORT: 50 }, { ID: senior.ID, DEL: 'Y' }, { VALUE: 'Lead', SORT: 400, DEF: 'Y' }, { ID: 999999, VALUE: 'Stranger' }] },
    });
    assert.equal(assertResult(update), true);
    const g = await listed('UF_USR_LEVEL');
    assert.deepEqual(g.LIST.map((i: any) => [i.ID === junior.ID || i.ID === middle.ID ? i.ID : 'new', i.VALUE, i.SORT, i.DEF]), [
      [junior.ID, 'Trainee', '50', 'Y'],
      ['new', 'Lead', '400', 'Y'],
      [middle.ID, 'Middle', '500', 'N'],
    ]);
    assert.equal(g.LIST[0].XML_ID, 'jr', 'what an entry leaves out stays');
  });

  it("a person's value is an item's id: user.update and user.add check it against the list, nothing changes on a refusal", async () => {
    const f = await listed('UF_USR_LEVEL');
    const middle = f.LIST.find((i: any) => i.VALUE === 'Middle');
    assert.equal(assertResult(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_LEVEL: middle.ID })), true);
    assert.equal((await userGet(ann.id)).UF_USR_LEVEL, middle.ID);
    const wrong = (v: unknown) => [400, 'ERROR_CORE', `Wrong value of the field "UF_USR_LEVEL": ${JSON.stringify(String(v))} is not an item of its list`] as [number, string, string];
    assertError(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_LEVEL: 'Senior', NAME: 'Changed' }), wrong('Senior'));
    assertError(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_LEVEL: 999999 }), wrong(999999));
    const after = await userGet(ann.id);
    assert.deepEqual([after.UF_USR_LEVEL, after.NAME], [middle.ID, 'Ann Lee'], 'the refused call changed nothing');
    // another enumeration field's item is not this field's
    const other = assertResult(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'SKILLS', USER_TYPE_ID: 'enumeration', MULTIPLE: 'Y', LIST: [{ VALUE: 'Go' }, { VALUE: 'SQL' }] } }));
    const skills = (await listed('UF_USR_SKILLS')).LIST;
    assert.equal((await listed('UF_USR_SKILLS')).ID, String(other));
    assertError(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_LEVEL: skills[0].ID }), wrong(skills[0].ID));
    assert.equal(assertResult(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_SKILLS: skills.map((s: any) => s.ID) })), true);
    assert.deepEqual((await userGet(ann.id)).UF_USR_SKILLS, skills.map((s: any) => s.ID));
    assertError(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_SKILLS: [skills[0].ID, middle.ID] }), [400, 'ERROR_CORE', `Wrong value of the field "UF_USR_SKILLS": ${JSON.stringify(middle.ID)} is not an item of its list`]);
    assert.equal(assertResult(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_LEVEL: '' })), true, 'empty clears');
    assert.equal((await userGet(ann.id)).UF_USR_LEVEL, '');
    const count = (await callJson(admin(), 'user.get', {})).body.total;
    assertError(await callJson(admin(), 'user.add', { EMAIL: 'lvl@example.com', UF_DEPARTMENT: [1], UF_USR_LEVEL: 'Lead' }), wrong('Lead'));
    assert.equal((await callJson(admin(), 'user.get', {})).body.total, count, 'nobody was added');
    const lead = (await listed('UF_USR_LEVEL')).LIST.find((i: any) => i.VALUE === 'Lead');
    const hired = assertResult(await callJson(admin(), 'user.add', { EMAIL: 'lvl@example.com', UF_DEPARTMENT: [1], UF_USR_LEVEL: lead.ID }));
    assert.equal((await userGet(hired)).UF_USR_LEVEL, lead.ID);
  });

  it('user.userfield.delete takes the list items with the field', async () => {
    const f = await listed('UF_USR_SKILLS');
    assert.equal(assertResult(await callJson(admin(), 'user.userfield.delete', { id: f.ID })), true);
    const left = await p.server.core.store.db.selectFrom('user_field_enums').select('id').where('field_id', '=', Number(f.ID)).execute();
    assert.deepEqual(left, []);
  });

  it("user.userfield.file.get answers the portal's errors in its order (no user-field file is ever stored here)", async () => {
    assertResult(await callJson(admin(), 'user.userfield.add', { fields: { FIELD_NAME: 'CV', USER_TYPE_ID: 'file' } }));
    const get = (params: Record<string, unknown>, hook = admin()) => callJson(hook, 'user.userfield.file.get', params);
    const notAllowed: [number, string, string] = [400, 'ENTITY_NOT_ALLOW', 'Entity not allow.'];
    const notFound: [number, string, string] = [400, 'FILE_NOT_FOUND', 'File not found.'];
    assertError(await get({ id: ann.id, field: 'UF_USR_CV', value: 774 }), notAllowed, 'no value yet');
    assert.equal(assertResult(await callJson(admin(), 'user.update', { ID: ann.id, UF_USR_CV: 774 })), true);
    assertError(await get({ id: ann.id, field: 'UF_USR_CV', value: 775 }), notFound, 'not her file');
    assertError(await get({ id: ann.id, field: 'UF_USR_CV', value: 774 }), notFound, 'her file: no bytes are kept for user fields');
    assertError(await get({ id: ann.id, field: 'UF_USR_CV', value: 0 }), notAllowed, 'value 0');
    assertError(await get({ id: ann.id, field: 'UF_USR_NOTE', value: 774 }), notAllowed, 'not a file field');
    assertError(await get({ id: ann.id, field: 'UF_USR_NOPE', value: 774 }), notAllowed, 'no such field');
    assertError(await get({ id: 999999, field: 'UF_USR_CV', value: 774 }), notAllowed, 'no such person');
    assertError(await get({ ID: ann.id, FIELD: 'UF_USR_CV', VALUE: 774 }), notAllowed, 'keys are read exactly as the page writes them');
    const narrow = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'user.userfield' });
    assertError(await get({ id: ann.id, field: 'UF_USR_CV', value: 774 }, `${p.http}/rest/1/${narrow.code}`), [400, 'INVALID_CREDENTIALS', 'Invalid request credentials'], 'without the user scope');
    const noScope = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'user' });
    assertError(await get({ id: ann.id, field: 'UF_USR_CV', value: 774 }, `${p.http}/rest/1/${noScope.code}`), [401, 'insufficient_scope', 'The request requires higher privileges than provided by the webhook token']);
    assert.ok((assertResult(await callJson(admin(), 'methods')) as string[]).includes('user.userfield.file.get'));
  });
});
