import type { DomainCtx } from '../context.js';
import { getChat, isMember, memberIds, openPrivateChat } from '../im/chats.js';
import { getMessage, normalizeText, postMessage } from '../im/messages.js';
import type { Db } from '../store/db.js';
import {
  deleteCommand,
  findAnswerTokenExpiry,
  findBotCommand as findBotCommandRow,
  findCommand,
  findOwnerCommand,
  insertCommandOnce,
  listBotCommands,
  listCommandLangs,
  putAnswerToken,
  listTypableCommands,
  replaceCommandLangs,
  updateCommandRow,
  type CommandPatch,
  type CommandRow,
} from '../store/repos/commands.js';
import { bindAppEvent } from './bindings.js';
import type { BotOwner } from './owner.js';

// Slash commands of REST bots (api-reference/chat-bots/outdated/commands/index.md; `Bitrix\Im\Command`).

export type { CommandRow };

export const COMMAND_EVENT = 'ONIMCOMMANDADD';
/** How long a fired command lets its bot answer into the dialog (prolonged on every answer). */
export const ANSWER_WINDOW_MS = 10 * 60_000;
/** Longest command text the store keeps (DB column). */
const COMMAND_MAX = 255;

/** A command change the domain refuses; the API layer turns it into its own error. */
export class CommandError extends Error {
  /** `invalid_fields`: a value the store refuses; `name_taken`: the bot has another command by that name */
  constructor(readonly reason: 'invalid_fields' | 'name_taken') {
    super(reason);
  }
}

export interface CommandLang {
  languageId: string;
  title: string;
  params: string;
}

/** One leading `/` is dropped wherever a command text comes in (register, keyboard, typed text). */
export function stripSlash(command: string): string {
  return command.startsWith('/') ? command.slice(1) : command;
}

/**
 * The LANG rows `Command::register`/`update` keep: rows without LANGUAGE_ID or without TITLE are
 * skipped, LANGUAGE_ID is lower-cased, and rows the table refuses (LANGUAGE_ID over 2 chars,
 * TITLE/PARAMS over 255, a repeated language) are dropped silently.
 */
export function readLangs(raw: unknown): CommandLang[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const out: CommandLang[] = [];
  for (const row of Object.values(raw as Record<string, unknown>)) {
    if (typeof row !== 'object' || row === null) continue;
    const r = row as Record<string, unknown>;
    const lang = scalarText(r.LANGUAGE_ID).toLowerCase();
    if (lang === '' || lang === '0' || r.TITLE === undefined || r.TITLE === null) continue;
    const title = scalarText(r.TITLE);
    const params = scalarText(r.PARAMS);
    const l = { languageId: lang, title, params };
    if (!storableLang(l) || out.some((o) => o.languageId === lang)) continue;
    out.push(l);
  }
  return out;
}

/** Whether the command_langs table takes the row (LANGUAGE_ID ≤ 2 chars, TITLE/PARAMS ≤ 255). */
function storableLang(l: CommandLang): boolean {
  return l.languageId.length <= 2 && l.title.length <= 255 && l.params.length <= 255;
}

/** A command's language rows. */
export async function commandLangs(db: Db, commandId: number): Promise<CommandLang[]> {
  const rows = await listCommandLangs(db, commandId);
  return rows.map((r) => ({ languageId: r.language_id, title: r.title, params: r.params }));
}

/** `{lang: text|null}` changes (v2 titles/params): a string sets that language, null removes it. */
export type LangTexts = Record<string, string | null>;

/**
 * Language rows from v2 `{lang: title}` / `{lang: params}` maps: one row per titled language
 * (params only for languages that have a title), rows the table refuses dropped as in `readLangs`.
 */
export function langsFromTexts(titles: LangTexts, params: LangTexts): CommandLang[] {
  return mergeLangs([], { titles, params });
}

/**
 * The v2 merge (`imbot.v2.Command.update`): `titles` sets or (null) removes languages, missing
 * keys stay; `params` sets or (null) clears the hint of languages that end up with a title and is
 * ignored for the others; without `params` the old hints stay.
 */
export function mergeLangs(current: CommandLang[], patch: { titles?: LangTexts; params?: LangTexts }): CommandLang[] {
  const byLang = new Map(current.map((l) => [l.languageId, l]));
  // A change the table would refuse is skipped, as readLangs drops such rows.
  const put = (row: CommandLang) => {
    if (storableLang(row)) byLang.set(row.languageId, row);
  };
  for (const [lang, title] of Object.entries(patch.titles ?? {})) {
    if (title === null) byLang.delete(lang);
    else put({ languageId: lang, title, params: byLang.get(lang)?.params ?? '' });
  }
  for (const [lang, params] of Object.entries(patch.params ?? {})) {
    const row = byLang.get(lang);
    if (row) put({ ...row, params: params ?? '' });
  }
  return [...byLang.values()];
}

function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return v === true ? '1' : '';
}

