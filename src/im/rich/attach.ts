/** ATTACH normalisation (api-reference/chats/messages/attachments.md; `CIMMessageParamAttach::GetAttachByJson`). */
import {
  type RichRecord,
  copyPositiveInts,
  fitsRichLimit,
  htmlEscape,
  isColorToken,
  isHexColor,
  isRichUrl,
  isSet,
  itemsOf,
  listValues,
  newlinesToSpaces,
  oneOf,
  parseRichParam,
  phpTrim,
  positiveInt,
  record,
  scalar,
} from './common.js';
import { intval } from '../../util/php.js';

export interface AttachOptions {
  /** Portal time in milliseconds; the attach `ID` becomes `floor(now / 1000)` (the client's ID is ignored). */
  now: number;
  /** Source of randomness in [0, 1) for the replacement of an invalid `COLOR` (default Math.random). */
  random?: () => number;
  /** Reject an attach whose JSON is 60 000 characters or more (default true). */
  checkSize?: boolean;
}

export type AttachResult = { ok: true; attach: RichRecord } | { ok: false; error: 'ATTACH_ERROR' | 'ATTACH_OVERSIZE' };

/** `Bitrix\Im\Color` palette, the pool an invalid attach COLOR is replaced from. */
export const ATTACH_PALETTE: readonly string[] = [
  '#df532d', '#64a513', '#4ba984', '#4ba5c3', '#3e99ce', '#8474c8', '#1eb4aa', '#f76187', '#58cc47',
  '#ab7761', '#29619b', '#728f7a', '#ba9c7b', '#e8a441', '#556574', '#909090', '#5e5f5e',
];

interface Draft {
  blocks: RichRecord[];
  description: string;
}

export function normalizeAttach(input: unknown, options: AttachOptions): AttachResult {
  const parsed = parseRichParam(input);
  if (!parsed) return { ok: false, error: 'ATTACH_ERROR' };
  const root = record(parsed);
  const full = isSet(root.BLOCKS);
  const draft: Draft = { blocks: [], description: full ? descriptionText(root.DESCRIPTION) : '' };
  for (const raw of listValues(full ? root.BLOCKS : parsed)) addBlock(record(raw), draft);
  if (draft.blocks.length === 0) return { ok: false, error: 'ATTACH_ERROR' };

  const attach: RichRecord = { ID: Math.floor(options.now / 1000), BLOCKS: draft.blocks, DESCRIPTION: draft.description };
  const color = full ? attachColor(root.COLOR, options.random ?? Math.random) : undefined;
  if (color !== undefined) attach.COLOR = color;
  attach.COLOR_TOKEN = full && isColorToken(root.COLOR_TOKEN) ? root.COLOR_TOKEN : 'base';
  if (options.checkSize !== false && !fitsRichLimit(attach)) return { ok: false, error: 'ATTACH_OVERSIZE' };
  return { ok: true, attach };
}

export type MessageAttachResult = { ok: true; attach: RichRecord[] } | { ok: false; error: 'ATTACH_ERROR' | 'ATTACH_OVERSIZE' };

/**
 * The ATTACH param of a message as every writing path stores it — v1 and v2, people, bots and
 * command answers alike: the list of attachments, one per call. A portal sends them all through
 * one message-add path, so a client that iterates `params.ATTACH` works on any message.
 */
export function messageAttach(input: unknown, options: AttachOptions): MessageAttachResult {
  const r = normalizeAttach(input, options);
  return r.ok ? { ok: true, attach: [r.attach] } : r;
}

/** Absent or `CHAT` → inherit the chat colour (no key); `TRANSPARENT` → `transparent`; invalid → random palette colour. */
function attachColor(color: unknown, random: () => number): string | undefined {
  if (!isSet(color) || color === 'CHAT') return undefined;
  if (color === 'TRANSPARENT') return 'transparent';
  if (isHexColor(color)) return color;
  return ATTACH_PALETTE[Math.min(ATTACH_PALETTE.length - 1, Math.floor(random() * ATTACH_PALETTE.length))];
}

function descriptionText(value: unknown): string {
  return phpTrim(newlinesToSpaces(scalar(value) ?? ''));
}

/** `#BR#` becomes the `[BR]` BB code in MESSAGE blocks and GRID values. */
function brCodes(text: string): string {
  return text.replaceAll('#BR#', '[BR]');
}

