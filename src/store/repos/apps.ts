/**
 * Queries on local OAuth applications (`apps`) and what the token server issues for them
 * (`oauth_tokens`: authorization codes, access and refresh tokens, by `kind`).
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../db.js';
import { preparedRead } from '../prepared.js';
import type { AppsTable, OAuthTokensTable } from '../schema.js';

export type AppRow = Selectable<AppsTable>;
export type NewAppRow = Insertable<AppsTable>;
export type AppPatch = Updateable<Omit<AppsTable, 'id' | 'client_id'>>;
export type OAuthTokenRow = Selectable<OAuthTokensTable>;
export type NewOAuthTokenRow = Insertable<OAuthTokensTable>;

/** What a REST call made with an access token needs to know (the token and its app). */
export interface AccessGrant {
  user_id: number;
  scope: string;
  expires_at: number;
  revoked: number;
  client_id: string;
  app_row_id: number;
  active: number;
  blocked: number;
  access: string;
}

const accessGrant = preparedRead<[string], AccessGrant>(1, (db, token) =>
  db
    .selectFrom('oauth_tokens')
    .innerJoin('apps', 'apps.id', 'oauth_tokens.app_id')
    .select([
      'oauth_tokens.user_id',
      'oauth_tokens.scope',
      'oauth_tokens.expires_at',
      'oauth_tokens.revoked',
      'apps.client_id',
      'apps.id as app_row_id',
      'apps.active',
      'apps.blocked',
      'apps.access',
    ])
    .where('oauth_tokens.token', '=', token)
    .where('oauth_tokens.kind', '=', 'access'),
);

const byClientId = preparedRead<[string], AppRow>(1, (db, clientId) => db.selectFrom('apps').selectAll().where('client_id', '=', clientId));

export function findApp(db: Db, id: number): Promise<AppRow | undefined> {
  return db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The app with this client id (exact match; compiled once). */
export function findAppByClientId(db: Db, clientId: string): Promise<AppRow | undefined> {
  return byClientId.first(db, clientId);
}

export function listApps(db: Db): Promise<AppRow[]> {
  return db.selectFrom('apps').selectAll().orderBy('id').execute();
}

export async function insertApp(db: Db, row: NewAppRow): Promise<void> {
  await db.insertInto('apps').values(row).execute();
}

export async function updateApp(db: Db, id: number, patch: AppPatch): Promise<void> {
  if (Object.keys(patch).length) await db.updateTable('apps').set(patch).where('id', '=', id).execute();
}

/** Sets the manual block of an app by client id; whether such an app exists. */
export async function setAppBlocked(db: Db, clientId: string, blocked: boolean): Promise<boolean> {
  const res = await db.updateTable('apps').set({ blocked: blocked ? 1 : 0 }).where('client_id', '=', clientId).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Deletes an app with every token and code issued for it. */
export async function deleteApp(db: Db, id: number): Promise<void> {
  await db.deleteFrom('oauth_tokens').where('app_id', '=', id).execute();
  await db.deleteFrom('apps').where('id', '=', id).execute();
}

export async function insertOAuthToken(db: Db, row: NewOAuthTokenRow): Promise<void> {
  await db.insertInto('oauth_tokens').values(row).execute();
}

/** A code, access or refresh token by its kind and value. */
export function findOAuthToken(db: Db, kind: string, token: string): Promise<OAuthTokenRow | undefined> {
  return db.selectFrom('oauth_tokens').selectAll().where('kind', '=', kind).where('token', '=', token).executeTakeFirst();
}

/** An access token with its app's state (hot: every OAuth call; compiled once). */
export function findAccessGrant(db: Db, token: string): Promise<AccessGrant | undefined> {
  return accessGrant.first(db, token);
}

export async function revokeOAuthToken(db: Db, token: string): Promise<void> {
  await db.updateTable('oauth_tokens').set({ revoked: 1 }).where('token', '=', token).execute();
}

/** Revokes every token and code of an app. */
export async function revokeAppTokens(db: Db, appId: number): Promise<void> {
  await db.updateTable('oauth_tokens').set({ revoked: 1 }).where('app_id', '=', appId).execute();
}
