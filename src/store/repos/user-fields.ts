/**
 * Queries on custom user fields (`user_fields`), their values (`user_field_values`) and the
 * `LIST` items of enumeration fields (`user_field_enums`).
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../db.js';
import type { UserFieldEnumsTable, UserFieldsTable } from '../schema.js';

export type UserFieldRow = Selectable<UserFieldsTable>;
export type EnumItemRow = Selectable<UserFieldEnumsTable>;

export function allUserFields(db: Db): Promise<UserFieldRow[]> {
  return db.selectFrom('user_fields').selectAll().orderBy('id').execute();
}

export function userFieldById(db: Db, id: number): Promise<UserFieldRow | undefined> {
  return db.selectFrom('user_fields').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Inserts a field; undefined when one with that name exists (the unique name decides, atomically). */
export async function insertUserField(db: Db, f: Insertable<UserFieldsTable>): Promise<number | undefined> {
  const row = await db.insertInto('user_fields').values(f).onConflict((oc) => oc.column('field_name').doNothing()).returning('id').executeTakeFirst();
  return row?.id;
}

export async function updateUserField(db: Db, id: number, patch: Updateable<UserFieldsTable>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('user_fields').set(patch).where('id', '=', id).execute();
}

/** Removes a field, its list items and every person's value of it. */
export async function deleteUserField(db: Db, id: number): Promise<void> {
  await db.deleteFrom('user_field_enums').where('field_id', '=', id).execute();
  await db.deleteFrom('user_field_values').where('field_id', '=', id).execute();
  await db.deleteFrom('user_fields').where('id', '=', id).execute();
}

export function fieldValues(db: Db, userIds: number[]): Promise<{ user_id: number; field_id: number; value: string }[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('user_field_values').selectAll().where('user_id', 'in', userIds).execute();
}

/** Sets one person's value of one field (JSON), replacing what was there. */
export async function setFieldValue(db: Db, userId: number, fieldId: number, value: string): Promise<void> {
  await db
    .insertInto('user_field_values')
    .values({ user_id: userId, field_id: fieldId, value })
    .onConflict((oc) => oc.columns(['user_id', 'field_id']).doUpdateSet({ value }))
    .execute();
}

/** The list items of these fields, by SORT then id. */
export function enumItems(db: Db, fieldIds: number[]): Promise<EnumItemRow[]> {
  if (fieldIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('user_field_enums').selectAll().where('field_id', 'in', fieldIds).orderBy('sort').orderBy('id').execute();
}

export async function insertEnumItem(db: Db, item: Insertable<UserFieldEnumsTable>): Promise<number> {
  const row = await db.insertInto('user_field_enums').values(item).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Changes one item of one field (an id of another field changes nothing). */
export async function updateEnumItem(db: Db, fieldId: number, id: number, patch: Updateable<UserFieldEnumsTable>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('user_field_enums').set(patch).where('field_id', '=', fieldId).where('id', '=', id).execute();
}

export async function deleteEnumItem(db: Db, fieldId: number, id: number): Promise<void> {
  await db.deleteFrom('user_field_enums').where('field_id', '=', fieldId).where('id', '=', id).execute();
}
