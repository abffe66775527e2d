/**
 * humanresources.* (REST 3.0, api-reference/departments/node/, node-member/, node-communication/,
 * employee/): the company structure of department.* seen as nodes. Called under /rest/api/ only,
 * JSON parameters with their types, REST 3.0 errors (src/rest/v3.ts). Texts are each page's own
 * (the pages word the same refusal differently; each method answers with its page's words).
 */
import { isoDate } from '../../clock.js';
import { colorHex } from '../../im/colors.js';
import { getChat, isMember } from '../../im/chats.js';
import {
  addNode,
  defaultRole,
  editCommunications,
  editNode,
  moveMembers,
  moveNode,
  NODE_TYPES,
  nodeCommunications,
  peopleById,
  checkPeople,
  removeMember,
  rolesOf,
  setMember,
  setMembers,
  Structure,
  StructureError,
  TEAM_COLORS,
  DEPARTMENT_ROLES,
  TEAM_ROLES,
} from '../../im/structure.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { asBool, asInt, asIntList, jsonText, RestV3Error, V3Codes, V3Errors } from '../../rest/v3.js';
import type { DepartmentRow } from '../../store/repos/departments.js';
import { findUser, type UserRow } from '../../store/repos/users.js';

const VALIDATING = 'Error validating the request object';
const DURING = 'Error during request object validation';

/**
 * A request's validation: the first failure is the answer (the portal's controllers check one
 * parameter after another and throw at the first; the pages show one item), under the page's
 * message.
 */
class Check {
  constructor(private readonly message: string) {}
  fail(field: string, message: string): never {
    throw V3Errors.validation(this.message, [{ message, field }]);
  }
}

const required = (f: string) => `Required field \`${f}\` is not specified`;
const typed = (f: string, type: string) => `Field \`${f}\` requires data type \`${type}\` for this request`;
const paramRequired = (f: string) => `Parameter "${f}" is required.`;
const nonEmpty = (f: string) => `Parameter "${f}" is required and must be a non-empty array.`;

/** An integer field: missing → `missing` text, not an integer → the type text. */
function intField(c: Check, P: Record<string, unknown>, f: string, missing = required(f), typeText = typed(f, 'int')): number | undefined {
  if (P[f] === undefined || P[f] === null || P[f] === '') {
    c.fail(f, missing);
    return undefined;
  }
  const n = asInt(P[f]);
  if (n === undefined) c.fail(f, typeText);
  return n;
}

function stringField(c: Check, P: Record<string, unknown>, f: string, isRequired: boolean): string | undefined {
  const v = P[f];
  if (v === undefined || v === null || v === '') {
    if (isRequired) c.fail(f, required(f));
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') {
    c.fail(f, typed(f, 'string'));
    return undefined;
  }
  return String(v);
}

// ---- access ----

/** Reading the structure: any intranet person (not an extranet user, not a bot). */
async function mustView(call: MethodCall): Promise<UserRow> {
  const me = await findUser(call.ctx.db, call.caller.userId);
  if (!me || me.external_auth_id === 'bot' || me.user_type === 'extranet') throw V3Errors.accessDenied();
  return me;
}

/** Changing it: an administrator (as department.*). */
function mustEdit(call: MethodCall, text = 'Access denied'): void {
  if (!call.caller.isAdmin) throw V3Errors.accessDenied(text);
}

/** employee.*: an authorized user linked to a department of the structure. */
async function mustBeEmployee(call: MethodCall): Promise<Structure> {
  const s = await Structure.load(call.ctx.db);
  const me = await findUser(call.ctx.db, call.caller.userId);
  if (!me || !me.active || !s.departmentsOf(me.id).some((d) => s.node(d)?.type === 'DEPARTMENT')) throw V3Errors.accessDenied();
  return s;
}

// ---- select ----

interface SelectTexts {
  entity: string;
  /** "entity" or "object" as the page words it */
  noun: string;
  /** "Unable to" or "Cannot" as the page words it */
  verb: string;
}