/** Builders in the portal's priority order: a block object with several known keys uses the first one. */
const BLOCK_BUILDERS: [string, (value: unknown, draft: Draft) => void][] = [
  ['USER', (v, d) => pushEach(d, 'USER', v, userItem)],
  ['LINK', (v, d) => pushEach(d, 'LINK', v, (item) => linkItem(item, false))],
  ['RICH_LINK', (v, d) => pushEach(d, 'RICH_LINK', v, (item) => linkItem(item, true))],
  ['MESSAGE', messageBlock],
  ['GRID', (v, d) => pushCollection(d, 'GRID', listValues(v), gridItem)],
  ['IMAGE', (v, d) => pushCollection(d, 'IMAGE', itemsOf(v), imageItem)],
  ['FILE', (v, d) => pushCollection(d, 'FILE', itemsOf(v), fileItem)],
  ['DELIMITER', (v, d) => d.blocks.push({ DELIMITER: delimiter(record(v)) })],
];

function addBlock(block: RichRecord, draft: Draft): void {
  const builder = BLOCK_BUILDERS.find(([key]) => isSet(block[key]));
  if (builder) builder[1](block[builder[0]], draft);
}

type ItemBuilder = (item: RichRecord) => RichRecord | null;

/** USER / LINK / RICH_LINK: every valid item becomes its own block `{KEY: [item]}`. */
function pushEach(draft: Draft, key: string, value: unknown, build: ItemBuilder): void {
  for (const raw of itemsOf(value)) {
    const item = build(record(raw));
    if (item) draft.blocks.push({ [key]: [item] });
  }
}

/** GRID / IMAGE / FILE: one block holding the valid items, none when no item is valid. */
function pushCollection(draft: Draft, key: string, values: unknown[], build: ItemBuilder): void {
  const items = values.map((raw) => build(record(raw))).filter((item): item is RichRecord => item !== null);
  if (items.length > 0) draft.blocks.push({ [key]: items });
}

function messageBlock(value: unknown, draft: Draft): void {
  const object = typeof value === 'object' && value !== null && isSet(record(value).TEXT) ? record(value) : null;
  const text = phpTrim(scalar(object ? object.TEXT : value) ?? '');
  if (text === '') return;
  const message = brCodes(text);
  if (object?.AS_DESCRIPTION === 'Y') draft.description = message;
  draft.blocks.push({ MESSAGE: message });
}

/** `NETWORK_ID`: the first character (HTML-escaped) followed by the integer value of the rest. */
function networkId(value: unknown): string {
  const s = scalar(value) ?? '';
  const first = [...s][0] ?? '';
  return htmlEscape(first) + String(intval(s.slice(first.length)));
}

function userItem(u: RichRecord): RichRecord | null {
  const name = scalar(u.NAME);
  if (name === undefined || phpTrim(name) === '') return null;
  const out: RichRecord = { NAME: newlinesToSpaces(name), AVATAR_TYPE: 'USER' };
  if (isSet(u.NETWORK_ID)) out.NETWORK_ID = networkId(u.NETWORK_ID);
  else if (positiveInt(u.USER_ID)) out.USER_ID = positiveInt(u.USER_ID);
  else if (positiveInt(u.CHAT_ID)) Object.assign(out, { CHAT_ID: positiveInt(u.CHAT_ID), AVATAR_TYPE: 'CHAT' });
  else if (positiveInt(u.BOT_ID)) Object.assign(out, { BOT_ID: positiveInt(u.BOT_ID), AVATAR_TYPE: 'BOT' });
  else if (isRichUrl(u.LINK)) out.LINK = u.LINK;
  if (isRichUrl(u.AVATAR)) out.AVATAR = u.AVATAR;
  out.AVATAR_TYPE = oneOf(u.AVATAR_TYPE, ['USER', 'CHAT', 'BOT'], out.AVATAR_TYPE as string);
  return out;
}

/**
 * LINK and RICH_LINK: a named internal target (NETWORK_ID > USER_ID > CHAT_ID) or else a valid LINK url.
 * A LINK url is stored only when valid (the portal copies any LINK next to an internal target).
 */
