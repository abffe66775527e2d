import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createUser } from '../../src/im/users.js';
import { migrate } from '../../src/store/db.js';
import {
  allDepartments,
  countDepartments,
  deleteDepartmentRows,
  departmentById,
  departmentsByIds,
  findDepartments,
  insertDepartment,
  topLevelDepartment,
  updateDepartmentRow,
} from '../../src/store/repos/departments.js';
import { peopleDepartments, setPersonDepartments } from '../../src/store/repos/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: the company structure (store/repos/departments.ts), on the suite's engine. */
/** The classic department columns (migration 061 added the company-structure node's own). */
const classic = (d: { id: number; name: string; sort: number; parent_id: number; head_id: number } | undefined) =>
  d && { id: d.id, name: d.name, sort: d.sort, parent_id: d.parent_id, head_id: d.head_id };

describe('store contract: departments', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('a bootstrapped store has the top-level department 1, headed by user 1', async () => {
    assert.deepEqual(classic(await topLevelDepartment(t.store.db)), { id: 1, name: 'My Company', sort: 500, parent_id: 0, head_id: 1 });
  });

  it('inserts, finds with filters, sorts, pages, counts, updates and deletes', async () => {
    const db = t.store.db;
    const a = await insertDepartment(db, { name: 'B-team', sort: 100, parent_id: 1, head_id: 0 });
    const b = await insertDepartment(db, { name: 'A-team', sort: 100, parent_id: a, head_id: 7 });
    assert.equal(b, a + 1);
    assert.deepEqual((await findDepartments(db, { sort: 100 }, 'name', false, 0, 50)).map((d) => d.id), [b, a]);
    assert.deepEqual((await findDepartments(db, { sort: 100 }, 'sort', true, 0, 50)).map((d) => d.id), [a, b]);
    assert.deepEqual((await findDepartments(db, {}, 'id', false, 1, 1)).map((d) => d.id), [a]);
    assert.equal(await countDepartments(db, {}), 3);
    assert.equal(await countDepartments(db, { parent_id: a, head_id: 7 }), 1);
    assert.equal(await countDepartments(db, { name: 'a-team' }), 0);
    await updateDepartmentRow(db, b, { name: 'C-team', parent_id: 1 });
    assert.deepEqual(classic(await departmentById(db, b)), { id: b, name: 'C-team', sort: 100, parent_id: 1, head_id: 7 });
    assert.deepEqual((await departmentsByIds(db, [b, 999, a])).map((d) => d.id), [a, b]);
    await deleteDepartmentRows(db, [a, b]);
    assert.deepEqual((await allDepartments(db)).map((d) => d.id), [1]);
  });

  it('reads and replaces people\'s department lists, never bots\'', async () => {
    const db = t.store.db;
    const person = await createUser(db, t.clock, { name: 'Pat' });
    const bot = await createUser(db, t.clock, { name: 'Robo', externalAuthId: 'bot' });
    await setPersonDepartments(db, person, [1, 5]);
    const rows = await peopleDepartments(db);
    assert.deepEqual(rows.find((r) => r.id === person), { id: person, active: 1, departments: '[1,5]' });
    assert.equal(rows.some((r) => r.id === bot), false);
  });

  it('a store that ran a later-numbered migration first still runs 043 and gets its top-level department', async () => {
    const db = t.store.db;
    // a store from before 043: no departments, so no 061 (which extends them) either
    for (const table of ['departments', 'node_member_roles', 'node_communications']) await db.schema.dropTable(table).execute();
    await (db as Kysely<any>).deleteFrom('kysely_migration').where('name', 'in', ['043_departments', '061_structure_nodes']).execute();
    const schema = t.store.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s : undefined;
    await migrate(db, t.store.dialect, schema);
    assert.deepEqual((await allDepartments(db)).map(classic), [{ id: 1, name: 'My Company', sort: 500, parent_id: 0, head_id: 1 }]);
  });
});
