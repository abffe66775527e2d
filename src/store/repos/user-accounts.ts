/** Queries behind user.add / user.update: e-mail ownership and changes to a person's columns. */
import type { Updateable } from 'kysely';
import type { Db } from '../db.js';
import type { UsersTable } from '../schema.js';

/** The id of a user (other than `exceptId`) whose e-mail is `email`, any case. */
export async function userWithEmail(db: Db, email: string, exceptId = 0): Promise<number | undefined> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .where('id', '!=', exceptId)
    .orderBy('id')
    .executeTakeFirst();
  return row?.id;
}

export async function updateUserColumns(db: Db, id: number, patch: Updateable<UsersTable>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('users').set(patch).where('id', '=', id).execute();
}