export function getCommand(db: Db, commandId: number): Promise<CommandRow | undefined> {
  return findCommand(db, commandId);
}

/** The first command of an app with exactly this text (imbot.command.answer by COMMAND). */
export function findAppCommand(db: Db, appId: string, command: string): Promise<CommandRow | undefined> {
  return findOwnerCommand(db, appId, command);
}

/** A bot's own command by its text (keyboard buttons name the command of the bot that sent them). */
export function findBotCommand(db: Db, botId: number, command: string): Promise<CommandRow | undefined> {
  return findBotCommandRow(db, botId, command);
}

export interface NewCommand {
  /** as sent; one leading `/` is stripped here */
  command: string;
  common: boolean;
  hidden: boolean;
  extranetSupport: boolean;
  sonetSupport: boolean;
  langs: CommandLang[];
  /**
   * validated ONIMCOMMANDADD handler (CLIENT_ID already appended for webhook owners); null for
   * commands registered through imbot.v2, whose events follow the bot's eventMode instead of an
   * app binding (api-reference/chat-bots/chat-bots-v2/migration.md: EVENT_COMMAND_ADD → none)
   */
  handlerUrl: string | null;
}

function replaceLangs(db: Db, commandId: number, langs: CommandLang[]): Promise<void> {
  return replaceCommandLangs(db, commandId, langs.map((l) => ({ language_id: l.languageId, title: l.title, params: l.params })));
}

/**
 * Registers a command of a bot. The same (bot, command) registers once: the existing id comes back
 * and nothing but the app's ONIMCOMMANDADD binding changes (that binding is app-wide, last wins;
 * no binding is touched without a handler).
 */
export async function registerCommand(ctx: DomainCtx, owner: BotOwner, botId: number, c: NewCommand): Promise<number> {
  const command = stripSlash(c.command);
  const existing = await findBotCommand(ctx.db, botId, command);
  let commandId = existing?.id;
  if (commandId === undefined) {
    if (command.length > COMMAND_MAX) throw new CommandError('invalid_fields');
    const id = await insertCommandOnce(ctx.db, {
        bot_id: botId,
        app_id: owner.appId,
        command,
        common: c.common ? 'Y' : 'N',
        hidden: c.hidden ? 'Y' : 'N',
        extranet_support: c.extranetSupport ? 'Y' : 'N',
        sonet_support: c.sonetSupport ? 'Y' : 'N',
        created_at: ctx.clock.now(),
      });
    // unique (bot_id, command): a concurrent registration of the same command makes one row
    if (id !== undefined) {
      commandId = id;
      await replaceLangs(ctx.db, commandId, c.langs);
    } else commandId = (await findBotCommand(ctx.db, botId, command))!.id;
  }
  if (c.handlerUrl !== null) await bindAppEvent(ctx, owner, COMMAND_EVENT, c.handlerUrl);
  return commandId;
}

/** Deletes a command and its language rows; the app's event binding stays. */
export async function unregisterCommand(ctx: DomainCtx, commandId: number): Promise<void> {
  await deleteCommand(ctx.db, commandId);
}

export interface CommandUpdate {
  /** a new name (imbot.v2 only; one leading `/` is stripped); unique per bot */
  command?: string;
  /** imbot.v2 only: v1 cannot change COMMON */
  common?: boolean;
  hidden?: boolean;
  extranetSupport?: boolean;
  /** replaces every language row */
  langs?: CommandLang[];
  /** imbot.v2: merged into the current rows (see mergeLangs) */
  langPatch?: { titles?: LangTexts; params?: LangTexts };
  handlerUrl?: string;
}

/** Throws CommandError: `name_taken` when the bot has another command by the new name. */
export async function updateCommand(ctx: DomainCtx, owner: BotOwner, commandId: number, u: CommandUpdate): Promise<void> {
  const fields: CommandPatch = {};
  if (u.command !== undefined) fields.command = await renamedCommand(ctx.db, commandId, stripSlash(u.command));
  if (u.langs !== undefined) await replaceLangs(ctx.db, commandId, u.langs);
  if (u.langPatch !== undefined) await replaceLangs(ctx.db, commandId, mergeLangs(await commandLangs(ctx.db, commandId), u.langPatch));
  if (u.common !== undefined) fields.common = u.common ? 'Y' : 'N';
  if (u.hidden !== undefined) fields.hidden = u.hidden ? 'Y' : 'N';
  if (u.extranetSupport !== undefined) fields.extranet_support = u.extranetSupport ? 'Y' : 'N';
  await updateCommandRow(ctx.db, commandId, fields);
  if (u.handlerUrl !== undefined) await bindAppEvent(ctx, owner, COMMAND_EVENT, u.handlerUrl);
}

async function renamedCommand(db: Db, commandId: number, command: string): Promise<string> {
  if (command === '' || command.length > COMMAND_MAX) throw new CommandError('invalid_fields');
  const row = await getCommand(db, commandId);
  const twin = row ? await findBotCommand(db, row.bot_id, command) : undefined;
  if (twin && twin.id !== commandId) throw new CommandError('name_taken');
  return command;
}

