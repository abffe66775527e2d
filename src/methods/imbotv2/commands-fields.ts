import { getCommand, stripSlash, type CommandLang, type CommandRow, type LangTexts } from '../../bots/commands.js';
import type { BotOwner } from '../../bots/owner.js';
import type { RestError } from '../../rest/errors.js';
import type { MethodCall } from '../../rest/registry.js';
import { pick, v2Int, v2String } from './args.js';
import { v2Error } from './errors.js';
import type { V2Owner } from './gate.js';

/*
 * What the imbot.v2.Command.* methods share (api-reference/chat-bots/chat-bots-v2/imbot.v2/commands/, api-reference/chat-bots/chat-bots-v2/entities.md#command): their errors with the real
 * texts, reading the command name and the `{lang: text}` maps, and the Command entity.
 */

export const CommandErrors = {
  nameInvalid: () => v2Error('COMMAND_NAME_INVALID', 'Command name must be a string'),
  required: () => v2Error('COMMAND_REQUIRED', 'Command is required'),
  titleRequired: () => v2Error('COMMAND_TITLE_REQUIRED', 'Title is required for visible commands'),
  registerFailed: () => v2Error('COMMAND_REGISTER_FAILED', 'Command registration failed'),
  nameEmpty: () => v2Error('COMMAND_NAME_EMPTY', 'Command name cannot be empty'),
  alreadyExists: () => v2Error('COMMAND_ALREADY_EXISTS', 'Command with this name already exists'),
  titleInvalid: () => v2Error('COMMAND_TITLE_INVALID', 'Title must be an object with language keys'),
  notFound: () => v2Error('COMMAND_NOT_FOUND', 'Command not found'),
  otherBot: () => v2Error('COMMAND_NOT_FOUND', 'Command belongs to a different bot'),
  notFoundOrDenied: () => v2Error('COMMAND_NOT_FOUND', 'Command not found or access denied'),
  answerFailed: () => v2Error('COMMAND_ANSWER_FAILED', 'Failed to send command answer'),
} as const;

/**
 * `fields.command`: a string (else COMMAND_NAME_INVALID) with one leading `/` and surrounding
 * spaces dropped (a command is matched up to the first space, so they could never be typed);
 * nothing left → `onEmpty`.
 */
export function commandName(raw: unknown, onEmpty: () => RestError): string {
  if (typeof raw !== 'string') throw CommandErrors.nameInvalid();
  const name = stripSlash(raw.trim()).trim();
  if (name === '') throw onEmpty();
  return name;
}

/** Whether a param was sent at all (PHP `isset`: null counts as absent). */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** A `{lang: text}` value: a PHP array (JSON object or list; scalars are not). */
export function isLangMap(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null;
}

const LANG_KEY = /^[a-z]{2}$/;

/**
 * A `{lang: text}` map as the store keeps it: keys lower-cased and only two-letter ones kept;
 * strings (numbers stringified) set a language and null removes it. An empty string counts only
 * where `keepEmpty` (a params hint may be cleared; an empty title is no title). Other values are
 * ignored, as unknown keys are (the portal's behaviour).
 */
export function langTexts(raw: unknown, keepEmpty: boolean): LangTexts {
  const out: LangTexts = {};
  if (!isLangMap(raw)) return out;
  for (const [key, value] of Object.entries(raw)) {
    const lang = key.trim().toLowerCase();
    if (!LANG_KEY.test(lang)) continue;
    if (value === null) out[lang] = null;
    else if (typeof value === 'string' || typeof value === 'number') {
      const text = v2String(value);
      if (text !== '' || keepEmpty) out[lang] = text;
    }
  }
  return out;
}

/** The default language titles fall back to when the portal's language has none (api-reference/chat-bots/chat-bots-v2/imbot.v2/commands/command-list.md). */
export const DEFAULT_LANGUAGE = 'en';

/** The language row shown on a portal speaking `language`, else the default language's row. */
export function localizedLang(langs: CommandLang[], language: string): CommandLang | undefined {
  return langs.find((l) => l.languageId === language) ?? langs.find((l) => l.languageId === DEFAULT_LANGUAGE);
}

/** The Command entity of register/update (api-reference/chat-bots/chat-bots-v2/entities.md#command): the command with its leading `/`. */
export function commandV2(row: CommandRow): Record<string, unknown> {
  return {
    id: row.id,
    botId: row.bot_id,
    command: `/${row.command}`,
    common: row.common === 'Y',
    hidden: row.hidden === 'Y',
    extranetSupport: row.extranet_support === 'Y',
  };
}

/**
 * The v1 domain's owner for a v2 caller. The keys are the same (`custom`+token or the OAuth
 * client_id), so commands registered through one API are the other's too.
 */
export function asBotOwner(owner: V2Owner): BotOwner {
  return {
    appId: owner.key,
    restAppId: owner.restAppId,
    applicationToken: owner.botToken ?? owner.key,
    webhookClientId: owner.botToken,
  };
}

/**
 * The gated bot's command named by `commandId` (alias `COMMAND_ID`). `denied` is the one text
 * for both misses (unregister); otherwise a missing command and another bot's are told apart.
 */
export async function botCommand(call: MethodCall, botId: number, denied?: () => RestError): Promise<CommandRow> {
  const id = v2Int(pick(call.params, 'commandId', 'COMMAND_ID'));
  const row = id > 0 ? await getCommand(call.ctx.db, id) : undefined;
  if (!row) throw (denied ?? CommandErrors.notFound)();
  if (row.bot_id !== botId) throw (denied ?? CommandErrors.otherBot)();
  return row;
}

/** The row again after a write (it exists: the call's transaction made or kept it). */
export async function reread(call: MethodCall, commandId: number): Promise<CommandRow> {
  const row = await getCommand(call.ctx.db, commandId);
  if (!row) throw CommandErrors.notFound();
  return row;
}
