/**
 * The messenger's search (api-reference/chats/search/): words of a phrase matched against the
 * starts of words, in any case, as the portal's search index matches them.
 */
import { departmentMap, departmentFullName, type DepartmentRow } from './departments.js';
import { departmentsOf, type UserRow } from './users.js';
import type { Db } from '../store/db.js';
import { memberNames, visibleGroupChats } from '../store/repos/chats.js';
import { activeUsers } from '../store/repos/users.js';
import type { ChatRow } from './chats.js';

const words = (text: string): string[] => text.toLocaleLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** Every word of `phrase` starts some word of `texts`. */
export function matchesPhrase(phrase: string, texts: string[]): boolean {
  const want = words(phrase);
  if (want.length === 0) return false;
  const have = texts.flatMap(words);
  return want.every((w) => have.some((h) => h.startsWith(w)));
}

/** Active users whose first name, last name, job title or department names match, ascending ids. */
export async function searchUsers(db: Db, phrase: string): Promise<UserRow[]> {
  const deps = await departmentMap(db);
  return (await activeUsers(db)).filter((u) =>
    matchesPhrase(phrase, [u.name, u.last_name, u.work_position, ...departmentsOf(u).map((d) => deps.get(d)?.name ?? '')]),
  );
}

/** Group chats `userId` may open whose title or members' names match, newest (highest id) first. */
export async function searchChats(db: Db, userId: number, phrase: string): Promise<ChatRow[]> {
  const chats = await visibleGroupChats(db, userId);
  const names = new Map<number, string[]>();
  for (const m of await memberNames(db, chats.map((c) => c.id))) {
    const list = names.get(m.chat_id) ?? [];
    list.push(m.name, m.last_name);
    names.set(m.chat_id, list);
  }
  return chats.filter((c) => matchesPhrase(phrase, [c.title, ...(names.get(c.id) ?? [])]));
}

/** Departments whose full name matches (all of them for `null`), ascending ids. */
export async function searchDepartments(db: Db, phrase: string | null): Promise<{ rows: DepartmentRow[]; byId: Map<number, DepartmentRow> }> {
  const byId = await departmentMap(db);
  const rows = [...byId.values()].filter((d) => phrase === null || matchesPhrase(phrase, [departmentFullName(d, byId)]));
  return { rows, byId };
}
