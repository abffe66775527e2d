import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { isPostgres, type Db } from '../store/db.js';
import { sql } from 'kysely';
import { SERVED_SCOPES } from '../auth/scopes.js';
import { addWebhook } from '../auth/webhooks.js';
import { insertDepartment } from '../store/repos/departments.js';

/** The top-level department of a new portal: the company, headed by its first administrator. */
export const ROOT_DEPARTMENT = { name: 'My Company', sort: 500, parent_id: 0, head_id: 1 } as const;

export interface PortalState {
  memberId: string;
  adminWebhookCode: string;
  /** this call made the portal (a fresh data dir): the one start whose banner shows the admin webhook */
  created: boolean;
}

async function setting(db: Db, key: string): Promise<string | undefined> {
  return (await db.selectFrom('portal').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

async function existingPortal(db: Db): Promise<PortalState | null> {
  const memberId = await setting(db, 'member_id');
  return memberId ? { memberId, adminWebhookCode: (await setting(db, 'admin_webhook_code')) ?? '', created: false } : null;
}

/**
 * A fresh data dir becomes a portal: a member id, user 1 (the administrator) heading department 1
 * (the company, the top of the structure) and an admin webhook for the scopes this server
 * implements. Idempotent: later starts only read what is there. Two
 * processes starting on one fresh PostgreSQL store at once make one portal: the second waits
 * for the first's transaction-scoped lock and then finds its portal. `keep` (a reset) makes the
 * new portal keep the old one's member id and admin webhook code.
 */
export async function ensurePortal(db: Db, clock: Clock, keep?: PortalState): Promise<PortalState> {
  const existing = await existingPortal(db);
  if (existing) return existing;
  const create = async (trx: Db): Promise<PortalState> => {
    if (isPostgres(trx)) {
      await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ':imbot-bootstrap'))`.execute(trx);
      const made = await existingPortal(trx);
      if (made) return made;
    }
    const now = clock.now();
    const memberId = keep?.memberId ?? randomBytes(16).toString('hex');
    // The first user of a fresh store is user 1 (no explicit id: PostgreSQL's identity sequence
    // would not know it was taken).
    const admin = await trx
      .insertInto('users')
      .values({
        login: 'admin',
        name: 'Admin',
        last_name: '',
        email: 'admin@example.com',
        is_admin: 1,
        user_type: 'employee',
        departments: '[1]',
        date_register: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (admin.id !== 1) throw new Error(`the store is not fresh: its first user would be ${admin.id}, not 1`);
    await insertDepartment(trx, { ...ROOT_DEPARTMENT });
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
