import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { SERVED_SCOPES } from '../auth/scopes.js';
import { addWebhook } from '../auth/webhooks.js';

export interface PortalState {
  memberId: string;
  adminWebhookCode: string;
  /** this call made the portal (a fresh data dir): the one start whose banner shows the admin webhook */
  created: boolean;
}

async function setting(db: Db, key: string): Promise<string | undefined> {
  return (await db.selectFrom('portal').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

/**
 * A fresh data dir becomes a portal: a member id, user 1 (the administrator) and an admin webhook
 * for the scopes this server implements. Idempotent: later starts only read what is there.
 * `keep` (a reset) makes the new portal keep the old one's member id and admin webhook code.
 */
export async function ensurePortal(db: Db, clock: Clock, keep?: PortalState): Promise<PortalState> {
  const existing = await setting(db, 'member_id');
  if (existing) {
    return { memberId: existing, adminWebhookCode: (await setting(db, 'admin_webhook_code')) ?? '', created: false };
  }
  const create = async (trx: Db) => {
    const now = clock.now();
    const memberId = keep?.memberId ?? randomBytes(16).toString('hex');
    await trx
      .insertInto('users')
      .values({
        id: 1,
        login: 'admin',
        name: 'Admin',
        last_name: '',
        email: 'admin@example.com',
        is_admin: 1,
        user_type: 'employee',
        departments: '[1]',
        date_register: now,
      })
      .execute();
    const hook = await addWebhook(trx, clock, { userId: 1, scope: SERVED_SCOPES.join(','), title: 'Administrator', code: keep?.adminWebhookCode });
    await trx
      .insertInto('portal')
      .values([
        { key: 'member_id', value: memberId },
        { key: 'admin_webhook_code', value: hook.code },
      ])
      .execute();
    return { memberId, adminWebhookCode: hook.code, created: true };
  };
  return db.isTransaction ? create(db) : db.transaction().execute(create);
}
