import type { Clock } from '../clock.js';
import { isoDate } from '../clock.js';
import type { Db } from '../store/db.js';
import type { UsersTable } from '../store/schema.js';
import type { Selectable } from 'kysely';

export type UserRow = Selectable<UsersTable>;

export interface NewUser {
  name: string;
  lastName?: string;
  email?: string;
  login?: string;
  isAdmin?: boolean;
  externalAuthId?: string;
  userType?: string;
  workPosition?: string;
  gender?: string;
  birthday?: string;
  www?: string;
  color?: string;
  departments?: number[];
}

export async function createUser(db: Db, clock: Clock, u: NewUser): Promise<number> {
  const row = await db
    .insertInto('users')
    .values({
      login: u.login ?? '',
      name: u.name,
      last_name: u.lastName ?? '',
      email: u.email ?? '',
      is_admin: u.isAdmin ? 1 : 0,
      external_auth_id: u.externalAuthId ?? '',
      user_type: u.userType ?? 'employee',
      work_position: u.workPosition ?? '',
      personal_gender: u.gender ?? '',
      personal_birthday: u.birthday ?? '',
      personal_www: u.www ?? '',
      color: u.color ?? '',
      departments: JSON.stringify(u.departments ?? (u.externalAuthId === 'bot' ? [] : [1])),
      date_register: clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // People get a login like a portal account; bots get theirs from the bot lifecycle.
  if (!u.login) await db.updateTable('users').set({ login: `user${row.id}` }).where('id', '=', row.id).execute();
  return row.id;
}

export function getUser(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listUsers(db: Db): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().orderBy('id').execute();
}

export async function getUsers(db: Db, ids: number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', ids).orderBy('id').execute();
}

export function fullName(u: Pick<UserRow, 'name' | 'last_name'>): string {
  return `${u.name} ${u.last_name}`.trim();
}

export function departmentsOf(u: UserRow): number[] {
  try {
    const d = JSON.parse(u.departments);
    return Array.isArray(d) ? d.map(Number) : [];
  } catch {
    return [];
  }
}

/** `user.current` (scope `user`): IDs as strings, ACTIVE a boolean, dates in `date('c')` form. */
export function formatUserCurrent(u: UserRow): Record<string, unknown> {
  return {
    ID: String(u.id),
    XML_ID: '',
    ACTIVE: !!u.active,
    NAME: u.name,
    LAST_NAME: u.last_name,
    SECOND_NAME: '',
    EMAIL: u.email,
    LAST_LOGIN: u.last_activity ? isoDate(u.last_activity) : '',
    DATE_REGISTER: isoDate(u.date_register),
    IS_ONLINE: 'N',
    TIME_ZONE: u.time_zone,
    TIME_ZONE_OFFSET: 0,
    TIMESTAMP_X: '',
    LAST_ACTIVITY_DATE: '',
    PERSONAL_GENDER: u.personal_gender,
    PERSONAL_BIRTHDAY: u.personal_birthday,
    PERSONAL_WWW: u.personal_www,
    WORK_POSITION: u.work_position,
    UF_EMPLOYMENT_DATE: '',
    UF_DEPARTMENT: departmentsOf(u),
    USER_TYPE: u.user_type,
  };
}

/** `profile`: the caller's brief card. */
export function formatProfile(u: UserRow): Record<string, unknown> {
  if (!u.active) return {};
  return {
    ID: String(u.id),
    ADMIN: !!u.is_admin,
    NAME: u.name,
    LAST_NAME: u.last_name,
    PERSONAL_GENDER: u.personal_gender,
    TIME_ZONE: u.time_zone,
    TIME_ZONE_OFFSET: 0,
  };
}

const PALETTE = ['#df532d', '#4ba984', '#4ba5c3', '#3e99ce', '#8474c8', '#1eb4aa', '#f76187', '#58cc47', '#ab7761', '#29619b', '#728f7a', '#ba9c7b'];

/** The messenger's user card (im.dialog.messages.get `users`, im.user.get). */
export function formatImUser(u: UserRow): Record<string, unknown> {
  const isBot = u.external_auth_id === 'bot';
  return {
    id: u.id,
    active: !!u.active,
    name: fullName(u),
    first_name: u.name,
    last_name: u.last_name,
    work_position: u.work_position,
    color: PALETTE[u.id % PALETTE.length],
    avatar: '',
    avatar_hr: '',
    gender: u.personal_gender === 'F' ? 'F' : 'M',
    birthday: '',
    extranet: u.user_type === 'extranet',
    network: false,
    bot: isBot,
    connector: false,
    external_auth_id: isBot ? 'bot' : 'default',
    status: 'online',
    idle: false,
    last_activity_date: u.last_activity ? isoDate(u.last_activity) : false,
    mobile_last_date: false,
    desktop_last_date: false,
    absent: false,
    departments: departmentsOf(u),
    phones: false,
    bot_data: null,
    type: isBot ? 'bot' : u.user_type === 'extranet' ? 'extranet' : 'user',
    website: u.personal_www,
    email: u.email,
  };
}
