import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { parseScopes } from './scopes.js';
import { getUser } from '../im/users.js';
import { deleteWebhook, findWebhookByCode, insertWebhook, listWebhooks as listWebhookRows } from '../store/repos/webhooks.js';
import { randomCode } from '../util/random.js';

export interface Webhook {
  id: number;
  userId: number;
  code: string;
  scope: string[];
  title: string;
  active: boolean;
}

export class WebhookError extends Error {}

/** What a webhook code can look like; anything else names no webhook. */
export const WEBHOOK_CODE = /^[A-Za-z0-9_-]{1,64}$/;

/** Creates an incoming webhook for a user; the code is 16 random lower-case alphanumerics unless given. */
export async function addWebhook(
  db: Db,
  clock: Clock,
  input: { userId: number; scope: string; code?: string; title?: string },
): Promise<Webhook> {
  const user = await getUser(db, input.userId);
  if (!user) throw new WebhookError(`user ${input.userId} does not exist`);
  if (user.external_auth_id === 'bot') throw new WebhookError(`user ${input.userId} is a bot; webhooks belong to people`);
  const code = input.code ?? randomCode(16);
  if (!WEBHOOK_CODE.test(code)) throw new WebhookError('a webhook code is 1-64 letters, digits, "_" or "-"');
  const taken = await findWebhookByCode(db, code);
  if (taken) throw new WebhookError(`webhook code ${code} is already in use`);
  const scope = parseScopes(input.scope);
  const id = await insertWebhook(db, { user_id: input.userId, code, scope: scope.join(','), title: input.title ?? '', created_at: clock.now() });
  return { id, userId: input.userId, code, scope, title: input.title ?? '', active: true };
}

export async function listWebhooks(db: Db): Promise<Webhook[]> {
  const rows = await listWebhookRows(db);
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    code: r.code,
    scope: parseScopes(r.scope),
    title: r.title,
    active: !!r.active,
  }));
}

/** Removes a webhook by code or numeric id; returns whether one was removed. */
export async function removeWebhook(db: Db, codeOrId: string): Promise<boolean> {
  return deleteWebhook(db, codeOrId);
}
