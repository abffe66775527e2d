import { checkAvatar } from '../../im/avatar.js';
import {
  ChatAppError,
  getChatApp,
  HASH_MAX,
  IFRAME_HEIGHT,
  IFRAME_WIDTH,
  isHttpsPage,
  JS_METHODS,
  jsCommand,
  readAppLangs,
  registerChatApp,
  unregisterChatApp,
  updateChatApp,
  type ChatAppRow,
  type ChatAppUpdate,
  type JsMethod,
} from '../../bots/chat-apps.js';
import type { BotOwner } from '../../bots/owner.js';
import { RestError } from '../../rest/errors.js';
import { StoreFailure } from '../../rest/faults.js';
import { idval, isPhpArray, phpEmpty, phpIntKey, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ownedBot, rejectSession, requireOwner } from './owner.js';
import { dialogVoteMethods } from './vote.js';
import { sameSecret } from '../../util/secrets.js';

// imbot.app.register / unregister / update: legacy chat applications (api-reference/chats/outdated/create-app/;
// api-reference/chats/outdated/**).

const AppErrors = {
  codeEmpty: () => new RestError('CODE_ERROR', "App code isn't specified"),
  iframeHttps: () => new RestError('IFRAME_HTTPS', 'Iframe params must be HTTPS site'),
  hashEmpty: () => new RestError('HASH_ERROR', "Hash can't be empty"),
  paramsEmpty: () => new RestError('PARAMS_ERROR', "Iframe or JS method isn't specified"),
  langEmpty: () => new RestError('LANG_ERROR', "Lang set can't be empty"),
  /** The portal appends a `var_export` dump of the fields it tried to register. */
  cantRegister: (fields?: Record<string, unknown>) =>
    new RestError('WRONG_REQUEST', "App can't be registered" + (fields ? varExport(fields) : '')),
  notFound: () => new RestError('CHAT_APP_ID_ERROR', 'App not found'),
  otherApp: () => new RestError('APP_ID_ERROR', 'App was installed by another rest application'),
  cantDelete: () => new RestError('WRONG_REQUEST', "App can't be deleted"),
  /** sic: the portal's text for a failed chat-app update */
  cantUpdate: () => new RestError('WRONG_REQUEST', "Command can't be updated"),
} as const;

const isset = (v: unknown) => v !== undefined && v !== null;
const yes = (v: unknown) => v === 'Y';

/** A scalar parameter as text; arrays (which PHP would choke on) give undefined. */
function scalar(v: unknown): string | undefined {
  return isPhpArray(v) ? undefined : phpString(v);
}

/** The JS of a valid JS_METHOD + non-empty JS_PARAM pair ('' when JS_PARAM fails the pattern); null when the pair is not given. */
function jsFrom(method: unknown, param: unknown): string | null {
  if (typeof method !== 'string' || !(JS_METHODS as readonly string[]).includes(method) || phpEmpty(param)) return null;
  return jsCommand(method as JsMethod, scalar(param) ?? '');
}

/** IFRAME_HTTPS unless the page is `https://host…`. */
function httpsPage(v: unknown): string {
  const url = scalar(v) ?? '';
  if (!isHttpsPage(url)) throw AppErrors.iframeHttps();
  return url;
}

/** The caller's chat app by APP_ID: CHAT_APP_ID_ERROR, then APP_ID_ERROR. */
async function ownedApp(call: MethodCall, owner: BotOwner, idParam: unknown): Promise<ChatAppRow> {
  const id = phpIntKey(idParam); // `$apps[$arParams['APP_ID']]`
  const app = id !== null ? await getChatApp(call.ctx.db, id) : undefined;
  if (!app) throw AppErrors.notFound();
  if (!sameSecret(owner.appId, app.app_id)) throw AppErrors.otherApp();
  return app;
}

