/**
 * Custom user fields (api-reference/user/userfields/): a field named `UF_USR_…` of one of the
 * portal's types; people's values of it show in user.get / user.search / user.current and the
 * field in user.fields.
 */
import type { Db } from '../store/db.js';
import { allUserFields, fieldValues, setFieldValue, type UserFieldRow } from '../store/repos/user-fields.js';

export type { UserFieldRow };

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

/** Writes the `UF_USR_…` keys of `params` that name a field; other keys are left alone. */
export async function writeFieldValues(db: Db, userId: number, params: Record<string, unknown>): Promise<void> {
  const fields = new Map((await allUserFields(db)).map((f) => [f.field_name, f]));
  for (const [key, value] of Object.entries(params)) {
    const f = fields.get(key.toUpperCase());
    if (f) await setFieldValue(db, userId, f.id, JSON.stringify(storedValue(f, value)));
  }
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
