/**
 * user.userfield.add / update / delete / list (api-reference/user/userfields/): custom user
 * fields, administrators only. The portal's refusals here carry an empty error code.
 * Enumeration fields keep their `LIST` items (user-userfield-list.md shows them).
 */
import { applyEnumList, enumListsOf, fieldValuesOf, parseJson, USER_FIELD_TYPES, userFieldName, validFieldName, type EnumItemInput, type EnumItemRow, type UserFieldRow } from '../../im/user-fields.js';
import { RestError } from '../../rest/errors.js';
import { intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import { Paged, type MethodCall, type MethodSpec } from '../../rest/registry.js';
import { allUserFields, deleteUserField, insertUserField, updateUserField, userFieldById } from '../../store/repos/user-fields.js';

const FieldErrors = {
  accessDenied: () => new RestError('', 'Access denied.'),
  idInvalid: () => new RestError('', 'ID is not defined or invalid'),
  notFound: (key: string) => new RestError('', `The '${key}' field is not found.`),
  nullOrEmpty: (key: string) => new RestError('ERROR_ARGUMENT', `Argument '${key}' is null or empty`, 400, { argument: key }),
  exists: (name: string) => new RestError('ERROR_CORE', `Field ${name} for USER object already exists`),
  failed: () => new RestError('ERROR_CORE', 'Fail to create new user field'),
} as const;

const LABEL_KEYS = ['EDIT_FORM_LABEL', 'LIST_COLUMN_LABEL', 'LIST_FILTER_LABEL', 'ERROR_MESSAGE', 'HELP_MESSAGE'] as const;
const FLAG_KEYS = ['MANDATORY', 'SHOW_FILTER', 'SHOW_IN_LIST', 'EDIT_IN_LIST', 'IS_SEARCHABLE'] as const;
type Flag = 'mandatory' | 'show_filter' | 'show_in_list' | 'edit_in_list' | 'is_searchable';
type Changes = { sort?: number; xml_id?: string; settings?: string; labels?: string } & Partial<Record<Flag, string>>;

function mustBeAdmin(call: MethodCall): void {
  if (!call.caller.isAdmin) throw FieldErrors.accessDenied();
}

/** `fields` (any case), its keys upper-cased. */
function fieldsParam(call: MethodCall): Record<string, unknown> {
  const f = upperKeys(call.params).FIELDS;
  return isPhpArray(f) ? upperKeys(f as Record<string, unknown>) : {};
}

const yn = (v: unknown): string => (phpString(v).toUpperCase() === 'Y' || v === true ? 'Y' : 'N');

/** A label: a string for every language, or `{lang: text}`. */
function label(v: unknown): Record<string, string> | null {
  if (isPhpArray(v)) return Object.fromEntries(Object.entries(v).map(([k, t]) => [k, phpString(t)]));
  const s = phpString(v);
  return s === '' ? null : { en: s };
}

/** The settable columns among `F` (what update may change; add adds the rest). */
function changes(F: Record<string, unknown>, before: UserFieldRow | null): Changes {
  const out: Changes = {};
  if (F.XML_ID !== undefined) out.xml_id = phpString(F.XML_ID);
  if (F.SORT !== undefined) out.sort = intval(F.SORT);
  for (const k of FLAG_KEYS) if (F[k] !== undefined) out[k.toLowerCase() as Flag] = yn(F[k]);
  if (isPhpArray(F.SETTINGS)) out.settings = JSON.stringify({ ...parseJson(before?.settings ?? '{}', {}), ...F.SETTINGS });
  const labels: Record<string, Record<string, string>> = parseJson(before?.labels ?? '{}', {});
  const fallback = F.LABEL !== undefined ? label(F.LABEL) : null;
  let labelled = false;
  for (const k of LABEL_KEYS) {
    const l = F[k] !== undefined ? label(F[k]) : fallback && !labels[k] ? fallback : null;
    if (l) {
      labels[k] = l;
      labelled = true;
    }
  }
  if (labelled) out.labels = JSON.stringify(labels);
  return out;
}

/**
 * `LIST` of an enumeration field: entries `{VALUE, DEF, SORT, XML_ID}` add items, entries with
 * the `ID` of an item change it, and `DEL: 'Y'` with an `ID` removes it (the portal's
 * CUserFieldEnum conventions). Anything that is not an array entry is skipped.
 */
function listParam(F: Record<string, unknown>): EnumItemInput[] {
  if (!isPhpArray(F.LIST)) return [];
  return Object.values(F.LIST as Record<string, unknown>).flatMap((raw) => {
    if (!isPhpArray(raw)) return [];
    const e = upperKeys(raw as Record<string, unknown>);
    return [
      {
        id: Math.max(0, intval(e.ID)),
        value: e.VALUE === undefined ? undefined : phpString(e.VALUE),
        def: e.DEF === undefined ? undefined : (yn(e.DEF) as 'Y' | 'N'),
        sort: e.SORT === undefined ? undefined : intval(e.SORT),
        xmlId: e.XML_ID === undefined ? undefined : phpString(e.XML_ID),
        del: phpString(e.DEL).toUpperCase() === 'Y',
      },
    ];
  });
}

async function fieldAdd(call: MethodCall): Promise<number> {
  mustBeAdmin(call);
  const F = fieldsParam(call);
  if (F.FIELD_NAME === undefined) throw FieldErrors.notFound('FIELD_NAME');
  if (F.USER_TYPE_ID === undefined) throw FieldErrors.notFound('USER_TYPE_ID');
  const type = phpString(F.USER_TYPE_ID);
  if (type === '') throw FieldErrors.nullOrEmpty('USER_TYPE_ID');
  const name = userFieldName(phpString(F.FIELD_NAME));
  if (!validFieldName(name) || !(USER_FIELD_TYPES as readonly string[]).includes(type)) throw FieldErrors.failed();
  const id = await insertUserField(call.ctx.db, { field_name: name, user_type_id: type, multiple: yn(F.MULTIPLE), ...changes(F, null) });
  if (id === undefined) throw FieldErrors.exists(name);
  if (type === 'enumeration') await applyEnumList(call.ctx.db, id, listParam(F));
  return id;
}

/** `id` (any case): a positive integer naming an existing field. */
async function fieldOf(call: MethodCall): Promise<UserFieldRow> {
  const id = intval(upperKeys(call.params).ID);
  if (id <= 0) throw FieldErrors.idInvalid();
  const f = await userFieldById(call.ctx.db, id);
  if (!f) throw FieldErrors.accessDenied();
  return f;
}

async function fieldUpdate(call: MethodCall): Promise<true> {
  mustBeAdmin(call);
  const f = await fieldOf(call);
  const F = fieldsParam(call);
  await updateUserField(call.ctx.db, f.id, changes(F, f));
  if (f.user_type_id === 'enumeration') await applyEnumList(call.ctx.db, f.id, listParam(F));
  return true;
}

async function fieldDelete(call: MethodCall): Promise<true> {
  mustBeAdmin(call);
  await deleteUserField(call.ctx.db, (await fieldOf(call)).id);
  return true;
}

/**
 * A field as user.userfield.list shows it: ids and SORT as strings, SETTINGS an object; an
 * enumeration field with its `LIST` items (ID, SORT, VALUE, DEF, XML_ID, strings).
 */
export function formatUserField(f: UserFieldRow, list?: EnumItemRow[]): Record<string, unknown> {
  const settings = parseJson<Record<string, unknown>>(f.settings, {});
  const items = list ? { LIST: list.map((i) => ({ ID: String(i.id), SORT: String(i.sort), VALUE: i.value, DEF: i.def, XML_ID: i.xml_id })) } : {};
  return {
    ID: String(f.id),
    ENTITY_ID: 'USER',
    FIELD_NAME: f.field_name,
    USER_TYPE_ID: f.user_type_id,
    XML_ID: f.xml_id,
    SORT: String(f.sort),
    MULTIPLE: f.multiple,
    MANDATORY: f.mandatory,
    SHOW_FILTER: f.show_filter,
    SHOW_IN_LIST: f.show_in_list,
    EDIT_IN_LIST: f.edit_in_list,
    IS_SEARCHABLE: f.is_searchable,
    SETTINGS: Object.keys(settings).length ? settings : [],
    ...items,
  };
}

const LIST_FIELDS = ['ID', 'FIELD_NAME', 'USER_TYPE_ID', 'XML_ID', 'SORT', 'MULTIPLE', 'MANDATORY', 'SHOW_FILTER', 'SHOW_IN_LIST', 'EDIT_IN_LIST', 'IS_SEARCHABLE'];

/** `filter` by equality (a value list: any of them), `order` by any listed field; by ID otherwise. */
async function fieldList(call: MethodCall): Promise<Paged> {
  mustBeAdmin(call);
  const P = upperKeys(call.params);
  const fields = await allUserFields(call.ctx.db);
  const lists = await enumListsOf(call.ctx.db, fields);
  let rows = fields.map((f) => formatUserField(f, lists.get(f.id)));
  const filter = isPhpArray(P.FILTER) ? upperKeys(P.FILTER as Record<string, unknown>) : {};
  for (const [key, want] of Object.entries(filter)) {
    const field = key.replace(/^[=@]/, '');
    if (!LIST_FIELDS.includes(field)) continue;
    const allowed = (isPhpArray(want) ? Object.values(want) : [want]).map((v) => phpString(v).toUpperCase());
    rows = rows.filter((r) => allowed.includes(phpString(r[field]).toUpperCase()));
  }
  const order = isPhpArray(P.ORDER) ? Object.entries(upperKeys(P.ORDER as Record<string, unknown>)) : [];
  const numeric = new Set(['ID', 'SORT']);
  rows.sort((a, b) => {
    for (const [field, dir] of [...order, ['ID', 'ASC'] as [string, unknown]]) {
      if (!LIST_FIELDS.includes(field)) continue;
      const x = a[field];
      const y = b[field];
      const c = numeric.has(field) ? Number(x) - Number(y) : phpString(x).localeCompare(phpString(y));
      if (c !== 0) return phpString(dir).toUpperCase() === 'DESC' ? -c : c;
    }
    return 0;
  });
  return new Paged(rows, rows.length, null);
}

const FileErrors = {
  credentials: () => new RestError('INVALID_CREDENTIALS', 'Invalid request credentials'),
  notAllowed: () => new RestError('ENTITY_NOT_ALLOW', 'Entity not allow.'),
  notFound: () => new RestError('FILE_NOT_FOUND', 'File not found.'),
} as const;

/**
 * user.userfield.file.get (api-reference/user/userfields/user-userfield-file-get.md; the page is
 * hidden and calls the method not operational): `id` (the person), `field`, `value` (a file id
 * from the person's `downloadData`), keys exactly as given, checked in the portal's order — the
 * caller needs the `user` scope (INVALID_CREDENTIALS), the field must be a `file` field with a
 * value for the person and `value` a positive number (ENTITY_NOT_ALLOW), and `value` must be one
 * of the person's files (FILE_NOT_FOUND). Where the portal then streams the file, this server has
 * none to stream: user fields keep their values as given and no upload is stored for them, so a
 * matching value answers FILE_NOT_FOUND too (docs/COMPATIBILITY.md).
 */
async function fileGet(call: MethodCall): Promise<never> {
  const P = call.params;
  if (call.caller.authType !== 'session' && !call.caller.scopes.includes('user')) throw FileErrors.credentials();
  const userId = intval(P.id);
  const fieldName = phpString(P.field);
  const field = (await allUserFields(call.ctx.db)).find((f) => f.field_name === fieldName);
  const stored = userId > 0 && field ? (await fieldValuesOf(call.ctx.db, [userId])).get(userId)?.[field.field_name] : undefined;
  const value = intval(P.value);
  const empty = stored === undefined || stored === '' || (Array.isArray(stored) && stored.length === 0);
  if (!field || field.user_type_id !== 'file' || value <= 0 || empty) throw FileErrors.notAllowed();
  throw FileErrors.notFound();
}

export const userFieldMethods: MethodSpec[] = [
  { name: 'user.userfield.add', scope: 'user.userfield', write: true, handler: fieldAdd },
  { name: 'user.userfield.update', scope: 'user.userfield', write: true, handler: fieldUpdate },
  { name: 'user.userfield.delete', scope: 'user.userfield', write: true, handler: fieldDelete },
  { name: 'user.userfield.list', scope: 'user.userfield', handler: fieldList },
  { name: 'user.userfield.file.get', scope: 'user.userfield', handler: fileGet },
];
