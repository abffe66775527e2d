import type { Db } from '../store/db.js';

/**
 * Manual blocks, the platform's "REST API is blocked due to overload" switch: a blocked webhook or
 * application answers `OVERLOAD_LIMIT` on every call (checked in auth/authenticate.ts) until
 * unblocked. Returns whether such a webhook/application exists.
 */
export async function setWebhookBlocked(db: Db, code: string, blocked: boolean): Promise<boolean> {
  const res = await db.updateTable('webhooks').set({ blocked: blocked ? 1 : 0 }).where('code', '=', code).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function setAppBlocked(db: Db, clientId: string, blocked: boolean): Promise<boolean> {
  const res = await db.updateTable('apps').set({ blocked: blocked ? 1 : 0 }).where('client_id', '=', clientId).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
