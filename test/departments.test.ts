import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addWebhook } from '../src/auth/webhooks.js';
import { addPerson, assertError, assertResult, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';

/** department.* (api-reference/departments/) and im.department.* (api-reference/chats/departments/) through HTTP. */

const core = (text: string): [number, string, string] => [400, 'ERROR_CORE', text];
const ACCESS_ERROR: [number, string, string] = [403, 'ACCESS_ERROR', 'Only intranet users have access to this method.'];

describe('departments', () => {
  let p: TestPortal;
  let ann: Person;
  let eve: Person;
  const admin = () => p.adminHook;
  const call = (method: string, params: Record<string, unknown> = {}, who = admin()) => callJson(who, method, params);
  const list = async (params: Record<string, unknown> = {}) => (await call('department.get', params)).body;

  before(async () => {
    p = await startPortal();
    ann = await addPerson(p, 'Ann Lee');
    eve = await addPerson(p, 'Eve Out', { userType: 'extranet', departments: [] });
  });
  after(() => p.stop());

  it('a new portal has one top-level department, the company, headed by the administrator', async () => {
    const a = await list();
    assert.deepEqual(a.result, [{ ID: '1', NAME: 'My Company', SORT: 500, UF_HEAD: '1' }]);
    assert.equal(a.total, 1);
    assert.equal(a.next, undefined);
  });

  it('department.fields names the five fields', async () => {
    assert.deepEqual(assertResult(await call('department.fields')), { ID: 'ID', NAME: 'Department Name', SORT: 'Sort Order', PARENT: 'Parent Department', UF_HEAD: 'Manager' });
  });

  it('department.add creates a department under a parent and answers its id', async () => {
    const id = assertResult(await call('department.add', { NAME: 'Sales', PARENT: 1, SORT: 300, UF_HEAD: ann.id }));
    assert.equal(typeof id, 'number');
    assert.deepEqual((await list({ ID: id })).result, [{ ID: String(id), NAME: 'Sales', SORT: 300, PARENT: '1', UF_HEAD: String(ann.id) }]);
    // lower-case keys are the same parameters; no SORT → 500, no UF_HEAD → no head
    const plain = assertResult(await call('department.add', { name: 'Support', parent: String(id) }));
    assert.deepEqual((await list({ ID: plain })).result, [{ ID: String(plain), NAME: 'Support', SORT: 500, PARENT: String(id) }]);
    await call('department.delete', { ID: plain });
    await call('department.delete', { ID: id });
  });

  it('department.add refusals: no NAME, no or unknown PARENT, not an administrator; nothing is created', async () => {
    assertError(await call('department.add', { PARENT: 1 }), core('Department name not provided.<br>'));
    assertError(await call('department.add', { NAME: '', PARENT: 1 }), core('Department name not provided.<br>'));
    assertError(await call('department.add', { NAME: 'Top' }), core('There can only be one top-level department in the company structure'));
    assertError(await call('department.add', { NAME: 'Top', PARENT: 0 }), core('There can only be one top-level department in the company structure'));
    assertError(await call('department.add', { NAME: 'Lost', PARENT: 999 }), core('There can only be one top-level department in the company structure'));
    assertError(await call('department.add', { NAME: 'Mine', PARENT: 1 }, ann.hook), core('Access denied'));
    // the access check comes first
    assertError(await call('department.add', {}, ann.hook), core('Access denied'));
    assert.equal((await list()).total, 1);
    // the wire carries the text the way PHP's JSON encoder writes it
    const raw = await call('department.add', { PARENT: 1 });
    assert.match(raw.text, /Department name not provided\.\\u003Cbr\\u003E/);
  });

  it('department.get filters by ID, NAME, SORT, PARENT, UF_HEAD and sorts by any of them', async () => {
    const a = assertResult(await call('department.add', { NAME: 'Alpha', PARENT: 1, SORT: 100 }));
    const b = assertResult(await call('department.add', { NAME: 'Beta', PARENT: a, SORT: 200, UF_HEAD: ann.id }));
    const c = assertResult(await call('department.add', { NAME: 'Gamma', PARENT: 1, SORT: 100 }));
    const names = async (params: Record<string, unknown>) => (await list(params)).result.map((d: any) => d.NAME);
    assert.deepEqual(await names({ PARENT: 1 }), ['Alpha', 'Gamma']);
    assert.deepEqual(await names({ NAME: 'Beta' }), ['Beta']);
    assert.deepEqual(await names({ SORT: 100 }), ['Alpha', 'Gamma']);
    assert.deepEqual(await names({ UF_HEAD: ann.id }), ['Beta']);
    assert.deepEqual(await names({ ID: c }), ['Gamma']);
    assert.deepEqual(await names({ sort: 'NAME', order: 'DESC' }), ['My Company', 'Gamma', 'Beta', 'Alpha']);
    assert.deepEqual(await names({ sort: 'SORT', order: 'ASC' }), ['Alpha', 'Gamma', 'Beta', 'My Company']);
    assert.deepEqual(await names({ sort: 'PARENT', PARENT: 1, order: 'desc' }), ['Alpha', 'Gamma']);
    assert.deepEqual(await names({}), ['My Company', 'Alpha', 'Beta', 'Gamma']);
    for (const id of [b, a, c]) assertResult(await call('department.delete', { ID: id }));
  });

  it('department.get pages by 50 with start', async () => {
    const ids: number[] = [];
    const batch: Record<string, string> = {};
    for (let i = 0; i < 50; i++) batch[`d${i}`] = `department.add?NAME=Unit%20${i}&PARENT=1`;
    const made = assertResult(await call('batch', { halt: 1, cmd: batch }));
    ids.push(...Object.values(made.result as Record<string, number>));
    const first = await list();
    assert.equal(first.result.length, 50);
    assert.equal(first.total, 51);
    assert.equal(first.next, 50);
    const second = await list({ start: 50 });
    assert.equal(second.result.length, 1);
    assert.equal(second.next, undefined);
    for (const id of ids) await call('department.delete', { ID: id });
    assert.equal((await list()).total, 1);
  });

  it('department.update changes the given fields only; refusals change nothing', async () => {
    const a = assertResult(await call('department.add', { NAME: 'Ops', PARENT: 1 }));
    const b = assertResult(await call('department.add', { NAME: 'Night shift', PARENT: a }));
    assert.equal(assertResult(await call('department.update', { ID: b, NAME: 'Late shift', UF_HEAD: ann.id })), true);
    assert.deepEqual((await list({ ID: b })).result, [{ ID: String(b), NAME: 'Late shift', SORT: 500, PARENT: String(a), UF_HEAD: String(ann.id) }]);
    assert.equal(assertResult(await call('department.update', { ID: b, PARENT: 1, SORT: 10, UF_HEAD: 0 })), true);
    assert.deepEqual((await list({ ID: b })).result, [{ ID: String(b), NAME: 'Late shift', SORT: 10, PARENT: '1' }]);
    assertError(await call('department.update', { ID: 999, NAME: 'x' }), core('Department not found'));
    assertError(await call('department.update', { NAME: 'x' }), core('Department not found'));
    assertError(await call('department.update', { ID: b, NAME: 'x' }, ann.hook), core('Access denied'));
    assertError(await call('department.update', { ID: b, PARENT: 0 }), core('There can only be one top-level department in the company structure'));
    assertError(await call('department.update', { ID: 1, PARENT: a }), core('There can only be one top-level department in the company structure'));
    assertResult(await call('department.update', { ID: b, PARENT: a }));
    assertError(await call('department.update', { ID: a, PARENT: b }), core('A department cannot be moved under itself or one of its subdepartments'));
    assertError(await call('department.update', { ID: a, NAME: '' }), core('Department name not provided.<br>'));
    assert.deepEqual((await list({ ID: a })).result, [{ ID: String(a), NAME: 'Ops', SORT: 500, PARENT: '1' }]);
    await call('department.delete', { ID: a });
  });

  it('department.delete removes the department and those below it; their people move to the ones they keep', async () => {
    const a = assertResult(await call('department.add', { NAME: 'Lab', PARENT: 1 }));
    const b = assertResult(await call('department.add', { NAME: 'Lab team', PARENT: a }));
    const c = assertResult(await call('department.add', { NAME: 'Kept', PARENT: 1 }));
    const zed = await addPerson(p, 'Zed Moore', { departments: [b, c] });
    const una = await addPerson(p, 'Una Fox', { departments: [a] });
    assertError(await call('department.delete', { ID: a }, ann.hook), core('Access denied'));
    assert.equal(assertResult(await call('department.delete', { ID: a })), true);
    assert.deepEqual((await list({ PARENT: a })).result, []);
    assert.equal((await list({ ID: b })).total, 0);
    const departmentsOf = async (id: number) => assertResult(await call('user.get', { ID: id }))[0].UF_DEPARTMENT;
    assert.deepEqual(await departmentsOf(zed.id), [c]);
    assert.deepEqual(await departmentsOf(una.id), [1]);
    assertError(await call('department.delete', { ID: a }), core('Department not found'));
    assertError(await call('department.delete', {}), core('Department not found'));
    assertError(await call('department.delete', { ID: 1 }), core('The top-level department cannot be deleted'));
    await call('department.delete', { ID: c });
  });

  it('`methods` lists the nine methods', async () => {
    const list = assertResult(await call('methods')) as string[];
    for (const m of ['department.get', 'department.fields', 'department.add', 'department.update', 'department.delete', 'im.department.get', 'im.department.managers.get', 'im.department.employees.get', 'im.department.colleagues.list']) assert.ok(list.includes(m), m);
  });

  it('department.* need the department scope', async () => {
    const hook = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'im' });
    assertError(await callJson(`${p.http}/rest/1/${hook.code}`, 'department.get'), [401, 'insufficient_scope', 'The request requires higher privileges than provided by the webhook token']);
  });

  describe('im.department.*', () => {
    let sales: number;
    let east: number;
    let boss: Person;
    let mia: Person;
    let max: Person;
    let kim: Person;

    before(async () => {
      sales = assertResult(await call('department.add', { NAME: 'Sales', PARENT: 1 }));
      east = assertResult(await call('department.add', { NAME: 'East', PARENT: sales }));
      boss = await addPerson(p, 'Bea Boss', { workPosition: 'Head of Sales', departments: [sales] });
      assertResult(await call('department.update', { ID: sales, UF_HEAD: boss.id }));
      mia = await addPerson(p, 'Mia East', { departments: [east] });
      max = await addPerson(p, 'Max Seller', { departments: [sales] });
      kim = await addPerson(p, 'Kim Seller', { departments: [sales] });
    });

    it('im.department.get describes departments with their full name and head', async () => {
      const r = assertResult(await call('im.department.get', { ID: [east, sales, 999] }));
      assert.deepEqual(r, [
        { id: east, name: 'East', full_name: 'East / Sales', manager_user_id: 0 },
        { id: sales, name: 'Sales', full_name: 'Sales / My Company', manager_user_id: boss.id },
      ]);
      const asJson = assertResult(await call('im.department.get', { ID: JSON.stringify([1]), USER_DATA: 'Y' }));
      assert.equal(asJson.length, 1);
      assert.equal(asJson[0].full_name, 'My Company');
      assert.equal(asJson[0].manager_user_data.id, 1);
      assert.equal(asJson[0].manager_user_data.name, 'Admin');
      const none = assertResult(await call('im.department.get', { ID: [east], USER_DATA: 'Y' }));
      assert.equal(none[0].manager_user_data, null);
    });

    it('im.department.get refuses a missing, empty or malformed ID, and extranet people', async () => {
      const invalid: [number, string, string] = [400, 'INVALID_FORMAT', 'A wrong format for the ID field is passed'];
      assertError(await call('im.department.get', {}), invalid);
      assertError(await call('im.department.get', { ID: [] }), invalid);
      assertError(await call('im.department.get', { ID: 'sales' }), invalid);
      assertError(await call('im.department.get', { ID: 5 }), invalid);
      assertError(await call('im.department.get', { ID: [sales] }, eve.hook), ACCESS_ERROR);
    });

    it('im.department.managers.get answers the heads by department', async () => {
      assert.deepEqual(assertResult(await call('im.department.managers.get', { ID: [sales, east] })), { [sales]: [boss.id], [east]: [] });
      const cards = assertResult(await call('im.department.managers.get', { ID: JSON.stringify([sales]), USER_DATA: 'Y' }));
      assert.equal(cards[sales][0].id, boss.id);
      assert.equal(cards[sales][0].work_position, 'Head of Sales');
      assert.deepEqual(assertResult(await call('im.department.managers.get', { ID: [999] })), []);
      const empty: [number, string, string] = [400, 'ID_EMPTY', "Department ID can't be empty"];
      assertError(await call('im.department.managers.get', {}), empty);
      assertError(await call('im.department.managers.get', { ID: '[]' }), empty);
      assertError(await call('im.department.managers.get', { ID: [sales] }, eve.hook), ACCESS_ERROR);
    });

    it('im.department.employees.get answers the people by department', async () => {
      assert.deepEqual(assertResult(await call('im.department.employees.get', { ID: [sales, east] })), { [sales]: [boss.id, max.id, kim.id], [east]: [mia.id] });
      const cards = assertResult(await call('im.department.employees.get', { ID: [east], USER_DATA: 'Y' }));
      assert.deepEqual(Object.keys(cards), [String(east)]);
      assert.equal(cards[east][0].id, mia.id);
      assert.deepEqual(cards[east][0].departments, [east]);
      assertError(await call('im.department.employees.get', { ID: 'x' }), [400, 'ID_EMPTY', "Department ID can't be empty"]);
      assertError(await call('im.department.employees.get', { ID: [sales] }, eve.hook), ACCESS_ERROR);
    });

    it('im.department.colleagues.list: an employee gets the department and its head; a head gets everyone below and the heads above', async () => {
      const maxes = await callJson(max.hook, 'im.department.colleagues.list', {});
      assert.deepEqual(maxes.body.result, [boss.id, kim.id]);
      assert.equal(maxes.body.total, 2);
      assert.equal(maxes.body.next, undefined);
      const bosses = await callJson(boss.hook, 'im.department.colleagues.list', { LIMIT: 2 });
      assert.deepEqual(bosses.body.result, [1, mia.id]);
      assert.equal(bosses.body.total, 4);
      assert.equal(bosses.body.next, 2);
      const rest = await callJson(boss.hook, 'im.department.colleagues.list', { LIMIT: 2, OFFSET: 2, USER_DATA: 'Y' });
      assert.deepEqual(rest.body.result.map((u: any) => u.id), [max.id, kim.id]);
      assert.equal(rest.body.result[0].name, 'Max Seller');
      assert.equal(rest.body.next, undefined);
      assertError(await callJson(eve.hook, 'im.department.colleagues.list', {}), ACCESS_ERROR);
    });

    it('user.access knows department codes: D<id> the department, DR<id> it and those below', async () => {
      const access = async (who: Person, code: string) => assertResult(await callJson(who.hook, 'user.access', { ACCESS: [code] }));
      assert.equal(await access(mia, `D${east}`), true);
      assert.equal(await access(mia, `D${sales}`), false);
      assert.equal(await access(mia, `DR${sales}`), true);
      assert.equal(await access(mia, 'DR1'), true);
      assert.equal(await access(max, `DR${east}`), false);
      assert.equal(await access(max, `D${sales}`), true);
    });

    it('b24jssdk reads the structure', async () => {
      https.globalAgent.options.ca = readFileSync(p.server.caPath);
      const hook = B24Hook.fromWebhookUrl(`${p.https}/rest/1/${p.adminCode}`);
      const got = await hook.actions.v2.call.make<any[]>({ method: 'department.get', params: { ID: sales } });
      assert.equal(got.isSuccess, true);
      assert.deepEqual(got.getData()!.result, [{ ID: String(sales), NAME: 'Sales', SORT: 500, PARENT: '1', UF_HEAD: String(boss.id) }]);
      const im = await hook.actions.v2.call.make<any>({ method: 'im.department.employees.get', params: { ID: [east] } });
      assert.deepEqual(im.getData()!.result, { [east]: [mia.id] });
    });
  });
});