/** `select`: an array of known field names (absent: all of them), in the order asked. */
function parseSelect(value: unknown, known: readonly string[], t: SelectTexts): string[] {
  if (value === undefined || value === null) return [...known];
  const bad = () => new RestV3Error(V3Codes.invalidSelect, `${t.verb} recognize select expression \`${jsonText(value)}\``);
  const list = Array.isArray(value) ? value : typeof value === 'object' ? Object.values(value as object) : null;
  if (!list || list.some((x) => typeof x !== 'string')) throw bad();
  for (const f of list as string[]) if (!known.includes(f)) throw new RestV3Error(V3Codes.unknownProperty, `Unknown field \`${f}\` for ${t.noun} \`${t.entity}\``);
  return list.length ? [...new Set(list as string[])] : [...known];
}

const pick = (full: Record<string, unknown>, select: string[]) => Object.fromEntries(select.map((k) => [k, full[k]]));

// ---- node views ----

const NODE_FIELDS = ['id', 'name', 'type', 'structureId', 'parentId', 'description', 'accessCode', 'userCount', 'colorName', 'xmlId', 'createdAt', 'updatedAt'] as const;
const NODE_FIELDS_MEMBERS = [...NODE_FIELDS, 'members'] as const;
const NODE_DTO: SelectTexts = { entity: 'NodeDto', noun: 'entity', verb: 'Unable to' };

function accessCode(n: DepartmentRow): string {
  return `${n.type === 'TEAM' ? 'TR' : 'DR'}${n.id}`;
}

function nodeView(s: Structure, n: DepartmentRow): Record<string, unknown> {
  return {
    id: n.id,
    name: n.name,
    type: n.type,
    structureId: 1,
    parentId: n.parent_id || null,
    description: n.description === '' ? null : n.description,
    accessCode: accessCode(n),
    userCount: s.members(n.id).length,
    colorName: n.color_name,
    xmlId: n.xml_id,
    createdAt: n.created_at === null ? null : isoDate(n.created_at),
    updatedAt: n.updated_at === null ? null : isoDate(n.updated_at),
  };
}

function personName(u: UserRow): string {
  return [u.name, u.last_name].filter(Boolean).join(' ') || u.login;
}

const profileUrl = (id: number) => `/company/personal/user/${id}/`;

async function membersView(call: MethodCall, s: Structure, nodeId: number): Promise<Record<string, unknown>[]> {
  const members = s.members(nodeId);
  const people = await peopleById(call.ctx.db, members.map((m) => m.userId));
  return members.flatMap((m) => {
    const u = people.get(m.userId);
    return u ? [{ userId: u.id, name: personName(u), workPosition: u.work_position, role: m.role, avatar: u.personal_photo || null, url: profileUrl(u.id) }] : [];
  });
}

async function fullNode(call: MethodCall, id: number): Promise<Record<string, unknown>> {
  const s = await Structure.load(call.ctx.db);
  const n = s.node(id)!;
  return { ...nodeView(s, n), members: await membersView(call, s, id) };
}

// ---- structure errors ----

/**
 * Runs a structure change and answers its refusals: a parent that cannot hold the node
 * (itself, one below it, a team for a department) is a validation error on `parentId`; an
 * unknown node, person or chat is ENTITYNOTFOUND with the page's text.
 */
async function structure<T>(fn: () => Promise<T>, notFound: (id: number) => string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof StructureError)) throw err;
    if (err.kind === 'parent') throw V3Errors.validation(VALIDATING, [{ message: 'The structure element cannot be placed under this parent', field: 'parentId' }]);
    throw V3Errors.entityNotFound(notFound(err.id));
  }
}

const recordNotFound = (id: number) => `Record with ID = \`${id}\` not found`;
const recordNotFoundDot = (id: number) => `Record with ID = \`${id}\` not found.`;
const objectNotFound = (id: number) => `Object with identifier \`${id}\` not found.`;