async function register(call: MethodCall): Promise<number> {
  rejectSession(call);
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  if (phpEmpty(P.CODE)) throw AppErrors.codeEmpty();

  // JS command first; IFRAME only when no JS pair was given (a pair whose JS_PARAM fails the pattern ends in PARAMS_ERROR).
  const jsPair = jsFrom(P.JS_METHOD, P.JS_PARAM);
  let js = jsPair ?? '';
  let iframe = '';
  let width: unknown = 0;
  let height: unknown = 0;
  let popup = false;
  let hash = '';
  if (jsPair === null && !phpEmpty(P.IFRAME)) {
    iframe = httpsPage(P.IFRAME);
    width = isset(P.IFRAME_WIDTH) ? (idval(P.IFRAME_WIDTH) > IFRAME_WIDTH.min ? P.IFRAME_WIDTH : IFRAME_WIDTH.min) : IFRAME_WIDTH.register;
    height = isset(P.IFRAME_HEIGHT) ? (idval(P.IFRAME_HEIGHT) > IFRAME_HEIGHT.min ? P.IFRAME_HEIGHT : IFRAME_HEIGHT.min) : IFRAME_HEIGHT.register;
    popup = yes(P.IFRAME_POPUP);
    if (phpEmpty(P.HASH)) throw AppErrors.hashEmpty();
    hash = Array.from(scalar(P.HASH) ?? '').slice(0, HASH_MAX).join('');
  }
  if (iframe === '' && js === '') throw AppErrors.paramsEmpty();

  const icon = !phpEmpty(P.ICON_FILE) ? checkAvatar(P.ICON_FILE) : null; // an invalid icon is ignored
  const context = isset(P.CONTEXT) ? P.CONTEXT : 'ALL';
  const flags = { HIDDEN: yes(P.HIDDEN), EXTRANET_SUPPORT: yes(P.EXTRANET_SUPPORT), LIVECHAT_SUPPORT: yes(P.LIVECHAT_SUPPORT) };
  const bot = await ownedBot(call, owner, P.BOT_ID);
  if (phpEmpty(P.LANG)) throw AppErrors.langEmpty();

  // What the portal hands to App::register, and dumps when that fails.
  const fields = {
    APP_ID: owner.appId,
    BOT_ID: bot.bot_id,
    CODE: P.CODE,
    ICON_ID: 0,
    HASH: hash,
    CONTEXT: context,
    HIDDEN: yn(flags.HIDDEN),
    JS: js,
    IFRAME: iframe,
    IFRAME_HEIGHT: height,
    IFRAME_WIDTH: width,
    IFRAME_POPUP: yn(popup),
    EXTRANET_SUPPORT: yn(flags.EXTRANET_SUPPORT),
    LIVECHAT_SUPPORT: yn(flags.LIVECHAT_SUPPORT),
    MODULE_ID: 'rest',
    LANG: P.LANG,
  };
  try {
    const code = scalar(P.CODE);
    if (code === undefined || isPhpArray(context)) throw new ChatAppError('invalid_fields');
    return await registerChatApp(call.ctx, {
      botId: bot.bot_id,
      appId: owner.appId,
      code,
      js,
      iframe,
      iframeWidth: idval(width),
      iframeHeight: idval(height),
      iframePopup: popup,
      hash,
      context: phpString(context),
      hidden: flags.HIDDEN,
      extranetSupport: flags.EXTRANET_SUPPORT,
      livechatSupport: flags.LIVECHAT_SUPPORT,
      icon: icon?.ok ? icon.dataUrl : '',
      langs: readAppLangs(P.LANG),
    });
  } catch (err) {
    if (err instanceof ChatAppError || err instanceof StoreFailure) throw AppErrors.cantRegister(fields);
    throw err;
  }
}

async function unregister(call: MethodCall): Promise<true> {
  rejectSession(call);
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  const app = await ownedApp(call, owner, P.APP_ID);
  await unregisterChatApp(call.ctx.db, app.id);
  return true;
}

async function update(call: MethodCall): Promise<true> {
  rejectSession(call);
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  const app = await ownedApp(call, owner, P.APP_ID);
  // Fields come under FIELDS (api-reference/chats/outdated/create-app/imbot-app-update.md, as its example), uppercase keys only.
  const F = isPhpArray(P.FIELDS) && !Array.isArray(P.FIELDS) ? (P.FIELDS as Record<string, unknown>) : {};
  const given = (v: unknown) => !phpEmpty(v) && scalar(v) !== undefined;
  const u: ChatAppUpdate = {};
  if (given(F.CONTEXT)) u.context = scalar(F.CONTEXT);
  if (given(F.HASH)) u.hash = scalar(F.HASH);
  const js = jsFrom(F.JS_METHOD, F.JS_PARAM);
  if (js !== null) {
    if (js !== '') u.js = js;
  } else if (!phpEmpty(F.IFRAME)) {
    u.iframe = httpsPage(F.IFRAME);
  }
  if (isset(F.IFRAME_WIDTH)) u.iframeWidth = idval(F.IFRAME_WIDTH);
  if (isset(F.IFRAME_HEIGHT)) u.iframeHeight = idval(F.IFRAME_HEIGHT);
  if (!phpEmpty(F.IFRAME_POPUP)) u.iframePopup = yes(F.IFRAME_POPUP);
  if (!phpEmpty(F.HIDDEN)) u.hidden = yes(F.HIDDEN);
  if (!phpEmpty(F.EXTRANET_SUPPORT)) u.extranetSupport = yes(F.EXTRANET_SUPPORT);
  if (!phpEmpty(F.LIVECHAT_SUPPORT)) u.livechatSupport = yes(F.LIVECHAT_SUPPORT);
  if (!phpEmpty(F.LANG)) u.langs = readAppLangs(F.LANG);
  // FIELDS.ICON_FILE is accepted and ignored: the portal saves the file under a key App::update never reads.
  await updateChatApp(call.ctx, app.id, u);
  return true;
}

const yn = (b: boolean) => (b ? 'Y' : 'N');

/** PHP `var_export` of a parameter value (strings, numbers, booleans, null, nested arrays). */
export function varExport(value: unknown, level = 1): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const pad = (n: number) => ' '.repeat(n);
  const entries = Object.entries(value as Record<string, unknown>);
  let out = level > 1 ? `\n${pad(level - 1)}` : '';
  out += 'array (\n';
  for (const [k, v] of entries) {
    const key = /^(0|-?[1-9]\d*)$/.test(k) ? k : varExport(k);
    out += `${pad(level + 1)}${key} => ${varExport(v, level + 2)},\n`;
  }
  return out + (level > 1 ? pad(level - 1) : '') + ')';
}

export const chatAppMethods: MethodSpec[] = [
  { name: 'imbot.app.register', scope: 'imbot', write: true, handler: register, onStoreFailure: () => AppErrors.cantRegister() },
  { name: 'imbot.app.unregister', scope: 'imbot', write: true, handler: unregister, onStoreFailure: AppErrors.cantDelete },
  { name: 'imbot.app.update', scope: 'imbot', write: true, handler: update, onStoreFailure: AppErrors.cantUpdate },
];

/** The chat-app methods plus `imbot.dialog.vote` (both about the legacy messenger's extras). */
export const appMethods: MethodSpec[] = [...chatAppMethods, ...dialogVoteMethods];