/** A bot's commands in registration order. */
export function botCommands(db: Db, botId: number): Promise<CommandRow[]> {
  return listBotCommands(db, botId);
}

// ---- the answer window (`Bitrix\Im\Bot\Token`) ----

/** Lets `botId` answer commands into `dialogId` for the next ten minutes. */
export async function grantAnswerToken(ctx: DomainCtx, botId: number, dialogId: string): Promise<void> {
  const expires = ctx.clock.now() + ANSWER_WINDOW_MS;
  await putAnswerToken(ctx.db, botId, dialogId, expires);
}

/** Whether the window is open (always, for the bot's own private dialog); using it prolongs it. */
export async function useAnswerToken(ctx: DomainCtx, botId: number, dialogId: string): Promise<boolean> {
  if (dialogId === String(botId)) return true;
  const expiresAt = await findAnswerTokenExpiry(ctx.db, botId, dialogId);
  if (expiresAt === undefined || expiresAt <= ctx.clock.now()) return false;
  await grantAnswerToken(ctx, botId, dialogId);
  return true;
}

export interface CommandAnswer {
  text: string;
  system: boolean;
  urlPreview: boolean;
  /** normalised rich params (already validated by the caller) */
  attach?: unknown;
  keyboard?: unknown;
  menu?: unknown;
}

/** The "answered by a bot" prefix of system answers (LANG `COMMAND_BOT_ANSWER` + "\n "). */
export function botAnswerPrefix(botId: number): string {
  return `[USER=${botId}][/USER] Chat Bot\n `;
}

/**
 * Posts a command's answer where `Command::addMessage` does (api-reference/chat-bots/outdated/commands/imbot-command-answer.md): into the dialog
 * of the original message, as a normal bot message when the bot is a participant, otherwise as a
 * prefixed system message. Returns the new message id, `true` when the answer window is closed
 * (nothing posted), or null when the message or its chat does not exist.
 */
export async function answerCommand(ctx: DomainCtx, command: CommandRow, messageId: number, a: CommandAnswer): Promise<number | true | null> {
  const message = await getMessage(ctx.db, messageId);
  if (!message) return null;
  const chat = await getChat(ctx.db, message.chat_id);
  if (!chat) return null;
  const botId = command.bot_id;
  const params: Record<string, unknown> = {};
  if (a.attach !== undefined) params.ATTACH = a.attach;
  if (a.keyboard !== undefined) params.KEYBOARD = a.keyboard;
  if (!a.urlPreview) params.URL_PREVIEW = 'N';
  const text = normalizeText(a.text);

  if (chat.type !== 'P') {
    if (!(await useAnswerToken(ctx, botId, `chat${chat.id}`))) return true;
    if (a.menu !== undefined) params.MENU = a.menu;
    const asMember = !a.system && (await isMember(ctx.db, chat.id, botId));
    return postMessage(ctx, {
      chatId: chat.id,
      authorId: botId,
      text: asMember ? text : botAnswerPrefix(botId) + text,
      system: !asMember,
      params,
    });
  }

  // Private chat: the dialog is the participant other than the message's author.
  const members = await memberIds(ctx.db, chat.id);
  const other = members.find((u) => u !== message.author_id) ?? message.author_id;
  if (!(await useAnswerToken(ctx, botId, String(other)))) return true;
  const chatWithBot = message.author_id === botId;
  const from = chatWithBot ? other : message.author_id;
  const to = chatWithBot ? botId : other;
  if (to === botId && !a.system) {
    const { chatId } = await openPrivateChat(ctx, botId, from);
    return postMessage(ctx, { chatId, authorId: botId, text, params });
  }
  const { chatId } = await openPrivateChat(ctx, from, to);
  return postMessage(ctx, { chatId, authorId: from, text: botAnswerPrefix(botId) + text, system: true, params });
}

/** A command a person can pick from the messenger's "/" list. */
export interface CommandChoice {
  botId: number;
  command: string;
  title: string;
  params: string;
}

/**
 * The commands a person may type in a chat whose members include `botIds`: those bots' own
 * commands and every bot's common ones, hidden ones excluded; titles in `lang`, else English.
 */
export async function commandsForChat(db: Db, botIds: number[], lang: string): Promise<CommandChoice[]> {
  const rows = await listTypableCommands(db, botIds);
  const byId = new Map<number, CommandChoice & { lang: string | null }>();
  for (const r of rows) {
    const seen = byId.get(r.id);
    // one entry per command: the wanted language wins over English, English over anything else
    const rank = (l: string | null) => (l === lang ? 2 : l === 'en' ? 1 : 0);
    if (seen && rank(seen.lang) >= rank(r.language_id)) continue;
    byId.set(r.id, { botId: r.bot_id, command: r.command, title: r.title ?? '', params: r.params ?? '', lang: r.language_id });
  }
  return [...byId.values()].map(({ lang: _lang, ...c }) => c);
}