// ---- humanresources.node.* ----

function nodeType(c: Check, P: Record<string, unknown>, invalid: string): string | undefined {
  const t = stringField(c, P, 'type', true);
  if (t !== undefined && !NODE_TYPES.includes(t as never)) {
    c.fail('type', invalid);
    return undefined;
  }
  return t;
}

/** `userIds` of node.add / member.set: role → ids, roles of the node's type only. */
function roleLists(c: Check, value: unknown, type: string | undefined, setText: boolean): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    c.fail('userIds', typed('userIds', 'array'));
    return out;
  }
  const allowed = type ? rolesOf(type) : [...DEPARTMENT_ROLES, ...TEAM_ROLES];
  const invalid = Object.keys(value).filter((r) => !allowed.includes(r));
  if (invalid.length) {
    c.fail('userIds', setText ? `Invalid roles: ${invalid.join(', ')}. Allowed: ${allowed.join(', ')}.` : `Invalid role "${invalid[0]}". Allowed: ${allowed.join(', ')}.`);
    return out;
  }
  for (const [role, ids] of Object.entries(value as Record<string, unknown>)) {
    const list = asIntList(ids);
    if (!list) c.fail('userIds', typed('userIds', 'array'));
    else out[role] = [...new Set(list)];
  }
  return out;
}

async function nodeAdd(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(VALIDATING);
  const name = stringField(c, P, 'name', true);
  const parentId = intField(c, P, 'parentId');
  const type = nodeType(c, P, 'An invalid value for the structure element type was provided');
  await nodeFor(call, parentId!, recordNotFound);
  mustEdit(call);
  const description = stringField(c, P, 'description', false);
  const color = colorName(c, P);
  const userIds = roleLists(c, P.userIds, type, false);
  const move = boolField(c, P, 'moveUsersToNode');
  const createChat = boolField(c, P, 'createChat');
  const bindChats = idList(c, P, 'bindingChatIds');
  // channels and collabs: this portal has none to bind or create (docs/COMPATIBILITY.md)
  boolField(c, P, 'createChannel');
  idList(c, P, 'bindingChannelIds');
  boolField(c, P, 'createCollab');
  idList(c, P, 'bindingCollabIds');
  const id = await structure(
    () => addNode(call.ctx, call.caller.userId, { type: type as 'DEPARTMENT' | 'TEAM', name: name!, parentId: parentId!, description: description ?? '', colorName: color ?? null, userIds, moveUsersToNode: !!move, chats: { create: !!createChat, bind: bindChats } }),
    recordNotFound,
  );
  return fullNode(call, id);
}

function boolField(c: Check, P: Record<string, unknown>, f: string): boolean | undefined {
  if (P[f] === undefined || P[f] === null) return undefined;
  const b = asBool(P[f]);
  if (b === undefined) c.fail(f, typed(f, 'bool'));
  return b;
}

function idList(c: Check, P: Record<string, unknown>, f: string): number[] {
  if (P[f] === undefined || P[f] === null) return [];
  const list = asIntList(P[f]);
  if (!list) c.fail(f, typed(f, 'array'));
  return list ?? [];
}

function colorName(c: Check, P: Record<string, unknown>): string | undefined {
  const v = stringField(c, P, 'colorName', false);
  if (v !== undefined && !TEAM_COLORS.includes(v as never)) {
    c.fail('colorName', 'An invalid color value was provided.');
    return undefined;
  }
  return v;
}

async function nodeEdit(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(VALIDATING);
  const id = intField(c, P, 'id', 'Required field `id` is not specified.', 'Field `id` requires data type `int` for this request.');
  await nodeFor(call, id!, recordNotFound);
  mustEdit(call, 'Access denied.');
  if (P.name == null && P.description == null && P.colorName == null) c.fail('name', 'At least one of the following fields must be provided: name, description, colorName.');
  const name = stringField(c, P, 'name', false);
  const description = typeof P.description === 'string' ? P.description : stringField(c, P, 'description', false);
  const color = colorName(c, P);
  await structure(() => editNode(call.ctx, id!, { name, description, colorName: color }), recordNotFound);
  const s = await Structure.load(call.ctx.db);
  return nodeView(s, s.node(id!)!);
}

