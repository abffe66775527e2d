import type { Clock } from '../clock.js';
import { isoDate } from '../clock.js';
import type { Db } from '../store/db.js';
import { insertUser, setUserLogin, type UserRow } from '../store/repos/users.js';
import { colorHex } from './colors.js';
import { DEFAULT_PRESENCE, type Presence } from './user-status.js';

export type { UserRow };
export { findUser as getUser, findUsers as getUsers, listUsers } from '../store/repos/users.js';
import { listUsersExcept } from '../store/repos/users.js';

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
  const id = await insertUser(db, {
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
  });
  // People get a login like a portal account; bots get theirs from the bot lifecycle.
  if (!u.login) await setUserLogin(db, id, `user${id}`);
  return id;
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

/** The colour a user's card shows when none was chosen: a stable pick by id. */
export const PALETTE = ['#df532d', '#4ba984', '#4ba5c3', '#3e99ce', '#8474c8', '#1eb4aa', '#f76187', '#58cc47', '#ab7761', '#29619b', '#728f7a', '#ba9c7b'];

/** A user's card colour: the status colour they chose (a bot's PROPERTIES.COLOR), else the palette pick. */
export function userColor(u: UserRow): string {
  return colorHex(u.color) ?? PALETTE[u.id % PALETTE.length]!;
}

/**
 * The messenger's user card (im.dialog.messages.get `users`, im.user.get); `presence` is the
 * status the person set and their idle start (im.user.status.*), online and not idle by default.
 */
export function formatImUser(u: UserRow, presence: Presence = DEFAULT_PRESENCE): Record<string, unknown> {
  const isBot = u.external_auth_id === 'bot';
  return {
    id: u.id,
    active: !!u.active,
    name: fullName(u),
    first_name: u.name,
    last_name: u.last_name,
    work_position: u.work_position,
    color: userColor(u),
    avatar: '',
    avatar_hr: '',
    gender: u.personal_gender === 'F' ? 'F' : 'M',
    birthday: '',
    extranet: u.user_type === 'extranet',
    network: false,
    bot: isBot,
    connector: false,
    external_auth_id: isBot ? 'bot' : 'default',
    status: presence.status,
    idle: presence.idleSince === null ? false : isoDate(presence.idleSince),
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

// ---------------------------------------------------------------------------------------------
// user.get filtering and sorting (api-reference/user/user-get.md): pure functions over the user rows.

/** The user.get fields a filter or sort can name, as the API spells them. */
const USER_FIELDS: Record<string, (u: UserRow) => unknown> = {
  ID: (u) => u.id,
  ACTIVE: (u) => (u.active ? 'Y' : 'N'),
  LOGIN: (u) => u.login,
  NAME: (u) => u.name,
  LAST_NAME: (u) => u.last_name,
  SECOND_NAME: () => '',
  EMAIL: (u) => u.email,
  XML_ID: () => '',
  WORK_POSITION: (u) => u.work_position,
  PERSONAL_GENDER: (u) => u.personal_gender,
  PERSONAL_BIRTHDAY: (u) => u.personal_birthday,
  PERSONAL_WWW: (u) => u.personal_www,
  TIME_ZONE: (u) => u.time_zone,
  USER_TYPE: (u) => u.user_type,
  IS_ONLINE: () => 'N',
  DATE_REGISTER: (u) => isoDate(u.date_register),
  UF_DEPARTMENT: (u) => departmentsOf(u),
};

/** Filter key prefixes, longest first so `>=` is not read as `>`. */
const OPERATORS = ['!=%', '!%=', '>=', '<=', '=%', '%=', '!%', '!@', '!=', '>', '<', '@', '%', '=', '!'] as const;
type Operator = (typeof OPERATORS)[number] | '';

export interface UserCondition {
  op: Operator;
  field: string;
  value: unknown;
}

/** `{">=ID": 5, "%NAME": "jo"}` → conditions; unknown fields are ignored as the portal does. */
export function parseUserFilter(filter: Record<string, unknown>): UserCondition[] {
  const out: UserCondition[] = [];
  for (const [key, value] of Object.entries(filter)) {
    const op = OPERATORS.find((o) => key.startsWith(o)) ?? '';
    const field = key.slice(op.length).toUpperCase();
    if (field in USER_FIELDS || field === 'NAME_SEARCH' || field === 'FIND') out.push({ op, field, value });
  }
  return out;
}

/** PHP's string of a filter value: an array is "Array" (NAME[0][x]=1 matches nobody, no error). */
const lower = (v: unknown) => (v !== null && typeof v === 'object' ? 'array' : String(v ?? '').toLowerCase());
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : [v]);

/** A PHP array among the values (client input such as `ID[][x]=1` is one; it has no number value). */
const isArray = (v: unknown): boolean => v !== null && typeof v === 'object';

function equalValues(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') {
    // PHP: an array never equals a number (and has no primitive value to compare here)
    if (isArray(a) || isArray(b)) return false;
    return Number(a) === Number(b) && String(b).trim() !== '';
  }
  return lower(a) === lower(b);
}

