import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addWebhook } from '../src/auth/webhooks.js';
import { startReceiver } from './helpers/events.js';
import { installScriptApp } from './helpers/oauth.js';
import { addPerson, assertResult, callJson, request, startPortal, type Answer, type Person, type TestPortal } from './helpers/server.js';

/**
 * humanresources.* (REST 3.0 under /rest/api/, api-reference/departments/node/, node-member/,
 * node-communication/, employee/) through HTTP: the same structure department.*, user.get and
 * im.department.* show.
 */

const V = 'BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION';
const VALIDATING = 'Error validating the request object';
const DURING = 'Error during request object validation';

function v3Error(a: Answer, status: number, code: string, message: string, validation?: { field: string; message: string }[], label = ''): void {
  assert.equal(a.status, status, `${label} status: ${a.text}`);
  assert.deepEqual(a.body, { error: { code, message, ...(validation ? { validation: validation.map((v) => ({ message: v.message, field: v.field })) } : {}) } }, label);
}

const invalid = (message: string, items: [field: string, message: string][]) => [400, V, message, items.map(([field, m]) => ({ field, message: m }))] as const;

describe('humanresources.* (REST 3.0)', () => {
  let p: TestPortal;
  let ann: Person;
  let bob: Person;
  let cat: Person;
  let eve: Person;
  let loner: Person;
  const api = (hook: string) => hook.replace('/rest/', '/rest/api/');
  const hr = (method: string, params: Record<string, unknown> = {}, who?: string) => callJson(api(who ?? p.adminHook), `humanresources.${method}`, params);
  const ok = async (method: string, params: Record<string, unknown> = {}, who?: string) => assertResult(await hr(method, params, who), method);
  const fail = async (method: string, params: Record<string, unknown>, expected: readonly [number, string, string, ({ field: string; message: string }[])?], who?: string) => {
    const a = await hr(method, params, who);
    v3Error(a, expected[0], expected[1], expected[2], expected[3], method);
  };
  const deniedAs = (text = 'Access denied') => [403, 'BITRIX_REST_V3_EXCEPTION_ACCESSDENIEDEXCEPTION', text] as const;
  const classic = (method: string, params: Record<string, unknown> = {}) => callJson(p.adminHook, method, params);
  const ufDepartment = async (id: number) => assertResult(await classic('user.get', { ID: id }))[0].UF_DEPARTMENT;

  before(async () => {
    p = await startPortal();
    ann = await addPerson(p, 'Ann', { lastName: 'Lee', workPosition: 'Head of Sales' });
    bob = await addPerson(p, 'Bob', { lastName: 'Stone' });
    cat = await addPerson(p, 'Cat', { lastName: 'Moss' });
    eve = await addPerson(p, 'Eve', { lastName: 'Out', userType: 'extranet', departments: [] });
    loner = await addPerson(p, 'Lone', { lastName: 'Wolf', departments: [] });
  });
  after(() => p.stop());

  it('the top-level department is node 1: node.get answers it with its members', async () => {
    const got = await ok('node.get', { id: 1 });
    const item = got.item;
    assert.equal(item.id, 1);
    assert.equal(item.name, 'My Company');
    assert.equal(item.type, 'DEPARTMENT');
    assert.equal(item.structureId, 1);
    assert.equal(item.parentId, null);
    assert.equal(item.accessCode, 'DR1');
    assert.equal(item.colorName, null);
    assert.equal(item.xmlId, null);
    assert.match(item.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    assert.deepEqual(item.members[0], { userId: 1, name: 'Admin', workPosition: '', role: 'MEMBER_HEAD', avatar: null, url: '/company/personal/user/1/' });
    assert.equal(item.userCount, item.members.length);
    assert.deepEqual(Object.keys(item), ['id', 'name', 'type', 'structureId', 'parentId', 'description', 'accessCode', 'userCount', 'colorName', 'xmlId', 'createdAt', 'updatedAt', 'members']);
    assert.deepEqual(await ok('node.get', { id: 1, select: ['name', 'id'] }), { item: { name: 'My Company', id: 1 } });
  });

  it('REST 3.0 lives under /rest/api/ only: the classic route does not know these methods, and the body is JSON', async () => {
    const classicCall = await classic('humanresources.node.count');
    assert.equal(classicCall.status, 404);
    assert.equal(classicCall.body.error, 'ERROR_METHOD_NOT_FOUND');
    // a classic method is not a REST 3.0 one
    v3Error(await callJson(api(p.adminHook), 'user.get', {}), 404, 'BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION', 'Method `user.get` not found');
    v3Error(await callJson(api(p.adminHook), 'humanresources.node.nothing', {}), 404, 'BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION', 'Method `humanresources.node.nothing` not found');
    const bad = await request(`${api(p.adminHook)}/humanresources.node.get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":' });
    v3Error(bad, 400, 'BITRIX_REST_V3_EXCEPTION_INVALIDJSONEXCEPTION', 'Invalid JSON in the request body');
    // parameters never come from the query string
    const q = await request(`${api(p.adminHook)}/humanresources.node.get?id=1`, { method: 'POST' });
    v3Error(q, 400, V, VALIDATING, [{ field: 'id', message: 'Required field `id` is not specified' }]);
    // the envelope keeps its time block
    const a = await hr('node.count');
    assert.equal(typeof a.body.time.start, 'number');
    // the request log keeps a REST 3.0 error's code and text
    const log = await request(`${p.http}/__control/requests?limit=1&method=humanresources.node.get`, { headers: { 'x-imbot-control-token': p.server.controlToken } });
    assert.deepEqual([log.body.requests[0].error, log.body.requests[0].error_description], [V, VALIDATING]);
  });

  it('scope refusal: a webhook without humanresources gets INSUFFICIENTSCOPEEXCEPTION', async () => {
    const hook = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'im,department' });
    const a = await callJson(`${p.http}/rest/api/1/${hook.code}`, 'humanresources.node.count', {});
    v3Error(a, 403, 'BITRIX_REST_V3_EXCEPTION_INSUFFICIENTSCOPEEXCEPTION', 'Insufficient access rights: required scope is missing');
    // bad credentials keep their code, in the REST 3.0 shape
    const wrong = await callJson(`${p.http}/rest/api/1/nosuchcode`, 'humanresources.node.count', {});
    assert.equal(wrong.status, 401);
    assert.equal(typeof wrong.body.error.code, 'string');
  });

  it('OAuth: /rest/api/{method} with the token in the body or a Bearer header; an app without the scope is refused', async () => {
    const r = await startReceiver();
    try {
      const { auth } = await installScriptApp(p, r, '/hr-app', { scope: 'humanresources,user' });
      const count = await ok('node.count');
      const body = await callJson(`${p.http}/rest/api`, 'humanresources.node.count', { auth: auth.access_token });
      assert.deepEqual(assertResult(body), count);
      const bearer = await request(`${p.http}/rest/api/humanresources.node.count`, { method: 'POST', headers: { authorization: `Bearer ${auth.access_token}` } });
      assert.deepEqual(assertResult(bearer), count);
      const other = await installScriptApp(p, r, '/im-app', { scope: 'im' });
      const refused = await callJson(`${p.http}/rest/api`, 'humanresources.node.count', { auth: other.auth.access_token });
      v3Error(refused, 403, 'BITRIX_REST_V3_EXCEPTION_INSUFFICIENTSCOPEEXCEPTION', 'Insufficient access rights: required scope is missing');
    } finally {
      await r.close();
    }
  });

  it('node.add creates a department department.get shows; department.add makes a node node.get shows', async () => {
    const made = await ok('node.add', { type: 'DEPARTMENT', name: 'Sales', parentId: 1, description: 'Selling', userIds: { MEMBER_HEAD: [ann.id], MEMBER_EMPLOYEE: [bob.id] } });
    assert.equal(made.type, 'DEPARTMENT');
    assert.equal(made.parentId, 1);
    assert.equal(made.description, 'Selling');
    assert.equal(made.userCount, 2);
    assert.equal(made.accessCode, `DR${made.id}`);
    assert.deepEqual(made.members.map((m: any) => [m.userId, m.role, m.name, m.workPosition]), [[ann.id, 'MEMBER_HEAD', 'Ann Lee', 'Head of Sales'], [bob.id, 'MEMBER_EMPLOYEE', 'Bob Stone', '']]);
    const dept = assertResult(await classic('department.get', { ID: made.id }));
    assert.deepEqual(dept, [{ ID: String(made.id), NAME: 'Sales', SORT: 500, PARENT: '1', UF_HEAD: String(ann.id) }]);
    // added, not moved: they keep the top-level department too
    assert.deepEqual(await ufDepartment(bob.id), [1, made.id]);
    const old = assertResult(await classic('department.add', { NAME: 'Legacy', PARENT: made.id, UF_HEAD: cat.id }));
    const node = (await ok('node.get', { id: old, select: ['id', 'name', 'type', 'parentId'] })).item;
    assert.deepEqual(node, { id: old, name: 'Legacy', type: 'DEPARTMENT', parentId: made.id });
    assert.deepEqual((await ok('node.children', { id: made.id, select: ['id', 'name'] })).items, [{ id: old, name: 'Legacy' }]);
    assertResult(await classic('department.delete', { ID: old }));
    assertResult(await classic('department.delete', { ID: made.id }));
  });

  it('moveUsersToNode moves people out of their departments', async () => {
    const a = await ok('node.add', { type: 'DEPARTMENT', name: 'Moved', parentId: 1, userIds: { MEMBER_EMPLOYEE: [cat.id] }, moveUsersToNode: true });
    assert.deepEqual(await ufDepartment(cat.id), [a.id]);
    assertResult(await classic('department.delete', { ID: a.id }));
    assert.deepEqual(await ufDepartment(cat.id), [1]);
  });

  it('node.add refusals: required fields, types, the node type, access; nothing is created', async () => {
    const before = await ok('node.count');
    // one failure at a time, in the order the portal checks: name, parentId, type
    await fail('node.add', {}, invalid(VALIDATING, [['name', 'Required field `name` is not specified']]));
    await fail('node.add', { name: 'X' }, invalid(VALIDATING, [['parentId', 'Required field `parentId` is not specified']]));
    await fail('node.add', { name: 'X', parentId: 1 }, invalid(VALIDATING, [['type', 'Required field `type` is not specified']]));
    await fail('node.add', { type: 'DEPARTMENT', name: 'X', parentId: 'one' }, invalid(VALIDATING, [['parentId', 'Field `parentId` requires data type `int` for this request']]));
    await fail('node.add', { type: 'GROUP', name: 'X', parentId: 1 }, invalid(VALIDATING, [['type', 'An invalid value for the structure element type was provided']]));
    await fail('node.add', { type: 'DEPARTMENT', name: 'X', parentId: 1 }, deniedAs(), ann.hook);
    await fail('node.add', { type: 'DEPARTMENT', name: 'X', parentId: 999 }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `999` not found']);
    assert.deepEqual(await ok('node.count'), before);
  });

  it('teams: node.add TEAM with a colour, team roles; department.get never shows a team', async () => {
    const team = await ok('node.add', { type: 'TEAM', name: 'Tiger team', parentId: 1, colorName: 'green', userIds: { MEMBER_TEAM_HEAD: [cat.id], MEMBER_TEAM_EMPLOYEE: [bob.id] } });
    assert.equal(team.type, 'TEAM');
    assert.equal(team.colorName, 'green');
    assert.equal(team.accessCode, `TR${team.id}`);
    assert.deepEqual(team.members.map((m: any) => [m.userId, m.role]), [[cat.id, 'MEMBER_TEAM_HEAD'], [bob.id, 'MEMBER_TEAM_EMPLOYEE']]);
    assert.deepEqual(assertResult(await classic('department.get', { ID: team.id })), []);
    // a team member keeps their departments
    assert.deepEqual(await ufDepartment(bob.id), [1]);
    assert.deepEqual(await ok('node.count'), { departments: 1, teams: 1 });
    assert.deepEqual((await ok('node.list', { type: 'TEAM', select: ['id', 'name'] })).items, [{ id: team.id, name: 'Tiger team' }]);
    // a department cannot sit inside a team
    await fail('node.add', { type: 'DEPARTMENT', name: 'Inner', parentId: team.id }, invalid(VALIDATING, [['parentId', 'The structure element cannot be placed under this parent']]));
    // department roles do not fit a team
    await fail('node.member.add', { nodeId: team.id, userIds: [ann.id], role: 'MEMBER_HEAD' }, invalid(DURING, [['role', `Invalid role "MEMBER_HEAD". Allowed: MEMBER_TEAM_HEAD, MEMBER_TEAM_DEPUTY_HEAD, MEMBER_TEAM_EMPLOYEE.`]]));
    await fail('node.member.set', { nodeId: team.id, userIds: { MEMBER_OWNER: [ann.id] } }, invalid(DURING, [['userIds', 'Invalid roles: MEMBER_OWNER. Allowed: MEMBER_TEAM_HEAD, MEMBER_TEAM_DEPUTY_HEAD, MEMBER_TEAM_EMPLOYEE.']]));
    const edited = await ok('node.edit', { id: team.id, colorName: 'pink', description: 'Fast' });
    assert.equal(edited.colorName, 'pink');
    assert.equal(edited.description, 'Fast');
    assert.equal(edited.members, undefined);
  });

  it('node.edit: fields, at least one, colours, access, unknown id', async () => {
    const d = await ok('node.add', { type: 'DEPARTMENT', name: 'Ops', parentId: 1 });
    const e = await ok('node.edit', { id: d.id, name: 'Operations' });
    assert.equal(e.name, 'Operations');
    assert.equal(assertResult(await classic('department.get', { ID: d.id }))[0].NAME, 'Operations');
    await fail('node.edit', { name: 'X' }, invalid(VALIDATING, [['id', 'Required field `id` is not specified.']]));
    await fail('node.edit', { id: 'x', name: 'X' }, invalid(VALIDATING, [['id', 'Field `id` requires data type `int` for this request.']]));
    // an unknown node, then access, then the fields
    await fail('node.edit', { id: 9999 }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `9999` not found']);
    await fail('node.edit', { id: d.id }, deniedAs('Access denied.'), ann.hook);
    await fail('node.edit', { id: d.id }, invalid(VALIDATING, [['name', 'At least one of the following fields must be provided: name, description, colorName.']]));
    await fail('node.edit', { id: d.id, colorName: 'black' }, invalid(VALIDATING, [['colorName', 'An invalid color value was provided.']]));
    await fail('node.edit', { id: d.id, name: 'Mine' }, deniedAs('Access denied.'), ann.hook);
    await fail('node.edit', { id: 9999, name: 'X' }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `9999` not found']);
    assert.equal((await ok('node.get', { id: d.id })).item.name, 'Operations');
    assertResult(await classic('department.delete', { ID: d.id }));
  });

  it('node.move: a new parent (department.get sees it), never under itself; the errors', async () => {
    const a = await ok('node.add', { type: 'DEPARTMENT', name: 'A', parentId: 1 });
    const b = await ok('node.add', { type: 'DEPARTMENT', name: 'B', parentId: 1 });
    const moved = await ok('node.move', { id: b.id, parentId: a.id });
    assert.equal(moved.parentId, a.id);
    assert.equal(assertResult(await classic('department.get', { ID: b.id }))[0].PARENT, String(a.id));
    await fail('node.move', { id: a.id, parentId: b.id }, invalid(VALIDATING, [['parentId', 'The structure element cannot be placed under this parent']]));
    await fail('node.move', { id: a.id }, invalid(VALIDATING, [['parentId', 'Required field `parentId` is not specified']]));
    await fail('node.move', { id: 'a', parentId: 1 }, invalid(VALIDATING, [['id', 'Field `id` requires data type `int` for this request']]));
    await fail('node.move', { id: b.id, parentId: 1 }, deniedAs(), ann.hook);
    assertResult(await classic('department.delete', { ID: a.id }));
  });

  it('node.get / node.children / node.list / node.search errors and select', async () => {
    await fail('node.get', {}, invalid(VALIDATING, [['id', 'Required field `id` is not specified']]));
    await fail('node.get', { id: 4242 }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `4242` not found']);
    await fail('node.get', { id: 1, select: ['nope'] }, [400, 'BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION', 'Unknown field `nope` for entity `NodeDto`']);
    await fail('node.get', { id: 1, select: 'name' }, [400, 'BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION', 'Unable to recognize select expression `name`']);
    await fail('node.get', { id: 1 }, deniedAs(), eve.hook);
    // the node is looked up before the caller's access
    await fail('node.get', { id: 4242 }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `4242` not found'], eve.hook);
    await fail('node.children', {}, invalid(VALIDATING, [['id', 'Required field `id` is not specified']]));
    await fail('node.children', { id: 'x' }, invalid(VALIDATING, [['id', 'Field `id` requires data type `int` for this request']]));
    await fail('node.children', { id: 1, select: ['members'] }, [400, 'BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION', 'Unknown field `members` for entity `NodeDto`']);
    await fail('node.list', {}, invalid(VALIDATING, [['type', 'Required field `type` is not specified']]));
    await fail('node.list', { type: 'X' }, invalid(VALIDATING, [['type', 'An invalid value for the structure element type was provided']]));
    await fail('node.list', { type: 'DEPARTMENT', select: [1] }, [400, 'BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION', 'Cannot recognize select expression `[1]`']);
    await fail('node.list', { type: 'DEPARTMENT', pagination: { limit: 'abc' } }, [400, 'BITRIX_REST_V3_EXCEPTION_INVALIDPAGINATIONEXCEPTION', 'Cannot recognize pagination parameter `{"limit":"abc"}`']);
    await fail('node.list', { type: 'DEPARTMENT', pagination: { limit: 0 } }, [400, 'BITRIX_REST_V3_EXCEPTION_INVALIDPAGINATIONEXCEPTION', 'Cannot recognize pagination parameter `{"limit":0}`']);
    await fail('node.list', { type: 'DEPARTMENT' }, deniedAs(), eve.hook);
    await fail('node.search', {}, invalid(VALIDATING, [['name', 'Required field `name` is not specified']]));
    await fail('node.search', { name: 'a' }, invalid(VALIDATING, [['type', 'Required field `type` is not specified']]));
    await fail('node.search', { type: 'X', name: 'a' }, invalid(VALIDATING, [['type', 'An invalid department type value was provided']]));
    await fail('node.search', { type: 'DEPARTMENT', name: 'a', parentId: 'x' }, invalid(VALIDATING, [['parentId', 'Field `parentId` requires data type `int` for this request']]));
    await fail('node.search', { type: 'DEPARTMENT', name: 'a' }, deniedAs(), eve.hook);
    await fail('node.count', {}, deniedAs(), eve.hook);
  });

  it('node.list pages (limit, page, offset; at most 200) and node.search finds by part of the name', async () => {
    const ids: number[] = [];
    for (const n of ['North', 'South', 'East', 'West']) ids.push((await ok('node.add', { type: 'DEPARTMENT', name: `${n} region`, parentId: 1 })).id);
    const page = async (pagination: Record<string, unknown>) => (await ok('node.list', { type: 'DEPARTMENT', select: ['id'], pagination })).items.map((n: any) => n.id);
    assert.deepEqual(await page({ limit: 2 }), [1, ids[0]]);
    assert.deepEqual(await page({ limit: 2, page: 2 }), [ids[1], ids[2]]);
    assert.deepEqual(await page({ limit: 2, page: 3 }), [ids[3]]);
    assert.deepEqual(await page({ limit: 3, offset: 2 }), [ids[1], ids[2], ids[3]]);
    assert.deepEqual(await page({ limit: 1000 }), [1, ...ids]);
    const found = await ok('node.search', { type: 'DEPARTMENT', name: 'REGION', pagination: { limit: 3 } });
    assert.deepEqual(found.items.map((n: any) => n.name), ['North region', 'South region', 'East region']);
    assert.deepEqual((await ok('node.search', { type: 'DEPARTMENT', name: 'west', parentId: 1 })).items.map((n: any) => n.id), [ids[3]]);
    assert.deepEqual((await ok('node.search', { type: 'DEPARTMENT', name: 'west', parentId: ids[0] })).items, []);
    assert.deepEqual((await ok('node.search', { type: 'TEAM', name: 'region' })).items, []);
    // list order is the structure's: SORT, then id; search: nearest to the top first
    assertResult(await classic('department.update', { ID: ids[3], SORT: 100 }));
    assert.deepEqual(await page({ limit: 3 }), [ids[3], 1, ids[0]]);
    const deep = (await ok('node.add', { type: 'DEPARTMENT', name: 'Deep region', parentId: ids[0] })).id;
    const late = (await ok('node.add', { type: 'DEPARTMENT', name: 'Late region', parentId: 1 })).id;
    const byDepth = (await ok('node.search', { type: 'DEPARTMENT', name: 'region' })).items.map((n: any) => n.id);
    assert.deepEqual(byDepth, [...ids, late, deep]);
    assertResult(await classic('department.delete', { ID: late }));
    for (const id of ids) assertResult(await classic('department.delete', { ID: id }));
  });

  it('node.member.add ↔ user.get UF_DEPARTMENT, department heads ↔ UF_HEAD, im.department.employees.get', async () => {
    const d = await ok('node.add', { type: 'DEPARTMENT', name: 'Support', parentId: 1 });
    assert.deepEqual(await ok('node.member.add', { nodeId: d.id, userIds: [bob.id, cat.id], role: 'MEMBER_EMPLOYEE' }), { success: true });
    assert.deepEqual(await ufDepartment(bob.id), [1, d.id]);
    const employees = assertResult(await classic('im.department.employees.get', { ID: [d.id] }));
    assert.deepEqual(employees, { [d.id]: [bob.id, cat.id] });
    // a role for someone already there updates it: a head is UF_HEAD
    await ok('node.member.add', { nodeId: d.id, userIds: [cat.id], role: 'MEMBER_HEAD' });
    assert.equal(assertResult(await classic('department.get', { ID: d.id }))[0].UF_HEAD, String(cat.id));
    await ok('node.member.add', { nodeId: d.id, userIds: [bob.id], role: 'MEMBER_DEPUTY_HEAD' });
    const members = (await ok('node.get', { id: d.id, select: ['members', 'userCount'] })).item;
    assert.deepEqual(members.members.map((m: any) => [m.userId, m.role]), [[cat.id, 'MEMBER_HEAD'], [bob.id, 'MEMBER_DEPUTY_HEAD']]);
    assert.equal(members.userCount, 2);
    // department.update's UF_HEAD is node.get's head
    assertResult(await classic('department.update', { ID: d.id, UF_HEAD: ann.id }));
    const after = (await ok('node.get', { id: d.id })).item.members.map((m: any) => [m.userId, m.role]);
    assert.deepEqual(after, [[ann.id, 'MEMBER_HEAD'], [bob.id, 'MEMBER_DEPUTY_HEAD'], [cat.id, 'MEMBER_EMPLOYEE']]);
    assertResult(await classic('department.delete', { ID: d.id }));
  });

  it('node.member.add refusals', async () => {
    await fail('node.member.add', {}, invalid(DURING, [['nodeId', 'Parameter "nodeId" is required.']]));
    await fail('node.member.add', { nodeId: 1 }, invalid(DURING, [['userIds', 'Parameter "userIds" is required and must be a non-empty array.']]));
    await fail('node.member.add', { nodeId: 1, userIds: [bob.id] }, invalid(DURING, [['role', 'Parameter "role" is required.']]));
    await fail('node.member.add', { nodeId: 1, userIds: [], role: 'MEMBER_EMPLOYEE' }, invalid(DURING, [['userIds', 'Parameter "userIds" is required and must be a non-empty array.']]));
    await fail('node.member.add', { nodeId: 1, userIds: [bob.id], role: 'MEMBER_OWNER' }, invalid(DURING, [['role', 'Invalid role "MEMBER_OWNER". Allowed: MEMBER_HEAD, MEMBER_DEPUTY_HEAD, MEMBER_EMPLOYEE.']]));
    await fail('node.member.add', { nodeId: 1, userIds: [bob.id], role: 'MEMBER_TEAM_HEAD' }, invalid(DURING, [['role', 'Invalid role "MEMBER_TEAM_HEAD". Allowed: MEMBER_HEAD, MEMBER_DEPUTY_HEAD, MEMBER_EMPLOYEE.']]));
    await fail('node.member.add', { nodeId: 777, userIds: [bob.id], role: 'MEMBER_EMPLOYEE' }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `777` not found']);
    await fail('node.member.add', { nodeId: 1, userIds: [bob.id], role: 'MEMBER_EMPLOYEE' }, deniedAs(), ann.hook);
    // an unknown person changes nothing, not even for the others named
    const d = await ok('node.add', { type: 'DEPARTMENT', name: 'Careful', parentId: 1 });
    await fail('node.member.add', { nodeId: d.id, userIds: [bob.id, 98765], role: 'MEMBER_EMPLOYEE' }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `98765` not found']);
    assert.deepEqual(await ufDepartment(bob.id), [1]);
    assertResult(await classic('department.delete', { ID: d.id }));
  });

  it('node.member.move, node.member.remove, node.member.set and their errors', async () => {
    const a = await ok('node.add', { type: 'DEPARTMENT', name: 'From', parentId: 1, userIds: { MEMBER_HEAD: [bob.id] } });
    const b = await ok('node.add', { type: 'DEPARTMENT', name: 'To', parentId: 1 });
    assert.deepEqual(await ok('node.member.move', { nodeId: b.id, userIds: [bob.id] }), { success: true });
    assert.deepEqual(await ufDepartment(bob.id), [b.id]);
    assert.equal(assertResult(await classic('department.get', { ID: a.id }))[0].UF_HEAD, undefined);
    assert.deepEqual((await ok('node.get', { id: b.id })).item.members.map((m: any) => [m.userId, m.role]), [[bob.id, 'MEMBER_EMPLOYEE']]);
    await ok('node.member.move', { nodeId: a.id, userIds: [bob.id], role: 'MEMBER_DEPUTY_HEAD' });
    assert.deepEqual((await ok('node.get', { id: a.id })).item.members.map((m: any) => [m.userId, m.role]), [[bob.id, 'MEMBER_DEPUTY_HEAD']]);
    await fail('node.member.move', {}, invalid(DURING, [['nodeId', 'Parameter "nodeId" is required.']]));
    await fail('node.member.move', { nodeId: a.id, userIds: {} }, invalid(DURING, [['userIds', 'Parameter "userIds" is required and must be a non-empty array.']]));
    await fail('node.member.move', { nodeId: a.id, userIds: [bob.id], role: 'MEMBER_TEAM_HEAD' }, invalid(DURING, [['role', 'Invalid role "MEMBER_TEAM_HEAD". Allowed: MEMBER_HEAD, MEMBER_DEPUTY_HEAD, MEMBER_EMPLOYEE.']]));
    await fail('node.member.move', { nodeId: 28000, userIds: [bob.id] }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `28000` not found.']);
    await fail('node.member.move', { nodeId: a.id, userIds: [bob.id] }, deniedAs('Access denied.'), ann.hook);

    // remove: who was there goes (to the top-level department when they had no other), who was not is reported
    await ok('node.member.add', { nodeId: a.id, userIds: [cat.id], role: 'MEMBER_EMPLOYEE' });
    const removed = await ok('node.member.remove', { nodeId: a.id, userIds: [bob.id, ann.id] });
    assert.deepEqual(removed, { removed: [bob.id], failed: [{ userId: ann.id, reason: 'Not found in this node' }] });
    assert.deepEqual(await ufDepartment(bob.id), [1]);
    await fail('node.member.remove', { nodeId: a.id }, invalid(VALIDATING, [['userIds', 'Parameter "userIds" is required and must be a non-empty array.']]));
    await fail('node.member.remove', { userIds: [1] }, invalid(VALIDATING, [['nodeId', 'Parameter "nodeId" is required.']]));
    await fail('node.member.remove', { nodeId: 5555, userIds: [1] }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `5555` not found']);
    await fail('node.member.remove', { nodeId: a.id, userIds: [cat.id] }, deniedAs(), ann.hook);

    // set: exactly these people with these roles
    assert.deepEqual(await ok('node.member.set', { nodeId: a.id, userIds: { MEMBER_HEAD: [ann.id], MEMBER_EMPLOYEE: [bob.id] } }), { success: true });
    assert.deepEqual((await ok('node.get', { id: a.id })).item.members.map((m: any) => [m.userId, m.role]), [[ann.id, 'MEMBER_HEAD'], [bob.id, 'MEMBER_EMPLOYEE']]);
    assert.deepEqual(await ufDepartment(cat.id), [1]);
    await fail('node.member.set', { nodeId: a.id, userIds: { MEMBER_OWNER: [1] } }, invalid(DURING, [['userIds', 'Invalid roles: MEMBER_OWNER. Allowed: MEMBER_HEAD, MEMBER_DEPUTY_HEAD, MEMBER_EMPLOYEE.']]));
    await fail('node.member.set', { nodeId: a.id }, invalid(DURING, [['userIds', 'Parameter "userIds" is required and must be a non-empty array.']]));
    await fail('node.member.set', { userIds: { MEMBER_HEAD: [1] } }, invalid(DURING, [['nodeId', 'Parameter "nodeId" is required.']]));
    await fail('node.member.set', { nodeId: 6666, userIds: { MEMBER_HEAD: [1] } }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Record with ID = `6666` not found.']);
    await fail('node.member.set', { nodeId: a.id, userIds: { MEMBER_HEAD: [1] } }, deniedAs('Access denied.'), ann.hook);
    for (const id of [a.id, b.id]) assertResult(await classic('department.delete', { ID: id }));
  });

  it('concurrent member changes of one person never lose each other (one structure change at a time)', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ok('node.add', { type: 'DEPARTMENT', name: `Parallel ${i}`, parentId: 1 })).id);
    const answers = await Promise.all(ids.map((id) => hr('node.member.add', { nodeId: id, userIds: [cat.id], role: 'MEMBER_EMPLOYEE' })));
    for (const a of answers) assert.deepEqual(assertResult(a), { success: true });
    assert.deepEqual([...(await ufDepartment(cat.id))].sort((x: number, y: number) => x - y), [1, ...ids]);
    for (const id of ids) assertResult(await classic('department.delete', { ID: id }));
    assert.deepEqual(await ufDepartment(cat.id), [1]);
  });

  it('field descriptions: node, member, employee; select; unknown fields', async () => {
    const nodeFields = (await ok('node.field.list', { select: ['name', 'type', 'filterable', 'sortable'] })).items;
    assert.deepEqual(nodeFields.map((f: any) => f.name), ['id', 'name', 'type', 'structureId', 'parentId', 'description', 'accessCode', 'userCount', 'colorName', 'xmlId', 'createdAt', 'updatedAt', 'members']);
    assert.deepEqual(nodeFields[0], { name: 'id', type: 'int', filterable: true, sortable: true });
    assert.deepEqual(await ok('node.field.get', { name: 'name', select: ['name', 'type', 'title'] }), { item: { name: 'name', type: 'string', title: 'name' } });
    const full = { description: null, editable: false, elementType: null, filterable: false, multiple: false, name: 'userId', requiredGroups: null, sortable: false, title: 'userId', type: 'int', validationRules: [] };
    assert.deepEqual(await ok('employee.field.get', { name: 'userId' }), { item: full });
    assert.deepEqual(Object.keys((await ok('employee.field.get', { name: 'userId' })).item), Object.keys(full));
    assert.deepEqual((await ok('employee.field.list')).items.map((f: any) => f.name), ['userId', 'name', 'workPosition', 'avatar', 'url', 'departments', 'teams']);
    assert.deepEqual((await ok('node.member.field.list', { select: ['name'] })).items, ['userId', 'name', 'workPosition', 'role', 'avatar', 'url'].map((name) => ({ name })));
    assert.deepEqual(await ok('node.member.field.get', { name: 'role', select: ['type'] }), { item: { type: 'string' } });
    await fail('node.field.get', {}, invalid(DURING, [['name', 'Required field `name` is not specified']]));
    await fail('node.field.get', { name: 'color' }, [400, 'BITRIX_REST_V3_REALISATION_EXCEPTION_FIELDNOTFOUNDEXCEPTION', 'Field `color` not found']);
    await fail('node.field.get', { name: 'id', select: ['x'] }, [400, 'BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION', 'Unknown field `x` for entity `DtoFieldDto`']);
    await fail('node.field.list', { select: 'name' }, [400, 'BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION', 'Unable to recognize select expression `name`']);
    await fail('node.member.field.get', {}, invalid(DURING, [['name', 'Mandatory field `name` is not specified']]));
    await fail('node.member.field.get', { name: 'x' }, [400, 'BITRIX_REST_V3_REALISATION_EXCEPTION_FIELDNOTFOUNDEXCEPTION', 'Field `x` not found']);
    await fail('node.member.field.list', { select: ['x'] }, [400, 'BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION', 'Unknown field `x` for object `DtoFieldDto`']);
    await fail('node.member.field.get', { name: 'role', select: 'x' }, [400, 'BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION', 'Unable to recognize select expression `x`']);
    await fail('employee.field.get', {}, invalid(DURING, [['name', 'Required field `name` is not specified']]));
    await fail('employee.field.get', { name: 'role' }, [400, 'BITRIX_REST_V3_REALISATION_EXCEPTION_FIELDNOTFOUNDEXCEPTION', 'Field `role` not found']);
    await fail('employee.field.list', { select: ['x'] }, [400, 'BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION', 'Unknown field `x` for object `DtoFieldDto`']);
    await fail('employee.field.get', { name: 'userId', select: 5 }, [400, 'BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION', 'Unable to recognize select expression `5`']);
    // an empty select is no select
    assert.deepEqual(await ok('employee.field.get', { name: 'userId', select: [] }), { item: full });
    // any user reads field descriptions, an extranet one too
    assert.equal((await ok('employee.field.list', {}, eve.hook)).items.length, 7);
  });

  it('node.communication.*: chats bound to a node, created for it, unbound; with children', async () => {
    const d = await ok('node.add', { type: 'DEPARTMENT', name: 'Chatty', parentId: 1, userIds: { MEMBER_EMPLOYEE: [bob.id] }, createChat: true });
    const sub = await ok('node.add', { type: 'DEPARTMENT', name: 'Chatty kids', parentId: d.id });
    let list = await ok('node.communication.list', { id: d.id });
    assert.deepEqual(Object.keys(list), ['channels', 'channelsNoAccess', 'chats', 'chatsNoAccess', 'collabs', 'collabsNoAccess']);
    assert.equal(list.chats.length, 1);
    const chat = list.chats[0];
    assert.deepEqual({ ...chat, color: typeof chat.color }, { avatar: '', color: 'string', dialogId: `chat${chat.id}`, hasAccess: true, id: chat.id, isExtranet: false, originalNodeId: null, subtitle: 'Private chat', title: 'Chatty', type: 'CHAT' });
    // the department's people are in its chat
    const users = assertResult(await classic('im.chat.user.list', { CHAT_ID: chat.id }));
    assert.deepEqual([...users].sort(), [1, bob.id].sort());
    // bind an existing chat, to the children too
    const other = assertResult(await classic('im.chat.add', { TITLE: 'Existing', USERS: [ann.id] }));
    assert.deepEqual(await ok('node.communication.edit', { nodeId: d.id, communicationType: 'CHAT', ids: [other], withChildren: true }), { success: true });
    list = await ok('node.communication.list', { id: d.id });
    assert.deepEqual(list.chats.map((c: any) => c.id), [chat.id, other]);
    const kid = await ok('node.communication.list', { id: sub.id });
    assert.deepEqual(kid.chats.map((c: any) => [c.id, c.originalNodeId]), [[other, d.id]]);
    // someone outside a chat counts it as one without access
    const bobs = await ok('node.communication.list', { id: d.id }, bob.hook);
    assert.deepEqual([bobs.chats.map((c: any) => c.id), bobs.chatsNoAccess], [[chat.id], 1]);
    await ok('node.communication.edit', { nodeId: d.id, communicationType: 'CHAT', removeIds: [other] });
    assert.deepEqual((await ok('node.communication.list', { id: d.id })).chats.map((c: any) => c.id), [chat.id]);
    // createDefault; the type in any case
    await ok('node.communication.edit', { nodeId: sub.id, communicationType: 'chat', createDefault: true });
    assert.equal((await ok('node.communication.list', { id: sub.id })).chats.length, 2);
    // errors
    await fail('node.communication.edit', {}, invalid(DURING, [['nodeId', 'Parameter "nodeId" is required.']]));
    await fail('node.communication.edit', { nodeId: d.id }, invalid(DURING, [['communicationType', 'Parameter "communicationType" is required.']]));
    await fail('node.communication.edit', { nodeId: d.id, communicationType: 'MAIL' }, invalid(DURING, [['communicationType', 'Invalid "communicationType" value. Allowed: CHAT, CHANNEL, COLLAB.']]));
    await fail('node.communication.edit', { nodeId: 8888, communicationType: 'CHAT' }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Object with identifier `8888` not found.']);
    await fail('node.communication.edit', { nodeId: d.id, communicationType: 'CHANNEL', ids: [other] }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', `Object with identifier \`${other}\` not found.`]);
    await fail('node.communication.edit', { nodeId: d.id, communicationType: 'CHAT' }, deniedAs('Access denied.'), ann.hook);
    await fail('node.communication.list', {}, invalid(DURING, [['id', 'Required field `id` is missing']]));
    await fail('node.communication.list', { id: 8888 }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', 'Object with identifier `8888` not found']);
    await fail('node.communication.list', { id: d.id }, deniedAs(), eve.hook);
    assertResult(await classic('department.delete', { ID: d.id }));
  });

  it('employee.*: search, subordinates, count, multidepartment; who may call them', async () => {
    const d = await ok('node.add', { type: 'DEPARTMENT', name: 'Sales', parentId: 1, userIds: { MEMBER_HEAD: [ann.id], MEMBER_DEPUTY_HEAD: [bob.id], MEMBER_EMPLOYEE: [cat.id] } });
    const t = await ok('node.add', { type: 'TEAM', name: 'Squad', parentId: d.id, userIds: { MEMBER_TEAM_EMPLOYEE: [ann.id] } });
    const found = await ok('employee.search', { name: 'ann' });
    assert.deepEqual(found.items, [{ userId: ann.id, name: 'Ann Lee', workPosition: 'Head of Sales', avatar: null, url: `/company/personal/user/${ann.id}/`, departments: [{ id: 1, name: 'My Company' }, { id: d.id, name: 'Sales' }], teams: [{ id: t.id, name: 'Squad' }] }]);
    assert.deepEqual((await ok('employee.search', { name: 'o', nodeId: d.id, select: ['userId'] })).items, [{ userId: bob.id }, { userId: cat.id }]);
    // not in the structure: not found
    assert.deepEqual((await ok('employee.search', { name: 'Wolf' })).items, []);
    await fail('employee.search', {}, invalid(DURING, [['name', 'Parameter "name" is required.']]));
    await fail('employee.search', { name: 'a', select: ['role'] }, [400, 'BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION', 'Unknown field `role` for object `EmployeeDto`']);
    await fail('employee.search', { name: 'a', select: 'userId' }, [400, 'BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION', 'Unable to recognize select expression `userId`']);

    const subs = await ok('employee.subordinates', { id: ann.id });
    assert.deepEqual(subs, { userId: ann.id, departments: [{ nodeId: d.id, name: 'Sales', role: 'HEAD', subordinatesCount: 2 }] });
    assert.deepEqual((await ok('employee.subordinates', { id: bob.id })).departments, [{ nodeId: d.id, name: 'Sales', role: 'DEPUTY_HEAD', subordinatesCount: 2 }]);
    assert.deepEqual((await ok('employee.subordinates', { id: cat.id })).departments, []);
    await fail('employee.subordinates', {}, invalid(DURING, [['id', 'Required field `id` is not specified']]));
    await fail('employee.subordinates', { id: -3 }, invalid(DURING, [['id', 'Parameter "id" is required and must be a positive integer.']]));

    const count = (await ok('employee.count')).total;
    assert.equal(typeof count, 'number');
    const multi = await ok('employee.multidepartment');
    const mine = multi.employees.find((e: any) => e.userId === ann.id);
    assert.deepEqual(mine, { userId: ann.id, name: 'Ann Lee', workPosition: 'Head of Sales', departments: [{ id: 1, name: 'My Company' }, { id: d.id, name: 'Sales' }] });
    assert.equal(multi.total, multi.employees.length);
    // someone in no department, or an extranet user, may not
    for (const who of [loner, eve]) {
      await fail('employee.count', {}, deniedAs(), who.hook);
      await fail('employee.multidepartment', {}, deniedAs(), who.hook);
      await fail('employee.search', { name: 'a' }, deniedAs(), who.hook);
      await fail('employee.subordinates', { id: 1 }, deniedAs(), who.hook);
      // before the parameters are read
      await fail('employee.search', {}, deniedAs(), who.hook);
    }
    // the one in no department joins one: now counted
    await ok('node.member.add', { nodeId: d.id, userIds: [loner.id], role: 'MEMBER_EMPLOYEE' });
    assert.equal((await ok('employee.count')).total, count + 1);
    assertResult(await classic('department.delete', { ID: d.id }));
    // the team under it went with it
    await fail('node.get', { id: t.id }, [400, 'BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION', `Record with ID = \`${t.id}\` not found`]);
  });

  it('b24jssdk calls a REST 3.0 method through actions.v3', async () => {
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const hook = B24Hook.fromWebhookUrl(`${p.https}/rest/api/1/${p.adminCode}`);
    const got = await hook.actions.v3.call.make<any>({ method: 'humanresources.node.get', params: { id: 1, select: ['id', 'name', 'type'] } });
    assert.equal(got.isSuccess, true, JSON.stringify(got.getErrorMessages()));
    assert.deepEqual(got.getData()!.result, { item: { id: 1, name: 'My Company', type: 'DEPARTMENT' } });
  });
});