function linkItem(l: RichRecord, rich: boolean): RichRecord | null {
  const named = isSet(l.NAME);
  const out: RichRecord = {};
  if (named && isSet(l.NETWORK_ID)) out.NETWORK_ID = networkId(l.NETWORK_ID);
  else if (named && positiveInt(l.USER_ID)) out.USER_ID = positiveInt(l.USER_ID);
  else if (named && positiveInt(l.CHAT_ID)) out.CHAT_ID = positiveInt(l.CHAT_ID);
  else if (!isRichUrl(l.LINK)) return null;
  if (named) out.NAME = newlinesToSpaces(phpTrim(scalar(l.NAME) ?? ''));
  if (isRichUrl(l.LINK)) out.LINK = l.LINK;
  return rich ? richLinkDetails(l, out) : linkDetails(l, out);
}

function linkDetails(l: RichRecord, out: RichRecord): RichRecord {
  if (scalar(l.DESC) !== undefined) out.DESC = scalar(l.DESC);
  if (scalar(l.HTML) !== undefined) out.HTML = scalar(l.HTML);
  else if (isRichUrl(l.PREVIEW)) {
    out.PREVIEW = l.PREVIEW;
    copyPositiveInts(l, out, ['WIDTH', 'HEIGHT']);
  }
  return out;
}

function richLinkDetails(l: RichRecord, out: RichRecord): RichRecord {
  for (const key of ['DESC', 'HTML']) {
    if (scalar(l[key]) !== undefined) out[key] = newlinesToSpaces(phpTrim(scalar(l[key]) as string));
  }
  if (isRichUrl(l.PREVIEW)) {
    out.PREVIEW = l.PREVIEW;
    const size: RichRecord = {};
    copyPositiveInts(record(l.PREVIEW_SIZE), size, ['WIDTH', 'HEIGHT']);
    if (Object.keys(size).length > 0) out.PREVIEW_SIZE = size;
  } else if (isRichUrl(l.EXTRA_IMAGE)) out.EXTRA_IMAGE = l.EXTRA_IMAGE;
  return out;
}

const GRID_DISPLAY: Record<string, string> = { BLOCK: 'BLOCK', LINE: 'LINE', ROW: 'ROW', TABLE: 'TABLE', CARD: 'LINE', COLUMN: 'ROW' };

/** Items with neither NAME nor VALUE are dropped, except those sent with DISPLAY exactly `LINE`. */
function gridItem(g: RichRecord): RichRecord | null {
  const name = phpTrim(scalar(g.NAME) ?? '');
  const value = phpTrim(scalar(g.VALUE) ?? '');
  if (g.DISPLAY !== 'LINE' && name === '' && value === '') return null;
  const display = typeof g.DISPLAY === 'string' && Object.hasOwn(GRID_DISPLAY, g.DISPLAY) ? GRID_DISPLAY[g.DISPLAY] : 'BLOCK';
  const out: RichRecord = { DISPLAY: display, NAME: newlinesToSpaces(name), VALUE: brCodes(value) };
  if (isHexColor(g.COLOR)) out.COLOR = g.COLOR;
  if (isColorToken(g.COLOR_TOKEN)) out.COLOR_TOKEN = g.COLOR_TOKEN;
  copyPositiveInts(g, out, ['WIDTH', 'HEIGHT', 'USER_ID', 'CHAT_ID']);
  if (isRichUrl(g.LINK)) out.LINK = g.LINK;
  return out;
}

function imageItem(i: RichRecord): RichRecord | null {
  if (!isRichUrl(i.LINK)) return null;
  const out: RichRecord = {};
  const name = phpTrim(scalar(i.NAME) ?? '');
  if (name !== '') out.NAME = name;
  out.LINK = i.LINK;
  copyPositiveInts(i, out, ['WIDTH', 'HEIGHT']);
  if (isRichUrl(i.PREVIEW)) out.PREVIEW = i.PREVIEW;
  return out;
}

function fileItem(f: RichRecord): RichRecord | null {
  if (!isRichUrl(f.LINK)) return null;
  const out: RichRecord = { LINK: f.LINK };
  const name = phpTrim(scalar(f.NAME) ?? '');
  if (name !== '') out.NAME = newlinesToSpaces(name);
  copyPositiveInts(f, out, ['SIZE']);
  return out;
}

function delimiter(d: RichRecord): RichRecord {
  const out: RichRecord = { SIZE: positiveInt(d.SIZE) ?? 200 };
  if (isHexColor(d.COLOR)) out.COLOR = d.COLOR;
  return out;
}