async function nodeMove(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(VALIDATING);
  const id = intField(c, P, 'id');
  const parentId = intField(c, P, 'parentId');
  await nodeFor(call, id!, recordNotFound);
  await nodeFor(call, parentId!, recordNotFound);
  mustEdit(call);
  await structure(() => moveNode(call.ctx, id!, parentId!), recordNotFound);
  const s = await Structure.load(call.ctx.db);
  return nodeView(s, s.node(id!)!);
}

async function nodeGet(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(VALIDATING);
  const id = intField(c, P, 'id');
  const select = parseSelect(P.select, NODE_FIELDS_MEMBERS, NODE_DTO);
  const s = await Structure.load(call.ctx.db);
  const n = s.node(id!);
  if (!n) throw V3Errors.entityNotFound(recordNotFound(id!));
  await mustView(call);
  const full: Record<string, unknown> = nodeView(s, n);
  if (select.includes('members')) full.members = await membersView(call, s, n.id);
  return { item: pick(full, select) };
}

const MAX_LIMIT = 200;

/** `pagination` {page, limit, offset}: numbers, limit 1…200 (default 50), page from 1. */
function pagination(value: unknown, only: readonly string[] = ['page', 'limit', 'offset']): { offset: number; limit: number } {
  if (value === undefined || value === null) return { offset: 0, limit: 50 };
  const bad = () => new RestV3Error(V3Codes.invalidPagination, `Cannot recognize pagination parameter \`${jsonText(value)}\``);
  if (typeof value !== 'object' || Array.isArray(value)) throw bad();
  const v = value as Record<string, unknown>;
  const num = (k: string, min: number): number | undefined => {
    if (v[k] === undefined || !only.includes(k)) return undefined;
    const n = asInt(v[k]);
    if (n === undefined || n < min) throw bad();
    return n;
  };
  const limit = Math.min(num('limit', 1) ?? 50, MAX_LIMIT);
  const page = num('page', 1) ?? 1;
  const offset = num('offset', 0) ?? 0;
  return { offset: offset + (page - 1) * limit, limit };
}

async function nodeList(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const { offset, limit } = pagination(P.pagination);
  const c = new Check(VALIDATING);
  const select = parseSelect(P.select, NODE_FIELDS, { ...NODE_DTO, verb: 'Cannot' });
  const type = nodeType(c, P, 'An invalid value for the structure element type was provided');
  await mustView(call);
  const s = await Structure.load(call.ctx.db);
  const rows = s.ordered().filter((n) => n.type === type).slice(offset, offset + limit);
  return { items: rows.map((n) => pick(nodeView(s, n), select)) };
}

async function nodeSearch(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(VALIDATING);
  const name = stringField(c, P, 'name', true);
  const type = nodeType(c, P, 'An invalid department type value was provided');
  const parentId = P.parentId === undefined || P.parentId === null ? undefined : intField(c, P, 'parentId');
  const { limit } = pagination(P.pagination, ['limit']);
  await mustView(call);
  const s = await Structure.load(call.ctx.db);
  const under = parentId === undefined ? null : new Set(s.subtree(parentId).filter((id) => id !== parentId));
  const needle = name!.toLowerCase();
  // nearest to the top first, as the portal's search orders them
  const found = [...s.byId.values()].filter((n) => n.type === type && n.name.toLowerCase().includes(needle) && (!under || under.has(n.id)));
  const rows = found.sort((a, b) => s.depth(a.id) - s.depth(b.id) || a.id - b.id).slice(0, limit);
  return { items: rows.map((n) => nodeView(s, n)) };
}

