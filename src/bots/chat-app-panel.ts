import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import { chatAppLangRows, chatAppWithBot, visibleChatApps } from '../store/repos/chat-apps.js';

/*
 * The chat apps a person's messenger offers in its input area (imbot.app.register, `Bitrix\Im\App`):
 * every app not registered hidden whose CONTEXT fits the dialog — `all` anywhere, `user` in a
 * private chat with a person, `bot` in one with a bot, `chat` in a group chat; `lines` and `call`
 * never (no open lines or calls here); a `-admin` suffix keeps it to administrators. A JS app
 * does what its stored command says (send or put a `/command` text, call a number); an IFRAME
 * app opens its page with the GET parameters of `chats/outdated/iframe.md`.
 */

export type DialogKind = 'person' | 'bot' | 'chat';

export type PanelAction =
  | { kind: 'send' | 'put' | 'call'; value: string }
  | { kind: 'iframe'; url: string; width: number; height: number; popup: boolean }
  | { kind: 'unsupported' };

export interface PanelApp {
  id: number;
  code: string;
  bot_id: number;
  title: string;
  description: string;
  action: PanelAction;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The stored JS of a JS app (see jsCommand) as what the client does. */
function jsAction(js: string): PanelAction {
  const m = /^BXIM\.(sendMessage|putMessage|phoneTo|openMessenger)\('(.*)'\);$/.exec(js);
  if (!m) return { kind: 'unsupported' };
  if (m[1] === 'sendMessage') return { kind: 'send', value: m[2]! };
  if (m[1] === 'putMessage') return { kind: 'put', value: m[2]! };
  if (m[1] === 'phoneTo') return { kind: 'call', value: m[2]! };
  return { kind: 'unsupported' }; // an open-line support chat
}

function fits(context: string, dialog: DialogKind, isAdmin: boolean): boolean {
  const admin = context.endsWith('-admin');
  if (admin && !isAdmin) return false;
  const base = admin ? context.slice(0, -'-admin'.length) : context;
  return base === 'all' || (base === 'user' && dialog === 'person') || (base === 'bot' && dialog === 'bot') || (base === 'chat' && dialog === 'chat');
}

export interface PanelViewer {
  userId: number;
  isAdmin: boolean;
  /** the dialog as the page names it: a user id or `chatN` */
  dialogId: string;
  dialog: DialogKind;
  /** the portal's host (DOMAIN of the IFRAME parameters) */
  domain: string;
  languageId: string;
}

type AppRow = Awaited<ReturnType<typeof visibleChatApps>>[number];

/** Where an app is opened: the input area, or a KEYBOARD/MENU button of a message (APP_ID + APP_PARAMS). */
type Opening = { context: 'textarea' } | { context: 'button'; messageId: number; buttonParams: string };

async function panelApps(db: Db, v: PanelViewer, apps: AppRow[], opening: Opening): Promise<PanelApp[]> {
  const langs = await chatAppLangRows(db, apps.map((a) => a.id));
  return apps.map((a) => {
    const own = langs.filter((l) => l.chat_app_id === a.id);
    const lang = own.find((l) => l.language_id === v.languageId) ?? own.find((l) => l.language_id === 'en') ?? own[0];
    let action: PanelAction;
    if (a.js) action = jsAction(a.js);
    else {
      const q = new URLSearchParams({
        BOT_ID: String(a.bot_id),
        BOT_CODE: a.bot_code,
        APP_ID: String(a.id),
        APP_CODE: a.code,
        DOMAIN: v.domain,
        DOMAIN_HASH: md5(v.domain + a.hash),
        USER_ID: String(v.userId),
        USER_HASH: md5(String(v.userId) + a.hash),
        DIALOG_ID: v.dialogId,
        CONTEXT: opening.context,
        LANG: v.languageId,
        IS_CHROME: 'N',
        MESSAGE_ID: opening.context === 'button' ? String(opening.messageId) : '0',
        BUTTON_PARAMS: opening.context === 'button' ? opening.buttonParams : '',
      });
      action = { kind: 'iframe', url: `${a.iframe}${a.iframe.includes('?') ? '&' : '?'}${q}`, width: a.iframe_width, height: a.iframe_height, popup: a.iframe_popup === 'Y' };
    }
    return { id: a.id, code: a.code, bot_id: a.bot_id, title: lang?.title || a.code, description: lang?.description ?? '', action };
  });
}

export async function chatAppPanel(db: Db, v: PanelViewer): Promise<PanelApp[]> {
  const apps = (await visibleChatApps(db)).filter((a) => fits(a.context, v.dialog, v.isAdmin));
  return panelApps(db, v, apps, { context: 'textarea' });
}

/**
 * The app a message's button opens (`APP_ID`, `APP_PARAMS`: api-reference/chats/messages/keyboards.md):
 * what the input area would do with it, an IFRAME page getting CONTEXT=button, the MESSAGE_ID
 * and the button's APP_PARAMS as BUTTON_PARAMS (chats/outdated/iframe.md). Hidden apps too — a
 * hidden app is one meant for buttons only; the app's CONTEXT does not limit a button. Undefined
 * when the app no longer exists.
 */
export async function chatAppForButton(db: Db, v: PanelViewer, appId: number, messageId: number, buttonParams: string): Promise<PanelApp | undefined> {
  const app = await chatAppWithBot(db, appId);
  if (!app) return undefined;
  return (await panelApps(db, v, [app], { context: 'button', messageId, buttonParams }))[0];
}
