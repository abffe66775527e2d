/**
 * A person's messenger presence (api-reference/chats/users/im-user-status-*): the status they set
 * (`online` until they choose another) and whether they are idle since some moment.
 */
import type { DomainCtx } from '../context.js';
import type { Db } from '../store/db.js';
import { statusRows, upsertStatus } from '../store/repos/user-status.js';

export const USER_STATUSES = ['online', 'dnd', 'away', 'break'] as const;

export interface Presence {
  status: string;
  /** ms of the idle start, or null */
  idleSince: number | null;
}

export const DEFAULT_PRESENCE: Presence = { status: 'online', idleSince: null };

/** Presence by user id; people who never set anything are absent (use DEFAULT_PRESENCE). */
export async function presenceOf(db: Db, userIds: number[]): Promise<Map<number, Presence>> {
  return new Map((await statusRows(db, userIds)).map((r) => [r.user_id, { status: r.status, idleSince: r.idle_since === null ? null : Number(r.idle_since) }]));
}

export async function setStatus(ctx: DomainCtx, userId: number, status: string): Promise<void> {
  await upsertStatus(ctx.db, userId, { status });
}

/** Idle since `minutesAgo` minutes before now (im.user.status.idle.start). */
export async function startIdle(ctx: DomainCtx, userId: number, minutesAgo: number): Promise<void> {
  await upsertStatus(ctx.db, userId, { idle_since: ctx.clock.now() - minutesAgo * 60_000 });
}

export async function endIdle(ctx: DomainCtx, userId: number): Promise<void> {
  await upsertStatus(ctx.db, userId, { idle_since: null });
}
