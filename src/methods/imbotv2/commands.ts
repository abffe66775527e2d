import {
  botCommands,
  CommandError,
  commandLangs,
  langsFromTexts,
  registerCommand,
  unregisterCommand,
  updateCommand,
  type CommandUpdate,
} from '../../bots/commands.js';
import { fullName, getUser } from '../../im/users.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { fieldsOf, pick, v2Bool } from './args.js';
import { v2CommandAnswerMethod } from './commands-answer.js';
import {
  asBotOwner,
  botCommand,
  commandName,
  CommandErrors,
  commandV2,
  isLangMap,
  isSet,
  langTexts,
  localizedLang,
  reread,
} from './commands-fields.js';
import { gate } from './gate.js';

/*
 * imbot.v2.Command.register / update / list / unregister (api-reference/chat-bots/chat-bots-v2/imbot.v2/commands/, api-reference/chat-bots/chat-bots-v2/migration.md). They work on
 * the same command rows as imbot.command.* (src/bots/commands.ts), so either API sees and manages
 * the other's commands; v2 never binds ONIMCOMMANDADD (events follow the bot's eventMode).
 */

/**
 * `fields` when present and non-empty, else the legacy flat format (the same keys at the top
 * level, BOT-BC-0330-1). Its window closed on 30.09.2026, but the src still reads it (the portal's behaviour).
 */
function registerFields(P: Record<string, unknown>): Record<string, unknown> {
  const F = fieldsOf(P);
  return Object.keys(F).length > 0 ? F : P;
}

async function register(call: MethodCall): Promise<{ command: Record<string, unknown> }> {
  const { owner, bot } = await gate(call);
  const F = registerFields(call.params);
  const raw = pick(F, 'command');
  if (!isSet(raw)) throw CommandErrors.required();
  const command = commandName(raw, CommandErrors.required);
  const hidden = v2Bool(pick(F, 'hidden'), false);
  const langs = langsFromTexts(langTexts(pick(F, 'title'), false), langTexts(pick(F, 'params'), true));
  if (!hidden && langs.length === 0) throw CommandErrors.titleRequired();
  try {
    // Idempotent on (bot, command): the existing row comes back unchanged.
    const id = await registerCommand(call.ctx, asBotOwner(owner), bot.bot_id, {
      command,
      common: v2Bool(pick(F, 'common'), false),
      hidden,
      extranetSupport: v2Bool(pick(F, 'extranetSupport'), false),
      sonetSupport: false,
      langs,
      handlerUrl: null,
    });
    return { command: commandV2(await reread(call, id)) };
  } catch (err) {
    if (err instanceof CommandError) throw CommandErrors.registerFailed();
    throw err;
  }
}

const FLAGS = ['common', 'hidden', 'extranetSupport'] as const;

/** `fields` of an update, checked in the order the errors are listed (name, then title). */
function readUpdate(F: Record<string, unknown>): CommandUpdate {
  const u: CommandUpdate = {};
  const name = pick(F, 'command');
  if (isSet(name)) u.command = commandName(name, CommandErrors.nameEmpty);
  const title = pick(F, 'title');
  if (isSet(title) && !isLangMap(title)) throw CommandErrors.titleInvalid();
  const params = pick(F, 'params');
  if (isSet(title) || isLangMap(params)) {
    u.langPatch = {
      titles: isSet(title) ? langTexts(title, false) : undefined,
      // Omitted params keep the old hints.
      params: isLangMap(params) ? langTexts(params, true) : undefined,
    };
  }
  for (const flag of FLAGS) {
    const v = pick(F, flag);
    if (isSet(v)) u[flag] = v2Bool(v, false);
  }
  return u;
}

async function update(call: MethodCall): Promise<{ command: Record<string, unknown> }> {
  const { owner, bot } = await gate(call);
  const row = await botCommand(call, bot.bot_id);
  const u = readUpdate(fieldsOf(call.params));
  try {
    await updateCommand(call.ctx, asBotOwner(owner), row.id, u);
  } catch (err) {
    if (err instanceof CommandError) throw err.reason === 'name_taken' ? CommandErrors.alreadyExists() : CommandErrors.nameInvalid();
    throw err;
  }
  return { command: commandV2(await reread(call, row.id)) };
}

/**
 * Every command of the bot, hidden ones too (the owner manages them here), with `title`/`params`
 * in the portal's language or the default one (BOT-FIX-0408-3); `category` is the bot's name.
 */
async function list(call: MethodCall): Promise<{ commands: Record<string, unknown>[] }> {
  const { bot } = await gate(call);
  const db = call.ctx.db;
  const user = await getUser(db, bot.bot_id);
  const category = user ? fullName(user) : '';
  const commands: Record<string, unknown>[] = [];
  for (const row of await botCommands(db, bot.bot_id)) {
    const lang = localizedLang(await commandLangs(db, row.id), call.ctx.portal.languageId);
    const { id, botId, command, common, hidden, extranetSupport } = commandV2(row);
    commands.push({ id, botId, command, title: lang?.title ?? '', params: lang?.params ?? '', common, hidden, extranetSupport, category, context: '' });
  }
  return { commands };
}

async function unregister(call: MethodCall): Promise<{ result: true }> {
  const { bot } = await gate(call);
  const row = await botCommand(call, bot.bot_id, CommandErrors.notFoundOrDenied);
  await unregisterCommand(call.ctx, row.id);
  return { result: true };
}

export const v2CommandsMethods: MethodSpec[] = [
  { name: 'imbot.v2.Command.register', scope: 'imbot', write: true, handler: register, onStoreFailure: CommandErrors.registerFailed },
  { name: 'imbot.v2.Command.update', scope: 'imbot', write: true, handler: update },
  { name: 'imbot.v2.Command.list', scope: 'imbot', handler: list },
  { name: 'imbot.v2.Command.unregister', scope: 'imbot', write: true, handler: unregister },
  v2CommandAnswerMethod,
];
