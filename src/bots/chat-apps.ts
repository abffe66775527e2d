import { createHash } from 'node:crypto';
import type { DomainCtx } from '../context.js';
import type { Db } from '../store/db.js';
import {
  deleteBotChatApps as deleteBotChatAppRows,
  deleteChatApp,
  findChatApp,
  findChatAppId,
  insertChatAppOnce,
  replaceChatAppLangs,
  updateChatAppRow,
  type ChatAppPatch,
  type ChatAppRow,
} from '../store/repos/chat-apps.js';

// Legacy chat applications of REST bots (api-reference/chat-bots/outdated/index.md; `Bitrix\Im\App`): a JS command or
// an IFRAME page offered in the messenger's text panel, or opened from a keyboard/menu button
// carrying its APP_ID (api-reference/chats/messages/keyboards.md).

export type { ChatAppRow };

export const JS_METHODS = ['PUT', 'SEND', 'CALL', 'SUPPORT'] as const;
export type JsMethod = (typeof JS_METHODS)[number];

/** Defaults and minimums of the IFRAME window (px). */
export const IFRAME_WIDTH = { register: 320, min: 250 } as const;
export const IFRAME_HEIGHT = { register: 250, min: 50 } as const;
/** What a JS app's (unused) window size is stored as (`App::register` defaults). */
const JS_APP_SIZE = { width: 350, height: 250 } as const;
export const HASH_MAX = 32;

/** Column sizes of `b_im_app`: a longer value makes the table refuse the row. */
const LIMITS = { app_id: 128, code: 255, hash: HASH_MAX, context: 128, js: 255, iframe: 255 } as const;
const LANG_TEXT_MAX = 255;

/** A chat-app change the domain refuses; the API layer turns it into its own error. */
export class ChatAppError extends Error {
  constructor(readonly reason: 'invalid_fields') {
    super(reason);
  }
}