async function nodeChildren(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(VALIDATING);
  const id = intField(c, P, 'id');
  const select = parseSelect(P.select, NODE_FIELDS, NODE_DTO);
  const s = await Structure.load(call.ctx.db);
  if (!s.node(id!)) throw V3Errors.entityNotFound(recordNotFound(id!));
  await mustView(call);
  return { items: s.children(id!).map((n) => pick(nodeView(s, n), select)) };
}

async function nodeCount(call: MethodCall): Promise<Record<string, unknown>> {
  await mustView(call);
  const s = await Structure.load(call.ctx.db);
  const nodes = [...s.byId.values()];
  return { departments: nodes.filter((n) => n.type === 'DEPARTMENT').length, teams: nodes.filter((n) => n.type === 'TEAM').length };
}

// ---- field descriptions ----

const DESCRIPTION_KEYS = ['name', 'type', 'title', 'description', 'validationRules', 'requiredGroups', 'filterable', 'sortable', 'editable', 'multiple', 'elementType'] as const;
/** Without `select`, every key, in the order the pages print them (alphabetical). */
const DESCRIPTION_DEFAULT = [...DESCRIPTION_KEYS].sort();

type FieldSpec = [name: string, type: string, filterable?: boolean, sortable?: boolean];

const NODE_FIELD_SPECS: FieldSpec[] = [
  ['id', 'int', true, true], ['name', 'string', false, true], ['type', 'string', true, false], ['structureId', 'int', true, false],
  ['parentId', 'int', true, false], ['description', 'string'], ['accessCode', 'string'], ['userCount', 'int'], ['colorName', 'string'],
  ['xmlId', 'string'], ['createdAt', 'string', false, true], ['updatedAt', 'string'], ['members', 'array'],
];
const MEMBER_FIELD_SPECS: FieldSpec[] = [['userId', 'int'], ['name', 'string'], ['workPosition', 'string'], ['role', 'string'], ['avatar', 'string'], ['url', 'string']];
const EMPLOYEE_FIELD_SPECS: FieldSpec[] = [...MEMBER_FIELD_SPECS.filter(([n]) => n !== 'role'), ['departments', 'array'], ['teams', 'array']];

function describe([name, type, filterable = false, sortable = false]: FieldSpec): Record<string, unknown> {
  return { name, type, title: name, description: null, validationRules: [], requiredGroups: null, filterable, sortable, editable: false, multiple: false, elementType: null };
}

function descriptionSelect(value: unknown, noun: string): string[] {
  const select = parseSelect(value, DESCRIPTION_KEYS, { entity: 'DtoFieldDto', noun, verb: 'Unable to' });
  return select.length === DESCRIPTION_KEYS.length && select.every((k, i) => k === DESCRIPTION_KEYS[i]) ? DESCRIPTION_DEFAULT : select;
}

function fieldList(specs: FieldSpec[], noun: string) {
  return (call: MethodCall) => {
    const select = descriptionSelect(call.params.select, noun);
    return { items: specs.map((f) => pick(describe(f), select)) };
  };
}

function fieldGet(specs: FieldSpec[], noun: string, validation: string, missing: string) {
  return (call: MethodCall) => {
    const P = call.params;
    const c = new Check(validation);
    if (P.name === undefined || P.name === null || P.name === '') c.fail('name', missing);
    const select = descriptionSelect(P.select, noun);
    const spec = specs.find(([n]) => n === P.name);
    if (!spec) throw new RestV3Error(V3Codes.fieldNotFound, `Field \`${jsonText(P.name)}\` not found`);
    return { item: pick(describe(spec), select) };
  };
}

// ---- humanresources.node.member.* ----

function nodeIdField(c: Check, P: Record<string, unknown>, f = 'nodeId'): number | undefined {
  return intField(c, P, f, paramRequired(f), paramRequired(f));
}

function userIdsField(c: Check, P: Record<string, unknown>): number[] {
  const list = asIntList(P.userIds);
  if (!list || list.length === 0) c.fail('userIds', nonEmpty('userIds'));
  return [...new Set(list ?? [])];
}

