import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../../src/im/users.js';
import { updateUserColumns, userWithEmail } from '../../src/store/repos/users.js';
import {
  allUserFields,
  deleteEnumItem,
  deleteUserField,
  enumItems,
  fieldValues,
  insertEnumItem,
  insertUserField,
  setFieldValue,
  updateEnumItem,
  updateUserField,
  userFieldById,
} from '../../src/store/repos/user-fields.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: custom user fields and account columns (store/repos/user-fields.ts, users.ts), on the suite's engine. */
describe('store contract: user fields and accounts', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('inserts a field once per name, updates and deletes it with its values', async () => {
    const db = t.store.db;
    const id = await insertUserField(db, { field_name: 'UF_USR_A', user_type_id: 'string' });
    assert.equal(typeof id, 'number');
    assert.equal(await insertUserField(db, { field_name: 'UF_USR_A', user_type_id: 'integer' }), undefined);
    await updateUserField(db, id!, { sort: 5, xml_id: 'x' });
    const row = await userFieldById(db, id!);
    assert.deepEqual([row?.sort, row?.xml_id, row?.user_type_id, row?.multiple, row?.settings], [5, 'x', 'string', 'N', '{}']);
    await setFieldValue(db, 1, id!, '"one"');
    await setFieldValue(db, 1, id!, '"two"');
    assert.deepEqual(await fieldValues(db, [1]), [{ user_id: 1, field_id: id, value: '"two"' }]);
    await deleteUserField(db, id!);
    assert.deepEqual(await allUserFields(db), []);
    assert.deepEqual(await fieldValues(db, [1]), []);
  });

  it('finds a user by e-mail in any case, except the one named; updates columns', async () => {
    const db = t.store.db;
    const u = await createUser(db, t.clock, { name: 'Mia', email: 'Mia@Example.com' });
    assert.equal(await userWithEmail(db, 'mia@example.COM'), u);
    assert.equal(await userWithEmail(db, 'mia@example.com', u), undefined);
    await updateUserColumns(db, u, { work_position: 'Boss', active: 0 });
    const row = await db.selectFrom('users').select(['work_position', 'active']).where('id', '=', u).executeTakeFirstOrThrow();
    assert.deepEqual(row, { work_position: 'Boss', active: 0 });
  });

  it("an enumeration's list items: by SORT then id, changed and removed only within their field, gone with the field", async () => {
    const db = t.store.db;
    const a = (await insertUserField(db, { field_name: 'UF_USR_ENUM_A', user_type_id: 'enumeration' }))!;
    const b = (await insertUserField(db, { field_name: 'UF_USR_ENUM_B', user_type_id: 'enumeration' }))!;
    const late = await insertEnumItem(db, { field_id: a, value: 'late', sort: 900, xml_id: 'l' });
    const early = await insertEnumItem(db, { field_id: a, value: 'early', sort: 10, xml_id: 'e' });
    const tie = await insertEnumItem(db, { field_id: a, value: 'tie', sort: 900, xml_id: 't' });
    const other = await insertEnumItem(db, { field_id: b, value: 'b1', xml_id: 'b' });
    assert.deepEqual((await enumItems(db, [a])).map((i) => i.id), [early, late, tie]);
    const [first] = await enumItems(db, [b]);
    assert.deepEqual([first?.def, first?.sort], ['N', 500], 'defaults');
    await updateEnumItem(db, b, early, { value: 'stolen' });
    await deleteEnumItem(db, b, late);
    assert.deepEqual((await enumItems(db, [a])).map((i) => i.value), ['early', 'late', 'tie'], "another field's id changes nothing");
    await updateEnumItem(db, a, early, { value: 'first', def: 'Y' });
    await deleteEnumItem(db, a, late);
    assert.deepEqual((await enumItems(db, [a, b])).map((i) => [i.field_id, i.value, i.def]), [[a, 'first', 'Y'], [b, 'b1', 'N'], [a, 'tie', 'N']]);
    await deleteUserField(db, a);
    assert.deepEqual((await enumItems(db, [a, b])).map((i) => i.id), [other]);
    assert.deepEqual(await enumItems(db, []), []);
  });
});
