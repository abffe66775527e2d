/**
 * Queries on the portal's own settings (`portal`: key → value, e.g. member_id).
 */
import type { Db } from '../db.js';

export async function readPortalSetting(db: Db, key: string): Promise<string | undefined> {
  return (await db.selectFrom('portal').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

/** Inserts settings that do not exist yet (a key written twice is refused by its primary key). */
export async function insertPortalSettings(db: Db, settings: Record<string, string>): Promise<void> {
  const rows = Object.entries(settings).map(([key, value]) => ({ key, value }));
  if (rows.length) await db.insertInto('portal').values(rows).execute();
}

/** Inserts a setting unless it exists (two processes at once: one value wins, both read it). */
export async function insertPortalSettingOnce(db: Db, key: string, value: string): Promise<void> {
  await db.insertInto('portal').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
}

/** Writes a setting, replacing its value when the key exists (one statement: no check-then-insert). */
export async function upsertPortalSetting(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('portal')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