async function nodeFor(call: MethodCall, id: number, notFound: (id: number) => string): Promise<DepartmentRow> {
  const s = await Structure.load(call.ctx.db);
  const n = s.node(id);
  if (!n) throw V3Errors.entityNotFound(notFound(id));
  return n;
}

/** A role of the node's type, or the page's "Invalid role" refusal. */
function mustFit(node: DepartmentRow, role: string): void {
  const allowed = rolesOf(node.type);
  if (!allowed.includes(role)) throw V3Errors.validation(DURING, [{ field: 'role', message: `Invalid role "${role}". Allowed: ${allowed.join(', ')}.` }]);
}

/** Checks the people named (all of them, before any change), then changes the node's members. */
function withPeople(call: MethodCall, userIds: number[], notFound: (id: number) => string, change: () => Promise<void>): Promise<void> {
  return structure(async () => {
    await checkPeople(call.ctx.db, userIds);
    await change();
  }, notFound);
}

async function memberAdd(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(DURING);
  const nodeId = nodeIdField(c, P);
  const userIds = userIdsField(c, P);
  const role = P.role === undefined || P.role === null || P.role === '' ? c.fail('role', paramRequired('role')) : String(P.role);
  const node = await nodeFor(call, nodeId!, recordNotFound);
  mustEdit(call);
  // the node's type decides first, so a role of neither type is "Invalid role" too; every role
  // of a type exists here, so the page's "Role … not found" never comes (docs/COMPATIBILITY.md)
  mustFit(node, role);
  await withPeople(call, userIds, recordNotFound, async () => {
    for (const u of userIds) await setMember(call.ctx, nodeId!, u, role!);
  });
  return { success: true };
}

async function memberMove(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(DURING);
  const nodeId = nodeIdField(c, P);
  const userIds = userIdsField(c, P);
  const role = P.role === undefined || P.role === null || P.role === '' ? undefined : String(P.role);
  const node = await nodeFor(call, nodeId!, recordNotFoundDot);
  mustEdit(call, 'Access denied.');
  if (role !== undefined) mustFit(node, role);
  await withPeople(call, userIds, recordNotFoundDot, () => moveMembers(call.ctx, nodeId!, userIds, role ?? defaultRole(node.type)));
  return { success: true };
}

async function memberRemove(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(VALIDATING);
  const nodeId = nodeIdField(c, P);
  const userIds = userIdsField(c, P);
  await nodeFor(call, nodeId!, recordNotFound);
  mustEdit(call);
  const removed: number[] = [];
  const failed: { userId: number; reason: string }[] = [];
  for (const u of userIds) {
    if (await removeMember(call.ctx, nodeId!, u)) removed.push(u);
    else failed.push({ userId: u, reason: 'Not found in this node' });
  }
  return { removed, failed };
}

async function memberSet(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(DURING);
  const nodeId = nodeIdField(c, P);
  const empty = P.userIds === undefined || P.userIds === null || typeof P.userIds !== 'object' || Object.values(P.userIds as object).every((l) => !asIntList(l)?.length);
  if (empty) c.fail('userIds', nonEmpty('userIds'));
  const node = await nodeFor(call, nodeId!, recordNotFoundDot);
  mustEdit(call, 'Access denied.');
  const byRole = roleLists(c, P.userIds, node.type, true);
  await withPeople(call, Object.values(byRole).flat(), recordNotFoundDot, () => setMembers(call.ctx, nodeId!, byRole));
  return { success: true };
}

// ---- humanresources.node.communication.* ----

const COMMUNICATION_TYPES = ['CHAT', 'CHANNEL', 'COLLAB'];