// PCRE `\s` without the u flag is ASCII whitespace only.
const COMMAND_TEXT = /\/([a-zA-Z0-9\-_+]+)(([ \t\n\v\f\r])?([a-zA-Z0-9\-_+]+))+/im;
const PHONE = /\+?[ \-\d+()#]+$/im;
const LINE_CODE = /[a-f0-9]{32}$/im;

/**
 * The JS a JS_METHOD/JS_PARAM pair becomes, or '' when JS_PARAM does not match the method's
 * pattern (SEND/PUT: a `/command params` text; CALL: a phone number; SUPPORT: a 32-hex open-line
 * code). Only the first match is kept.
 */
export function jsCommand(method: JsMethod, param: string): string {
  const pick = (re: RegExp) => re.exec(param)?.[0];
  let m: string | undefined;
  switch (method) {
    case 'SEND':
      m = pick(COMMAND_TEXT);
      return m === undefined ? '' : `BXIM.sendMessage('${m}');`;
    case 'PUT':
      m = pick(COMMAND_TEXT);
      return m === undefined ? '' : `BXIM.putMessage('${m}');`;
    case 'CALL':
      m = pick(PHONE);
      return m === undefined ? '' : `BXIM.phoneTo('${m}');`;
    case 'SUPPORT':
      m = pick(LINE_CODE);
      return m === undefined ? '' : `BXIM.openMessenger('networkLines${m}');`;
  }
}

/**
 * Whether an IFRAME URL is acceptable: `parse_url` must give the scheme exactly `https` (PHP does
 * not lower-case it) and a non-empty host.
 */
export function isHttpsPage(url: string): boolean {
  const m = /^https:\/\/([^/?#]*)/.exec(url);
  if (!m) return false;
  const host = m[1].replace(/^[^@]*@/, '').replace(/:\d*$/, '');
  return host !== '';
}

/** The stored page URL: the portal appends `?` (or `&` when there is a query) for its own parameters. */
function iframeUrl(url: string): string {
  return url + (url.includes('?') ? '&' : '?');
}

/** `IFRAME_WIDTH`/`IFRAME_HEIGHT`: values at or below the minimum become the minimum. */
export function clampSize(value: number, min: number): number {
  return value > min ? value : min;
}

export interface ChatAppLang {
  languageId: string;
  title: string;
  description: string;
  copyright: string;
}

const chars = (s: string) => Array.from(s).length;

function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return v === true ? '1' : '';
}

/**
 * The LANG rows `App::register`/`update` keep: rows without a non-empty LANGUAGE_ID or without
 * TITLE are skipped, LANGUAGE_ID is lower-cased, and rows the table refuses (LANGUAGE_ID over 2
 * chars, texts over 255, a repeated language) are dropped silently. A LANG that is not a list
 * gives no rows.
 */
export function readAppLangs(raw: unknown): ChatAppLang[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const out: ChatAppLang[] = [];
  for (const row of Object.values(raw as Record<string, unknown>)) {
    if (typeof row !== 'object' || row === null) continue;
    const r = row as Record<string, unknown>;
    const lang = scalarText(r.LANGUAGE_ID).toLowerCase();
    if (lang === '' || lang === '0' || r.TITLE === undefined || r.TITLE === null) continue;
    const l = { languageId: lang, title: scalarText(r.TITLE), description: scalarText(r.DESCRIPTION), copyright: scalarText(r.COPYRIGHT) };
    if (chars(lang) > 2 || [l.title, l.description, l.copyright].some((t) => chars(t) > LANG_TEXT_MAX)) continue;
    if (out.some((o) => o.languageId === lang)) continue;
    out.push(l);
  }
  return out;
}

export function getChatApp(db: Db, id: number): Promise<ChatAppRow | undefined> {
  return findChatApp(db, id);
}

export interface NewChatApp {
  botId: number;
  /** the owning application (the bot's APP_ID) */
  appId: string;
  code: string;
  /** either a JS command or an https page */
  js: string;
  iframe: string;
  iframeWidth: number;
  iframeHeight: number;
  iframePopup: boolean;
  /** at most 32 chars; '' → generated from the bot, the code and the portal */
  hash: string;
  context: string;
  hidden: boolean;
  extranetSupport: boolean;
  livechatSupport: boolean;
  /** `data:` URL of a valid icon, or '' */
  icon: string;
  langs: ChatAppLang[];
}

const yn = (b: boolean) => (b ? 'Y' : 'N');

function tooLong(fields: Record<string, unknown>): boolean {
  return Object.entries(LIMITS).some(([k, max]) => typeof fields[k] === 'string' && chars(fields[k] as string) > max);
}

function replaceLangs(db: Db, id: number, langs: ChatAppLang[]): Promise<void> {
  return replaceChatAppLangs(db, id, langs.map((l) => ({ language_id: l.languageId, title: l.title, description: l.description, copyright: l.copyright })));
}

/**
 * Registers a chat app. A bot registers a CODE once: the same (bot, code) returns the existing id
 * and changes nothing. A value the table cannot hold refuses the registration.
 */
export async function registerChatApp(ctx: DomainCtx, a: NewChatApp): Promise<number> {
  const existing = await findChatAppId(ctx.db, a.botId, a.code);
  if (existing !== undefined) return existing;

  const isIframe = a.iframe !== '';
  const row = {
    bot_id: a.botId,
    app_id: a.appId,
    code: a.code,
    hash: a.hash !== '' ? a.hash : md5(`${a.botId}${a.code}${ctx.portal.memberId}`),
    context: a.context.toLowerCase(),
    js: isIframe ? '' : a.js,
    iframe: isIframe ? iframeUrl(a.iframe) : '',
    iframe_width: isIframe ? clampSize(a.iframeWidth, IFRAME_WIDTH.min) : JS_APP_SIZE.width,
    iframe_height: isIframe ? clampSize(a.iframeHeight, IFRAME_HEIGHT.min) : JS_APP_SIZE.height,
    iframe_popup: yn(isIframe && a.iframePopup),
    hidden: yn(a.hidden),
    extranet_support: yn(a.extranetSupport),
    livechat_support: yn(a.livechatSupport),
    icon: a.icon,
    created_at: ctx.clock.now(),
  };
  if (a.code === '' || tooLong(row)) throw new ChatAppError('invalid_fields');
  // unique (bot_id, code): of two concurrent registrations one inserts, the other gets its id
  const inserted = await insertChatAppOnce(ctx.db, row);
  if (inserted === undefined) return (await findChatAppId(ctx.db, a.botId, a.code))!;
  await replaceLangs(ctx.db, inserted, a.langs);
  return inserted;
}

export interface ChatAppUpdate {
  context?: string;
  hash?: string;
  /** a JS command replaces the page, a page replaces the JS command */
  js?: string;
  iframe?: string;
  iframeWidth?: number;
  iframeHeight?: number;
  iframePopup?: boolean;
  hidden?: boolean;
  extranetSupport?: boolean;
  livechatSupport?: boolean;
  /** replaces every language row */
  langs?: ChatAppLang[];
}

/**
 * Applies an imbot.app.update. The language rows are replaced first; the row itself is written in
 * one statement that the table refuses as a whole when a value does not fit (the portal ignores
 * that refusal: the call still succeeds).
 */
export async function updateChatApp(ctx: DomainCtx, id: number, u: ChatAppUpdate): Promise<void> {
  if (u.langs !== undefined) await replaceLangs(ctx.db, id, u.langs);
  const set: Partial<Omit<ChatAppRow, 'id'>> & ChatAppPatch = {};
  if (u.context !== undefined) set.context = u.context.toLowerCase();
  if (u.hash !== undefined) set.hash = u.hash;
  if (u.iframe !== undefined) Object.assign(set, { iframe: iframeUrl(u.iframe), js: '' });
  else if (u.js !== undefined) Object.assign(set, { js: u.js, iframe: '' });
  if (u.iframeWidth !== undefined) set.iframe_width = clampSize(u.iframeWidth, IFRAME_WIDTH.min);
  if (u.iframeHeight !== undefined) set.iframe_height = clampSize(u.iframeHeight, IFRAME_HEIGHT.min);
  if (u.iframePopup !== undefined) set.iframe_popup = yn(u.iframePopup);
  if (u.hidden !== undefined) set.hidden = yn(u.hidden);
  if (u.extranetSupport !== undefined) set.extranet_support = yn(u.extranetSupport);
  if (u.livechatSupport !== undefined) set.livechat_support = yn(u.livechatSupport);
  if (Object.keys(set).length === 0 || tooLong(set)) return;
  await updateChatAppRow(ctx.db, id, set);
}

/** Deletes a chat app and its language rows. */
export async function unregisterChatApp(db: Db, id: number): Promise<void> {
  await deleteChatApp(db, id);
}

/** Every chat app of a bot goes when the bot is unregistered (api-reference/chat-bots/outdated/bots/imbot-unregister.md). */
export async function deleteBotChatApps(db: Db, botId: number): Promise<void> {
  await deleteBotChatAppRows(db, botId);
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}
