import {
  answerCommand,
  CommandError,
  findAppCommand,
  getCommand,
  readLangs,
  registerCommand,
  unregisterCommand,
  updateCommand,
  type CommandRow,
  type CommandUpdate,
} from '../../bots/commands.js';
import { handlerUrlProblem, withClientId } from '../../bots/handlers.js';
import { getBot } from '../../bots/lifecycle.js';
import type { BotOwner } from '../../bots/owner.js';
import { messageAttach, normalizeKeyboard, normalizeMenu, RICH_ERROR_TEXTS, type RichErrorCode } from '../../im/rich/index.js';
import { RestError } from '../../rest/errors.js';
import { idval, isPhpArray, phpEmpty, phpIntKey, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { imCommandMethods } from '../im/command.js';
import { ownedBot, rejectSession, requireOwner } from './owner.js';
import { sameSecret } from '../../util/secrets.js';

// imbot.command.register / unregister / update / answer (api-reference/chat-bots/outdated/commands/).

const CommandErrors = {
  handlerMissing: () => new RestError('EVENT_COMMAND_ADD_ERROR', 'Handler for "Command add" event isn\'t specified'),
  handler: (problem: string) => new RestError('EVENT_COMMAND_ADD_ERROR', problem),
  commandEmpty: () => new RestError('COMMAND_ERROR', "Command isn't specified"),
  langEmpty: () => new RestError('LANG_ERROR', "Lang set can't be empty"),
  cantCreate: () => new RestError('WRONG_REQUEST', "Command can't be created"),
  notFound: () => new RestError('COMMAND_ID_ERROR', 'Command not found'),
  otherApp: () => new RestError('APP_ID_ERROR', 'Command was installed by another rest application'),
  cantDelete: () => new RestError('WRONG_REQUEST', "Command can't be deleted"),
  fetchMode: () => new RestError('FETCH_NOT_SUPPORTED', 'This bot uses FETCH mode. Use imbot.v2.Command.update instead.'),
  updateEmpty: () => new RestError('WRONG_REQUEST', "Update fields can't be empty"),
  cantUpdate: () => new RestError('WRONG_REQUEST', "Command can't be updated"),
  messageIdEmpty: () => new RestError('MESSAGE_ID_EMPTY', "Message ID can't be empty"),
  messageEmpty: () => new RestError('MESSAGE_EMPTY', "Message can't be empty"),
  notAdded: () => new RestError('WRONG_REQUEST', "Message isn't added"),
} as const;

const richError = (code: RichErrorCode) => new RestError(code, RICH_ERROR_TEXTS[code]);

/** A non-empty EVENT_COMMAND_ADD, checked like the bot handlers; webhook owners get CLIENT_ID appended. */
async function handlerUrl(raw: unknown, owner: BotOwner, call: MethodCall): Promise<string> {
  const url = phpString(raw);
  const problem = await handlerUrlProblem(url, call.ctx);
  if (problem) throw CommandErrors.handler(problem);
  return owner.webhookClientId !== null ? withClientId(url, owner.webhookClientId) : url;
}

/** The caller's command by COMMAND_ID: COMMAND_ID_ERROR, then APP_ID_ERROR. */
async function ownedCommand(call: MethodCall, owner: BotOwner, idParam: unknown): Promise<CommandRow> {
  const id = phpIntKey(idParam); // `$commands[$arParams['COMMAND_ID']]`
  const command = id !== null ? await getCommand(call.ctx.db, id) : undefined;
  if (!command) throw CommandErrors.notFound();
  if (!sameSecret(owner.appId, command.app_id)) throw CommandErrors.otherApp();
  return command;
}

const flag = (v: unknown) => v === 'Y';

async function register(call: MethodCall): Promise<number> {
  const P = upperKeys(call.params);
  rejectSession(call);
  const owner = requireOwner(call, P);
  const bot = await ownedBot(call, owner, P.BOT_ID);
  if (phpEmpty(P.EVENT_COMMAND_ADD)) throw CommandErrors.handlerMissing();
  const url = await handlerUrl(P.EVENT_COMMAND_ADD, owner, call);
  if (phpEmpty(P.COMMAND) || isPhpArray(P.COMMAND)) throw CommandErrors.commandEmpty();
  if (phpEmpty(P.LANG)) throw CommandErrors.langEmpty();
  try {
    return await registerCommand(call.ctx, owner, bot.bot_id, {
      command: phpString(P.COMMAND),
      common: flag(P.COMMON),
      hidden: flag(P.HIDDEN),
      extranetSupport: flag(P.EXTRANET_SUPPORT),
      sonetSupport: flag(P.SONET_SUPPORT),
      langs: readLangs(P.LANG),
      handlerUrl: url,
    });
  } catch (err) {
    if (err instanceof CommandError) throw CommandErrors.cantCreate();
    throw err;
  }
}

async function unregister(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  rejectSession(call);
  const owner = requireOwner(call, P);
  const command = await ownedCommand(call, owner, P.COMMAND_ID);
  await unregisterCommand(call.ctx, command.id);
  return true;
}

async function update(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  rejectSession(call);
  const owner = requireOwner(call, P);
  const command = await ownedCommand(call, owner, P.COMMAND_ID);
  const bot = await getBot(call.ctx.db, command.bot_id);
  if (bot?.event_mode === 'FETCH') throw CommandErrors.fetchMode();
  // FIELDS.COMMAND and FIELDS.COMMON are not updatable through REST (the portal's behaviour; api-reference/chat-bots/outdated/commands/imbot-command-update.md says otherwise).
  const F = isPhpArray(P.FIELDS) && !Array.isArray(P.FIELDS) ? (P.FIELDS as Record<string, unknown>) : {};
  const u: CommandUpdate = {};
  if (!phpEmpty(F.EVENT_COMMAND_ADD)) u.handlerUrl = await handlerUrl(F.EVENT_COMMAND_ADD, owner, call);
  if (!phpEmpty(F.HIDDEN)) u.hidden = flag(F.HIDDEN);
  if (!phpEmpty(F.EXTRANET_SUPPORT)) u.extranetSupport = flag(F.EXTRANET_SUPPORT);
  if (!phpEmpty(F.LANG)) u.langs = readLangs(F.LANG);
  if (Object.keys(u).length === 0) throw CommandErrors.updateEmpty();
  await updateCommand(call.ctx, owner, command.id, u);
  return true;
}

/** COMMAND_ID (checked like the other command methods) or else the app's first command named COMMAND. */
async function answeredCommand(call: MethodCall, owner: BotOwner, P: Record<string, unknown>): Promise<CommandRow | null> {
  if (P.COMMAND_ID !== undefined && P.COMMAND_ID !== null) return ownedCommand(call, owner, P.COMMAND_ID);
  if (P.COMMAND === undefined || P.COMMAND === null) return null;
  const command = await findAppCommand(call.ctx.db, owner.appId, phpString(P.COMMAND));
  if (!command) throw CommandErrors.notFound();
  return command;
}

async function answer(call: MethodCall): Promise<number | true> {
  const P = upperKeys(call.params);
  rejectSession(call);
  const owner = requireOwner(call, P);
  const command = await answeredCommand(call, owner, P);
  const botId = command?.bot_id ?? 0;
  const messageId = idval(P.MESSAGE_ID);
  if (messageId <= 0) throw CommandErrors.messageIdEmpty();
  const text = phpString(P.MESSAGE).trim();
  if (text === '') throw CommandErrors.messageEmpty();

  let attach: unknown;
  if (!phpEmpty(P.ATTACH)) {
    const r = messageAttach(P.ATTACH, { now: call.ctx.clock.now() });
    if (!r.ok) throw richError(r.error);
    attach = r.attach;
  }
  let keyboard: unknown;
  if (!phpEmpty(P.KEYBOARD) && botId > 0) {
    const r = normalizeKeyboard(P.KEYBOARD, { botId });
    if (!r.ok) throw richError(r.error);
    keyboard = r.keyboard;
  }
  let menu: unknown;
  if (!phpEmpty(P.MENU)) {
    // The real server takes the menu's BOT_ID from the request and never checks its size.
    const r = normalizeMenu(P.MENU, { botId: idval(P.BOT_ID), checkSize: false });
    if (!r.ok) throw richError(r.error);
    menu = r.menu;
  }
  if (!command) throw CommandErrors.notAdded();
  const result = await answerCommand(call.ctx, command, messageId, {
    text,
    system: P.SYSTEM === 'Y',
    urlPreview: P.URL_PREVIEW !== 'N',
    attach,
    keyboard,
    menu,
  });
  if (result === null) throw CommandErrors.notAdded();
  return result;
}

export const imbotCommandMethods: MethodSpec[] = [
  { name: 'imbot.command.register', scope: 'imbot', write: true, handler: register, onStoreFailure: CommandErrors.cantCreate },
  { name: 'imbot.command.unregister', scope: 'imbot', write: true, handler: unregister, onStoreFailure: CommandErrors.cantDelete },
  { name: 'imbot.command.update', scope: 'imbot', write: true, handler: update, onStoreFailure: CommandErrors.cantUpdate },
  { name: 'imbot.command.answer', scope: 'imbot', write: true, handler: answer, onStoreFailure: CommandErrors.notAdded },
];

/** The bot's command methods plus the people's side of commands (`im.message.command`). */
export const commandMethods: MethodSpec[] = [...imbotCommandMethods, ...imCommandMethods];