async function communicationEdit(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(DURING);
  const nodeId = nodeIdField(c, P);
  if (P.communicationType === undefined || P.communicationType === null || P.communicationType === '') c.fail('communicationType', paramRequired('communicationType'));
  // the type is read case-insensitively (`chat` is CHAT)
  const type = String(P.communicationType).toUpperCase();
  if (!COMMUNICATION_TYPES.includes(type)) c.fail('communicationType', 'Invalid "communicationType" value. Allowed: CHAT, CHANNEL, COLLAB.');
  await nodeFor(call, nodeId!, objectNotFound);
  const ids = idList(c, P, 'ids');
  const removeIds = idList(c, P, 'removeIds');
  const create = boolField(c, P, 'createDefault');
  const withChildren = boolField(c, P, 'withChildren');
  mustEdit(call, 'Access denied.');
  await structure(() => editCommunications(call.ctx, call.caller.userId, nodeId!, type, { create: !!create, bind: ids, unbind: removeIds, withChildren: !!withChildren }), objectNotFound);
  return { success: true };
}

async function communicationList(call: MethodCall): Promise<Record<string, unknown>> {
  const P = call.params;
  const c = new Check(DURING);
  const id = intField(c, P, 'id', 'Required field `id` is missing');
  await nodeFor(call, id!, (n) => `Object with identifier \`${n}\` not found`);
  await mustView(call);
  const out: Record<string, unknown> = {};
  const groups: Record<string, { key: string; items: Record<string, unknown>[]; noAccess: number }> = {
    CHANNEL: { key: 'channels', items: [], noAccess: 0 },
    CHAT: { key: 'chats', items: [], noAccess: 0 },
    COLLAB: { key: 'collabs', items: [], noAccess: 0 },
  };
  for (const row of await nodeCommunications(call.ctx.db, id!)) {
    const chat = await getChat(call.ctx.db, row.chat_id);
    const g = groups[row.type];
    if (!chat || !g) continue;
    const access = chat.type === 'O' || (await isMember(call.ctx.db, chat.id, call.caller.userId));
    if (!access) {
      g.noAccess++;
      continue;
    }
    g.items.push({
      avatar: chat.avatar,
      color: colorHex(chat.color) ?? '',
      dialogId: `chat${chat.id}`,
      hasAccess: true,
      id: chat.id,
      isExtranet: !!chat.extranet,
      originalNodeId: row.original_node_id,
      subtitle: chat.type === 'O' ? 'Open chat' : 'Private chat',
      title: chat.title,
      type: row.type,
    });
  }
  for (const g of Object.values(groups)) {
    out[g.key] = g.items;
    out[`${g.key}NoAccess`] = g.noAccess;
  }
  return out;
}

// ---- humanresources.employee.* ----

const EMPLOYEE_FIELDS = ['userId', 'name', 'workPosition', 'avatar', 'url', 'departments', 'teams'] as const;

function employeeView(s: Structure, u: UserRow): Record<string, unknown> {
  const named = (ids: number[]) => ids.flatMap((id) => {
    const n = s.node(id);
    return n ? [{ id: n.id, name: n.name }] : [];
  });
  return {
    userId: u.id,
    name: personName(u),
    workPosition: u.work_position,
    avatar: u.personal_photo || null,
    url: profileUrl(u.id),
    departments: named(s.departmentsOf(u.id).filter((d) => s.node(d)?.type === 'DEPARTMENT')),
    teams: named(s.teamsOf(u.id)),
  };
}

async function employeeSearch(call: MethodCall): Promise<Record<string, unknown>> {
  // employee.*: the caller is checked before anything else (the portal's controller does it before the action)
  const s = await mustBeEmployee(call);
  const P = call.params;
  const c = new Check(DURING);
  const select = parseSelect(P.select, EMPLOYEE_FIELDS, { entity: 'EmployeeDto', noun: 'object', verb: 'Unable to' });
  const name = typeof P.name === 'string' || typeof P.name === 'number' ? String(P.name).trim() : '';
  if (name === '') c.fail('name', paramRequired('name'));
  const nodeId = P.nodeId === undefined || P.nodeId === null ? undefined : intField(c, P, 'nodeId');
  const within = nodeId === undefined ? null : new Set(s.members(nodeId).map((m) => m.userId));
  const people = await peopleById(call.ctx.db, s.employees());
  const needle = name.toLowerCase();
  const found = [...people.values()].filter((u) => (!within || within.has(u.id)) && personName(u).toLowerCase().includes(needle));
  return { items: found.map((u) => pick(employeeView(s, u), select)) };
}