/** SQL LIKE with `%` wildcards, case-insensitive. */
function like(value: unknown, pattern: unknown): boolean {
  const re = lower(pattern).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${re}$`, 's').test(lower(value));
}

function compare(a: unknown, b: unknown): number {
  // PHP: an array is greater than any scalar
  if (isArray(b)) return isArray(a) ? 0 : -1;
  if (typeof a === 'number') return a - Number(b);
  return lower(a) < lower(b) ? -1 : lower(a) > lower(b) ? 1 : 0;
}

/** The truth of one condition for one value (a department list matches if any element does). */
function holds(c: UserCondition, actual: unknown): boolean {
  if (Array.isArray(actual)) return ['!', '!=', '!@'].includes(c.op) ? actual.every((a) => holds(c, a)) : actual.some((a) => holds(c, a));
  const wanted = listOf(c.value);
  switch (c.op) {
    case '':
    case '=':
    case '@':
      return wanted.some((w) => equalValues(actual, w));
    case '!':
    case '!=':
    case '!@':
      return !wanted.some((w) => equalValues(actual, w));
    case '>':
      return compare(actual, c.value) > 0;
    case '>=':
      return compare(actual, c.value) >= 0;
    case '<':
      return compare(actual, c.value) < 0;
    case '<=':
      return compare(actual, c.value) <= 0;
    case '%':
      return wanted.some((w) => lower(actual).includes(lower(w)));
    case '!%':
      return !wanted.some((w) => lower(actual).includes(lower(w)));
    case '=%':
    case '%=':
      return wanted.some((w) => like(actual, w));
    case '!=%':
    case '!%=':
      return !wanted.some((w) => like(actual, w));
  }
}

function matches(u: UserRow, c: UserCondition): boolean {
  if (c.field === 'NAME_SEARCH' || c.field === 'FIND') {
    const haystack = [u.name, u.last_name, fullName(u), u.email, u.work_position, u.login].map(lower);
    return lower(c.value).split(/\s+/).filter(Boolean).every((word) => haystack.some((h) => h.includes(word)));
  }
  if (c.field === 'ACTIVE' && (c.value === true || c.value === 'true' || c.value === 1 || c.value === '1')) return !!u.active;
  if (c.field === 'ACTIVE' && (c.value === false || c.value === 'false' || c.value === 0 || c.value === '0')) return !u.active;
  return holds(c, USER_FIELDS[c.field](u));
}

export function filterUsers(users: UserRow[], conditions: UserCondition[]): UserRow[] {
  return users.filter((u) => conditions.every((c) => matches(u, c)));
}

/** Sorted copy by an API field (unknown fields fall back to ID); ties keep ID order. */
export function sortUsers(users: UserRow[], field: string, desc: boolean): UserRow[] {
  const get = USER_FIELDS[field.toUpperCase()] ?? USER_FIELDS.ID;
  const sign = desc ? -1 : 1;
  return [...users].sort((a, b) => sign * compare(get(a), get(b)) || a.id - b.id);
}

/** Users that are not people of the portal: bots and open-line visitors (the connector's users). */
export const EXTERNAL_USER_TYPES = ['bot', 'imconnector'] as const;

/** People as user.get lists them: never bots or open-line visitors. */
export function listPeople(db: Db): Promise<UserRow[]> {
  return listUsersExcept(db, EXTERNAL_USER_TYPES);
}
