/**
 * Custom user fields (api-reference/user/userfields/): a field named `UF_USR_…` of one of the
 * portal's types; people's values of it show in user.get / user.search / user.current and the
 * field in user.fields.
 */
import type { Db } from '../store/db.js';
import { randomBytes } from 'node:crypto';
import { allUserFields, deleteEnumItem, enumItems, fieldValues, insertEnumItem, setFieldValue, updateEnumItem, type EnumItemRow, type UserFieldRow } from '../store/repos/user-fields.js';

export type { EnumItemRow, UserFieldRow };

/** The types user.userfield.add accepts (`rest_<app>_<type>` needs an application type: none here). */
export const USER_FIELD_TYPES = [
  'string', 'integer', 'double', 'date', 'datetime', 'boolean', 'file', 'enumeration', 'url', 'address', 'money',
  'iblock_section', 'iblock_element', 'employee', 'crm', 'crm_status',
] as const;

/** `DEALS`, `UF_DEALS`, `uf_usr_deals` → `UF_USR_DEALS`. */
export function userFieldName(raw: string): string {
  const upper = raw.trim().toUpperCase();
  if (upper.startsWith('UF_USR_')) return upper;
  return `UF_USR_${upper.startsWith('UF_') ? upper.slice(3) : upper}`;
}

/** A name the portal can make a column of: letters, digits and `_`, at most 50 characters. */
export function validFieldName(name: string): boolean {
  return /^UF_USR_[A-Z0-9_]+$/.test(name) && name.length <= 50;
}

export function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** The label user.fields shows: the English edit-form label, else any, else the field name. */
export function fieldLabel(f: UserFieldRow): string {
  const labels = parseJson<Record<string, Record<string, string>>>(f.labels, {});
  const edit = labels.EDIT_FORM_LABEL ?? labels.LIST_COLUMN_LABEL ?? {};
  return edit.en || Object.values(edit).find(Boolean) || f.field_name;
}

/** A value as stored for the field: a multiple field keeps an array, a single one a scalar. */
function storedValue(f: UserFieldRow, value: unknown): unknown {
  const list = typeof value === 'object' && value !== null ? Object.values(value) : [value];
  const scalars = list.map((v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)));
  return f.multiple === 'Y' ? scalars.filter((v) => v !== '') : scalars[0] ?? '';
}

/** A value a field cannot take (an enumeration value that is not one of its items' ids). */
export class FieldValueError extends Error {}

/**
 * Writes the `UF_USR_…` keys of `params` that name a field; other keys are left alone. An
 * enumeration field takes its items' ids only (empty clears it); any other value refuses the
 * whole call before anything is written.
 */
export async function writeFieldValues(db: Db, userId: number, params: Record<string, unknown>): Promise<void> {
  const fields = new Map((await allUserFields(db)).map((f) => [f.field_name, f]));
  const writes: { field: UserFieldRow; value: unknown }[] = [];
  for (const [key, value] of Object.entries(params)) {
    const f = fields.get(key.toUpperCase());
    if (f) writes.push({ field: f, value: storedValue(f, value) });
  }
  const enums = writes.filter((w) => w.field.user_type_id === 'enumeration');
  if (enums.length) {
    const ids = new Set((await enumItems(db, enums.map((w) => w.field.id))).map((i) => `${i.field_id}:${i.id}`));
    for (const w of enums) {
      const given = (Array.isArray(w.value) ? w.value : [w.value]).filter((v) => v !== '');
      const wrong = given.find((v) => !ids.has(`${w.field.id}:${v}`));
      if (wrong !== undefined) throw new FieldValueError(`Wrong value of the field "${w.field.field_name}": ${JSON.stringify(wrong)} is not an item of its list`);
    }
  }
  for (const w of writes) await setFieldValue(db, userId, w.field.id, JSON.stringify(w.value));
}

/** One entry of `LIST` in user.userfield.add / update: a new item (no id), a change, or a removal. */
export interface EnumItemInput {
  /** an existing item of the field; 0 = a new item */
  id: number;
  value?: string;
  def?: 'Y' | 'N';
  sort?: number;
  xmlId?: string;
  /** `DEL: 'Y'` with an id: the item goes */
  del: boolean;
}

/** The default SORT of a new list item (the portal's). */
export const ENUM_DEFAULT_SORT = 500;

/**
 * Applies `LIST` entries to an enumeration field: ids of the field's items are changed or (DEL=Y)
 * removed, ids of other fields' items are ignored, entries without an id add an item when they
 * carry a non-empty VALUE (XML_ID: given, else a random 32-hex code, as the portal makes one).
 */
export async function applyEnumList(db: Db, fieldId: number, entries: EnumItemInput[]): Promise<void> {
  for (const e of entries) {
    if (e.id > 0) {
      if (e.del) await deleteEnumItem(db, fieldId, e.id);
      else await updateEnumItem(db, fieldId, e.id, { ...(e.value !== undefined && e.value !== '' ? { value: e.value } : {}), ...(e.def ? { def: e.def } : {}), ...(e.sort !== undefined ? { sort: e.sort } : {}), ...(e.xmlId ? { xml_id: e.xmlId } : {}) });
      continue;
    }
    if (e.del || !e.value) continue;
    await insertEnumItem(db, { field_id: fieldId, value: e.value, def: e.def ?? 'N', sort: e.sort ?? ENUM_DEFAULT_SORT, xml_id: e.xmlId || randomBytes(16).toString('hex') });
  }
}

/** The list items of enumeration fields among `fields`, per field id, by SORT then id. */
export async function enumListsOf(db: Db, fields: UserFieldRow[]): Promise<Map<number, EnumItemRow[]>> {
  const out = new Map<number, EnumItemRow[]>();
  const ids = fields.filter((f) => f.user_type_id === 'enumeration').map((f) => f.id);
  for (const id of ids) out.set(id, []);
  for (const item of await enumItems(db, ids)) out.get(item.field_id)!.push(item);
  return out;
}

/**
 * Every custom field's value per person, for user cards: unset fields are `''` (a multiple one
 * `[]`), in the fields' order.
 */
export async function fieldValuesOf(db: Db, userIds: number[]): Promise<Map<number, Record<string, unknown>>> {
  const fields = await allUserFields(db);
  const out = new Map<number, Record<string, unknown>>();
  if (fields.length === 0) return out;
  const byId = new Map(fields.map((f) => [f.id, f]));
  const stored = new Map<string, unknown>();
  for (const v of await fieldValues(db, userIds)) if (byId.has(v.field_id)) stored.set(`${v.user_id}:${v.field_id}`, parseJson(v.value, ''));
  for (const u of userIds) out.set(u, Object.fromEntries(fields.map((f) => [f.field_name, stored.get(`${u}:${f.id}`) ?? (f.multiple === 'Y' ? [] : '')])));
  return out;
}
