/** Queries on custom user fields (`user_fields`) and their values (`user_field_values`). */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../db.js';
import type { UserFieldsTable } from '../schema.js';

export type UserFieldRow = Selectable<UserFieldsTable>;

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

/** Removes a field and every person's value of it. */
export async function deleteUserField(db: Db, id: number): Promise<void> {
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
