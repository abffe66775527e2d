/**
 * Queries on application data: `app_options` (per application) and `user_options` (per
 * application and user). Values are the stored JSON text; no domain rules here.
 */
import type { Db } from '../db.js';

/** Whose keys: an application's own (`userId` absent) or one user's of that application. */
export interface OptionOwner {
  appId: number;
  userId?: number;
}

export async function readOptions(db: Db, owner: OptionOwner, name?: string): Promise<{ name: string; value: string }[]> {
  if (owner.userId === undefined) {
    let q = db.selectFrom('app_options').select(['name', 'value']).where('app_id', '=', owner.appId);
    if (name !== undefined) q = q.where('name', '=', name);
    return q.orderBy('name').execute();
  }
  let q = db.selectFrom('user_options').select(['name', 'value']).where('app_id', '=', owner.appId).where('user_id', '=', owner.userId);
  if (name !== undefined) q = q.where('name', '=', name);
  return q.orderBy('name').execute();
}

/** Writes each key: inserted when new, replaced when it exists. */
export async function writeOptions(db: Db, owner: OptionOwner, values: [string, string][]): Promise<void> {
  for (const [name, value] of values) {
    if (owner.userId === undefined) {
      await db.insertInto('app_options').values({ app_id: owner.appId, name, value })
        .onConflict((oc) => oc.columns(['app_id', 'name']).doUpdateSet({ value })).execute();
    } else {
      await db.insertInto('user_options').values({ app_id: owner.appId, user_id: owner.userId, name, value })
        .onConflict((oc) => oc.columns(['app_id', 'user_id', 'name']).doUpdateSet({ value })).execute();
    }
  }
}

/** Removes every key of an application, its users' included (a clean uninstall). */
export async function deleteAppOptions(db: Db, appId: number): Promise<void> {
  await db.deleteFrom('app_options').where('app_id', '=', appId).execute();
  await db.deleteFrom('user_options').where('app_id', '=', appId).execute();
}
