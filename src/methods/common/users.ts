/**
 * The caller's rights and the portal's access codes (api-reference/common/users/user-admin.md,
 * user-access.md, common/system/access-name.md) and the user field list (user/user-fields.md).
 */
import { GLOBAL_SCOPE } from '../../auth/scopes.js';
import { departmentsOf, fullName, getUser, getUsers } from '../../im/users.js';
import { departmentMap } from '../../im/departments.js';
import { fieldLabel } from '../../im/user-fields.js';
import { allUserFields } from '../../store/repos/user-fields.js';
import { assocOrEmpty, idval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';

/** ACCESS as a list of codes: an array's values, or one scalar code. */
function accessCodes(v: unknown): string[] {
  const list = isPhpArray(v) ? Object.values(v) : v === undefined || v === null || v === '' ? [] : [v];
  return list.map(phpString).filter((c) => c !== '');
}

/**
 * The groups of this portal: G1 administrators, G2 everybody (the portal's "All visitors"); `AU`
 * is every signed-in user and `U<id>` one user; `D<id>` the people of a department, `DR<id>`
 * those of a department and every department below it.
 */
const GROUP_NAMES: Record<string, string> = { G1: 'Administrators', G2: 'All visitors', AU: 'All authorized users' };

async function callerCodes(call: MethodCall): Promise<Set<string>> {
  const codes = new Set([`U${call.caller.userId}`, 'G2', 'AU']);
  if (call.caller.isAdmin) codes.add('G1');
  const me = await getUser(call.ctx.db, call.caller.userId);
  if (me) {
    const byId = await departmentMap(call.ctx.db);
    for (const d of departmentsOf(me)) {
      codes.add(`D${d}`);
      for (let up = byId.get(d); up; up = byId.get(up.parent_id)) codes.add(`DR${up.id}`);
    }
  }
  return codes;
}

/** user.access: true for administrators, else when any ACCESS code is one of the caller's. */
async function userAccess(call: MethodCall): Promise<boolean> {
  if (call.caller.isAdmin) return true;
  const mine = await callerCodes(call);
  return accessCodes(upperKeys(call.params).ACCESS).some((c) => mine.has(c.toUpperCase()));
}

/** access.name: `{code: {provider, name, provider_id}}` for the codes that exist; no ACCESS: false. */
async function accessName(call: MethodCall): Promise<unknown> {
  const codes = accessCodes(upperKeys(call.params).ACCESS);
  if (codes.length === 0) return false;
  const userIds = codes.map((c) => /^U(\d+)$/i.exec(c)).filter((m) => m !== null).map((m) => idval(m[1]));
  const users = new Map((await getUsers(call.ctx.db, userIds)).map((u) => [u.id, u]));
  const out: [string, unknown][] = [];
  for (const code of codes) {
    const user = /^U(\d+)$/i.exec(code);
    const person = user ? users.get(idval(user[1])) : undefined;
    if (person) out.push([code, { provider: 'Users', name: fullName(person), provider_id: 'user' }]);
    else if (GROUP_NAMES[code.toUpperCase()]) out.push([code, { provider: '', name: GROUP_NAMES[code.toUpperCase()], provider_id: 'other' }]);
  }
  return assocOrEmpty(out);
}

/** Every standard user field and its label, as user.fields lists them for the `user` scope. */
const USER_FIELD_LABELS: Record<string, string> = {
  ID: 'ID', XML_ID: 'External code', ACTIVE: 'Activity', NAME: 'First Name', LAST_NAME: 'Last Name', SECOND_NAME: 'Middle Name',
  TITLE: 'User List', EMAIL: 'E-Mail', LAST_LOGIN: 'Last Authorization', DATE_REGISTER: 'Registration Date', TIME_ZONE: 'TIME_ZONE',
  IS_ONLINE: 'IS_ONLINE', TIMESTAMP_X: 'TIMESTAMP_X', LAST_ACTIVITY_DATE: 'LAST_ACTIVITY_DATE', PERSONAL_GENDER: 'Gender',
  PERSONAL_PROFESSION: 'Profession', PERSONAL_WWW: 'Homepage', PERSONAL_BIRTHDAY: 'Date of Birth', PERSONAL_PHOTO: 'Photo',
  PERSONAL_ICQ: 'ICQ', PERSONAL_PHONE: 'Personal Phone', PERSONAL_FAX: 'Fax', PERSONAL_MOBILE: 'Personal Mobile', PERSONAL_PAGER: 'Pager',
  PERSONAL_STREET: 'Residential Street', PERSONAL_CITY: 'Residential City', PERSONAL_STATE: 'State / Region', PERSONAL_ZIP: 'Zip Code',
  PERSONAL_COUNTRY: 'Country', PERSONAL_MAILBOX: 'P.O. Box', PERSONAL_NOTES: 'Additional Notes', WORK_PHONE: 'Company Phone',
  WORK_COMPANY: 'Company', WORK_POSITION: 'Job Title', WORK_DEPARTMENT: 'Department', WORK_WWW: 'Company Website', WORK_FAX: 'WORK_FAX',
  WORK_PAGER: 'WORK_PAGER', WORK_STREET: 'WORK_STREET', WORK_MAILBOX: 'WORK_MAILBOX', WORK_CITY: 'Work City', WORK_STATE: 'WORK_STATE',
  WORK_ZIP: 'WORK_ZIP', WORK_COUNTRY: 'WORK_COUNTRY', WORK_PROFILE: 'WORK_PROFILE', WORK_LOGO: 'WORK_LOGO', WORK_NOTES: 'WORK_NOTES',
  UF_SKYPE_LINK: 'Skype Chat Link', UF_ZOOM: 'Zoom', UF_EMPLOYMENT_DATE: 'Hire Date', UF_TIMEMAN: 'Time Tracking', UF_DEPARTMENT: 'Units',
  UF_INTERESTS: 'Interests', UF_SKILLS: 'Skills', UF_WEB_SITES: 'Other Websites', UF_XING: 'Xing', UF_LINKEDIN: 'LinkedIn',
  UF_TWITTER: 'Twitter', UF_SKYPE: 'Skype', UF_DISTRICT: 'District', UF_PHONE_INNER: 'Extension', USER_TYPE: 'USER_TYPE',
};

/** The fields the limited scopes may read (api-reference/user/user-scope.md). */
const USER_BRIEF_FIELDS = [
  'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'TITLE', 'IS_ONLINE', 'TIME_ZONE', 'PERSONAL_PHOTO', 'TIMESTAMP_X',
  'DATE_REGISTER', 'PERSONAL_PROFESSION', 'PERSONAL_GENDER', 'PERSONAL_BIRTHDAY', 'PERSONAL_CITY', 'PERSONAL_STATE', 'PERSONAL_COUNTRY',
  'WORK_POSITION', 'WORK_CITY', 'WORK_STATE', 'WORK_COUNTRY', 'LAST_ACTIVITY_DATE', 'UF_EMPLOYMENT_DATE', 'UF_TIMEMAN', 'UF_SKILLS',
  'UF_INTERESTS', 'UF_DEPARTMENT', 'UF_PHONE_INNER',
];
const USER_BASIC_FIELDS = [
  'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'TITLE', 'EMAIL', 'PERSONAL_PHONE', 'WORK_PHONE', 'WORK_POSITION',
  'WORK_COMPANY', 'IS_ONLINE', 'TIME_ZONE', 'TIMESTAMP_X', 'DATE_REGISTER', 'LAST_ACTIVITY_DATE', 'PERSONAL_PROFESSION', 'PERSONAL_GENDER',
  'PERSONAL_BIRTHDAY', 'PERSONAL_PHOTO', 'PERSONAL_FAX', 'PERSONAL_MOBILE', 'PERSONAL_PAGER', 'PERSONAL_STREET', 'PERSONAL_MAILBOX',
  'PERSONAL_CITY', 'PERSONAL_STATE', 'PERSONAL_ZIP', 'PERSONAL_COUNTRY', 'PERSONAL_NOTES', 'WORK_DEPARTMENT', 'WORK_WWW', 'WORK_FAX',
  'WORK_PAGER', 'WORK_STREET', 'WORK_MAILBOX', 'WORK_CITY', 'WORK_STATE', 'WORK_ZIP', 'WORK_COUNTRY', 'WORK_PROFILE', 'WORK_LOGO',
  'WORK_NOTES', 'UF_DEPARTMENT', 'UF_DISTRICT', 'UF_SKYPE', 'UF_SKYPE_LINK', 'UF_ZOOM', 'UF_TWITTER', 'UF_LINKEDIN', 'UF_XING',
];

/** user.fields: every field for `user` (and browser sessions), the scope's list for user_basic / user_brief. */
async function userFields(call: MethodCall): Promise<Record<string, string>> {
  const scopes = call.caller.scopes;
  const full = call.caller.authType === 'session' || scopes.includes('user');
  const allowed = full ? null : new Set(scopes.includes('user_basic') ? USER_BASIC_FIELDS : USER_BRIEF_FIELDS);
  const standard = Object.entries(USER_FIELD_LABELS).filter(([k]) => !allowed || allowed.has(k));
  // custom fields (UF_USR_…) follow, labelled as their edit form is
  const custom = full || scopes.includes('user.userfield') ? (await allUserFields(call.ctx.db)).map((f) => [f.field_name, fieldLabel(f)]) : [];
  return Object.fromEntries([...standard, ...custom]);
}

export const userRightsMethods: MethodSpec[] = [
  { name: 'user.admin', scope: GLOBAL_SCOPE, handler: (call) => call.caller.isAdmin },
  { name: 'user.access', scope: GLOBAL_SCOPE, handler: userAccess },
  { name: 'access.name', scope: GLOBAL_SCOPE, handler: accessName },
  { name: 'user.fields', scope: 'user', altScopes: ['user_brief', 'user_basic'], handler: userFields },
];
