/**
 * user.add and user.update (api-reference/user/user-add.md, user-update.md): administrators
 * invite people and change their profiles. Standard fields this portal keeps: NAME, LAST_NAME,
 * EMAIL, ACTIVE, WORK_POSITION, PERSONAL_GENDER, PERSONAL_BIRTHDAY, PERSONAL_WWW, UF_DEPARTMENT;
 * plus every custom `UF_USR_…` field.
 */
import { AccountError, inviteUser, updateAccount, type AccountInput } from '../../im/accounts.js';
import { RestError } from '../../rest/errors.js';
import { intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';

/** ERROR_ARGUMENT carries an (empty) `argument`, as the portal's ArgumentException does. */
function restError(err: AccountError): RestError {
  return new RestError(err.code, err.message, 400, err.code === 'ERROR_ARGUMENT' ? { argument: '' } : {});
}

const str = (P: Record<string, unknown>, key: string): string | undefined => (P[key] === undefined ? undefined : phpString(P[key]));

/** UF_DEPARTMENT: an array of ids, or one id. */
function departmentList(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const list = isPhpArray(v) ? Object.values(v) : v === null || v === '' ? [] : [v];
  return [...new Set(list.map(intval).filter((n) => n > 0))];
}

function accountInput(P: Record<string, unknown>): AccountInput {
  const active = P.ACTIVE;
  return {
    email: str(P, 'EMAIL'),
    name: str(P, 'NAME'),
    lastName: str(P, 'LAST_NAME'),
    workPosition: str(P, 'WORK_POSITION'),
    gender: str(P, 'PERSONAL_GENDER'),
    birthday: str(P, 'PERSONAL_BIRTHDAY'),
    www: str(P, 'PERSONAL_WWW'),
    active: active === undefined ? undefined : !(active === false || ['N', '0', 'FALSE', ''].includes(phpString(active).toUpperCase())),
    departments: departmentList(P.UF_DEPARTMENT),
    params: P,
  };
}

const accessDenied = () => new RestError('ERROR_CORE', 'access_denied');

async function userAdd(call: MethodCall): Promise<number> {
  if (!call.caller.isAdmin) throw accessDenied();
  const P = upperKeys(call.params);
  // extranet people join through a workgroup; this portal has none
  if (phpString(P.EXTRANET).toUpperCase() === 'Y') {
    if (!isPhpArray(P.SONET_GROUP_ID) || Object.keys(P.SONET_GROUP_ID).length === 0) throw new RestError('ERROR_GROUPID', 'Group code not specified');
    throw new RestError('ERROR_NO_GROUP', 'Group is specified incorrectly');
  }
  try {
    return await inviteUser(call.ctx, accountInput(P));
  } catch (err) {
    throw err instanceof AccountError ? restError(err) : err;
  }
}

async function userUpdate(call: MethodCall): Promise<true> {
  if (!call.caller.isAdmin) throw accessDenied();
  const P = upperKeys(call.params);
  try {
    await updateAccount(call.ctx, intval(P.ID), accountInput(P));
  } catch (err) {
    throw err instanceof AccountError ? restError(err) : err;
  }
  return true;
}

export const accountMethods: MethodSpec[] = [
  { name: 'user.add', scope: 'user', write: true, handler: userAdd },
  { name: 'user.update', scope: 'user', write: true, handler: userUpdate },
];
