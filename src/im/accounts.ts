/**
 * People's accounts as an administrator manages them (api-reference/user/user-add.md,
 * user-update.md): inviting someone by e-mail into departments, and changing their profile.
 * E-mails are unique among users, any case; the check runs under a per-portal lock so two
 * invitations of one address cannot both pass it.
 */
import type { DomainCtx } from '../context.js';
import { lockKey } from '../store/db.js';
import { updateUserColumns, userWithEmail } from '../store/repos/users.js';
import { departmentsByIds } from '../store/repos/departments.js';
import { createUser, getUser } from './users.js';
import { FieldValueError, writeFieldValues } from './user-fields.js';

/** A refusal with the portal's code and text. */
export class AccountError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What user.add and user.update change; undefined = not given. */
export interface AccountInput {
  email?: string;
  name?: string;
  lastName?: string;
  workPosition?: string;
  gender?: string;
  birthday?: string;
  www?: string;
  active?: boolean;
  departments?: number[];
  /** the call's other parameters, for the `UF_USR_…` custom fields among them */
  params: Record<string, unknown>;
}

/** The check PHP's check_email makes, in short: one @, a dotted domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function mustBeFreeEmail(ctx: DomainCtx, email: string, exceptId = 0): Promise<void> {
  await lockKey(ctx.db, 'user-email');
  if (await userWithEmail(ctx.db, email, exceptId)) throw new AccountError('ERROR_ARGUMENT', 'A user with this email already exists');
}

/** The departments among `ids` that exist. */
async function existingDepartments(ctx: DomainCtx, ids: number[]): Promise<number[]> {
  const found = new Set((await departmentsByIds(ctx.db, ids)).map((d) => d.id));
  return ids.filter((id) => found.has(id));
}

/**
 * user.add for an intranet person: EMAIL valid and free, UF_DEPARTMENT naming at least one
 * department. The account is active at once (a portal sends an invitation; nobody is mailed here).
 */
export async function inviteUser(ctx: DomainCtx, a: AccountInput): Promise<number> {
  const email = (a.email ?? '').trim();
  if (!EMAIL.test(email)) throw new AccountError('ERROR_ARGUMENT', 'wrong_email');
  await mustBeFreeEmail(ctx, email);
  const departments = await existingDepartments(ctx, a.departments ?? []);
  if (departments.length === 0) throw new AccountError('ERROR_ARGUMENT', 'no_extranet_field');
  const id = await createUser(ctx.db, ctx.clock, {
    name: a.name ?? '',
    lastName: a.lastName,
    email,
    workPosition: a.workPosition,
    gender: a.gender,
    birthday: a.birthday,
    www: a.www,
    departments,
  });
  await writeValues(ctx, id, a.params);
  return id;
}

/** The custom fields' values; a value a field cannot take is the call's ERROR_CORE (nothing is kept: the call's transaction rolls back). */
async function writeValues(ctx: DomainCtx, id: number, params: Record<string, unknown>): Promise<void> {
  try {
    await writeFieldValues(ctx.db, id, params);
  } catch (err) {
    throw err instanceof FieldValueError ? new AccountError('ERROR_CORE', err.message) : err;
  }
}

/** user.update: the given fields of an existing person (not a bot). */
export async function updateAccount(ctx: DomainCtx, id: number, a: AccountInput): Promise<void> {
  const user = id > 0 ? await getUser(ctx.db, id) : undefined;
  if (!user || user.external_auth_id === 'bot') throw new AccountError('ERROR_CORE', 'access_denied');
  if (a.email !== undefined) {
    const email = a.email.trim();
    if (email !== '' && !EMAIL.test(email)) throw new AccountError('ERROR_CORE', 'wrong_email');
    if (email !== '' && email.toLowerCase() !== user.email.toLowerCase()) await mustBeFreeEmail(ctx, email, id);
  }
  let departments: number[] | undefined;
  if (a.departments !== undefined) {
    departments = await existingDepartments(ctx, a.departments);
    if (departments.length === 0 && user.user_type !== 'extranet') throw new AccountError('ERROR_CORE', 'no_extranet_field');
  }
  await updateUserColumns(ctx.db, id, {
    ...(a.email !== undefined ? { email: a.email.trim() } : {}),
    ...(a.name !== undefined ? { name: a.name } : {}),
    ...(a.lastName !== undefined ? { last_name: a.lastName } : {}),
    ...(a.workPosition !== undefined ? { work_position: a.workPosition } : {}),
    ...(a.gender !== undefined ? { personal_gender: a.gender } : {}),
    ...(a.birthday !== undefined ? { personal_birthday: a.birthday } : {}),
    ...(a.www !== undefined ? { personal_www: a.www } : {}),
    ...(a.active !== undefined ? { active: a.active ? 1 : 0 } : {}),
    ...(departments !== undefined ? { departments: JSON.stringify(departments) } : {}),
  });
  await writeValues(ctx, id, a.params);
}
