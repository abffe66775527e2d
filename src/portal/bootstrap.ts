import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { inTransaction, lockKey, type Db } from '../store/db.js';
import { insertPortalSettingOnce, insertPortalSettings, readPortalSetting } from '../store/repos/portal.js';
import { SERVED_SCOPES } from '../auth/scopes.js';
import { addWebhook } from '../auth/webhooks.js';
import { DOWNLOAD_SECRET_SETTING, newDownloadSecret } from '../im/download-links.js';
import { createUser } from '../im/users.js';
import { insertDepartment } from '../store/repos/departments.js';

/** The top-level department of a new portal: the company, headed by its first administrator. */
export const ROOT_DEPARTMENT = { name: 'My Company', sort: 500, parent_id: 0, head_id: 1 } as const;

export interface PortalState {
  memberId: string;
  adminWebhookCode: string;
  /** this call made the portal (a fresh data dir): the one start whose banner shows the admin webhook */
  created: boolean;
}

async function existingPortal(db: Db): Promise<PortalState | null> {
  const memberId = await readPortalSetting(db, 'member_id');
  return memberId ? { memberId, adminWebhookCode: (await readPortalSetting(db, 'admin_webhook_code')) ?? '', created: false } : null;
}

/**
 * A fresh data dir becomes a portal: a member id, user 1 (the administrator) heading department 1
 * (the company, the top of the structure) and an admin webhook for the scopes this server
 * implements. Idempotent: later starts only read what is there. Two
 * processes starting on one fresh PostgreSQL store at once make one portal: the second waits
 * for the first's transaction-scoped lock and then finds its portal. `keep` (a reset) makes the
 * new portal keep the old one's member id and admin webhook code. Every start makes sure the
 * portal has its download-link signing key (a store made before there was one gets it then).
 */
export async function ensurePortal(db: Db, clock: Clock, keep?: PortalState): Promise<PortalState> {
  const state = (await existingPortal(db)) ?? (await inTransaction(db, (trx) => createPortal(trx, clock, keep)));
  await insertPortalSettingOnce(db, DOWNLOAD_SECRET_SETTING, newDownloadSecret());
  return state;
}

async function createPortal(trx: Db, clock: Clock, keep?: PortalState): Promise<PortalState> {
  // one bootstrap at a time (PostgreSQL; SQLite's writers already take turns): the second finds the first's portal
  await lockKey(trx, 'imbot-bootstrap');
  const made = await existingPortal(trx);
  if (made) return made;
  const memberId = keep?.memberId ?? randomBytes(16).toString('hex');
  // The first user of a fresh store is user 1 (no explicit id: PostgreSQL's identity sequence
  // would not know it was taken).
  const adminId = await createUser(trx, clock, { login: 'admin', name: 'Admin', email: 'admin@example.com', isAdmin: true, userType: 'employee', departments: [1] });
  if (adminId !== 1) throw new Error(`the store is not fresh: its first user would be ${adminId}, not 1`);
  await insertDepartment(trx, { ...ROOT_DEPARTMENT, created_at: clock.now(), updated_at: clock.now() });
  const hook = await addWebhook(trx, clock, { userId: 1, scope: SERVED_SCOPES.join(','), title: 'Administrator', code: keep?.adminWebhookCode });
  await insertPortalSettings(trx, { member_id: memberId, admin_webhook_code: hook.code });
  return { memberId, adminWebhookCode: hook.code, created: true };
}