async function employeeSubordinates(call: MethodCall): Promise<Record<string, unknown>> {
  const s = await mustBeEmployee(call);
  const P = call.params;
  const c = new Check(DURING);
  if (P.id === undefined || P.id === null || P.id === '') c.fail('id', required('id'));
  const userId = asInt(P.id);
  if (userId === undefined || userId <= 0) c.fail('id', 'Parameter "id" is required and must be a positive integer.');
  const departments: Record<string, unknown>[] = [];
  for (const n of s.byId.values()) {
    if (n.type !== 'DEPARTMENT') continue;
    const members = s.members(n.id);
    const mine = members.find((m) => m.userId === userId);
    if (!mine || mine.role === 'MEMBER_EMPLOYEE') continue;
    departments.push({ nodeId: n.id, name: n.name, role: mine.role.replace(/^MEMBER_/, ''), subordinatesCount: members.filter((m) => m.userId !== userId).length });
  }
  return { userId, departments };
}

async function employeeCount(call: MethodCall): Promise<Record<string, unknown>> {
  const s = await mustBeEmployee(call);
  return { total: s.employees().length };
}

async function employeeMultidepartment(call: MethodCall): Promise<Record<string, unknown>> {
  const s = await mustBeEmployee(call);
  const people = await peopleById(call.ctx.db, s.employees());
  const employees = [...people.values()].flatMap((u) => {
    const depts = s.departmentsOf(u.id).flatMap((d) => {
      const n = s.node(d);
      return n && n.type === 'DEPARTMENT' ? [{ id: n.id, name: n.name }] : [];
    });
    return depts.length > 1 ? [{ userId: u.id, name: personName(u), workPosition: u.work_position, departments: depts }] : [];
  });
  return { employees, total: employees.length };
}

const hr = (name: string, handler: (call: MethodCall) => unknown, write = false): MethodSpec => ({ name: `humanresources.${name}`, scope: 'humanresources', v3: true, batch: false, write, handler });

export const humanresourcesMethods: MethodSpec[] = [
  hr('node.add', nodeAdd, true),
  hr('node.edit', nodeEdit, true),
  hr('node.get', nodeGet),
  hr('node.list', nodeList),
  hr('node.search', nodeSearch),
  hr('node.children', nodeChildren),
  hr('node.count', nodeCount),
  hr('node.move', nodeMove, true),
  hr('node.field.list', fieldList(NODE_FIELD_SPECS, 'entity')),
  hr('node.field.get', fieldGet(NODE_FIELD_SPECS, 'entity', DURING, required('name'))),
  hr('node.member.add', memberAdd, true),
  hr('node.member.set', memberSet, true),
  hr('node.member.move', memberMove, true),
  hr('node.member.remove', memberRemove, true),
  hr('node.member.field.list', fieldList(MEMBER_FIELD_SPECS, 'object')),
  hr('node.member.field.get', fieldGet(MEMBER_FIELD_SPECS, 'object', DURING, 'Mandatory field `name` is not specified')),
  hr('node.communication.edit', communicationEdit, true),
  hr('node.communication.list', communicationList),
  hr('employee.search', employeeSearch),
  hr('employee.subordinates', employeeSubordinates),
  hr('employee.count', employeeCount),
  hr('employee.multidepartment', employeeMultidepartment),
  hr('employee.field.list', fieldList(EMPLOYEE_FIELD_SPECS, 'object')),
  hr('employee.field.get', fieldGet(EMPLOYEE_FIELD_SPECS, 'object', DURING, required('name'))),
];
