/**
 * Queries on bot slash commands: `commands`, their `command_langs` and the answer windows in
 * `command_answer_tokens`. Command texts match exactly (case-sensitive), as the portal's do.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../db.js';
import type { CommandAnswerTokensTable, CommandLangsTable, CommandsTable } from '../schema.js';

export type CommandRow = Selectable<CommandsTable>;
export type NewCommandRow = Insertable<CommandsTable>;
export type CommandPatch = Updateable<Pick<CommandsTable, 'command' | 'common' | 'hidden' | 'extranet_support'>>;
export type CommandLangRow = Omit<Selectable<CommandLangsTable>, 'command_id'>;
export type AnswerTokenRow = Selectable<CommandAnswerTokensTable>;

export function findCommand(db: Db, commandId: number): Promise<CommandRow | undefined> {
  return db.selectFrom('commands').selectAll().where('id', '=', commandId).executeTakeFirst();
}

/** The lowest-id command of an owner key with exactly this text. */
export function findOwnerCommand(db: Db, ownerKey: string, command: string): Promise<CommandRow | undefined> {
  return db.selectFrom('commands').selectAll().where('app_id', '=', ownerKey).where('command', '=', command).orderBy('id').limit(1).executeTakeFirst();
}

/** A bot's command with exactly this text (unique per bot). */
export function findBotCommand(db: Db, botId: number, command: string): Promise<CommandRow | undefined> {
  return db.selectFrom('commands').selectAll().where('bot_id', '=', botId).where('command', '=', command).executeTakeFirst();
}

/** A bot's commands in id (registration) order. */
export function listBotCommands(db: Db, botId: number): Promise<CommandRow[]> {
  return db.selectFrom('commands').selectAll().where('bot_id', '=', botId).orderBy('id').execute();
}

export async function countBotCommands(db: Db, botId: number): Promise<number> {
  const row = await db.selectFrom('commands').select((eb) => eb.fn.countAll<number>().as('n')).where('bot_id', '=', botId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Every command of the portal in id order, with its bot's `openline` flag. */
export function listCommandsWithOpenline(db: Db): Promise<(CommandRow & { openline: string })[]> {
  return db.selectFrom('commands').innerJoin('bots', 'bots.bot_id', 'commands.bot_id').selectAll('commands').select('bots.openline').orderBy('commands.id').execute();
}

/**
 * Inserts a command unless the bot has one with that text (unique bot_id, command): the new id,
 * or undefined when it exists (a concurrent registration of the same command makes one row).
 */
export async function insertCommandOnce(db: Db, row: NewCommandRow): Promise<number | undefined> {
  const inserted = await db
    .insertInto('commands')
    .values(row)
    .onConflict((oc) => oc.columns(['bot_id', 'command']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id;
}

export async function updateCommandRow(db: Db, commandId: number, patch: CommandPatch): Promise<void> {
  if (Object.keys(patch).length) await db.updateTable('commands').set(patch).where('id', '=', commandId).execute();
}

/** Moves a bot's commands to another owner key. */
export async function setBotCommandsOwner(db: Db, botId: number, ownerKey: string): Promise<void> {
  await db.updateTable('commands').set({ app_id: ownerKey }).where('bot_id', '=', botId).execute();
}

/** Deletes a command with its language rows. */
export async function deleteCommand(db: Db, commandId: number): Promise<void> {
  await db.deleteFrom('command_langs').where('command_id', '=', commandId).execute();
  await db.deleteFrom('commands').where('id', '=', commandId).execute();
}

/** Deletes every command of a bot with their language rows. */
export async function deleteBotCommands(db: Db, botId: number): Promise<void> {
  const ids = (await db.selectFrom('commands').select('id').where('bot_id', '=', botId).execute()).map((c) => c.id);
  if (ids.length === 0) return;
  await db.deleteFrom('command_langs').where('command_id', 'in', ids).execute();
  await db.deleteFrom('commands').where('id', 'in', ids).execute();
}

/** A command's language rows in language order. */
export function listCommandLangs(db: Db, commandId: number): Promise<CommandLangRow[]> {
  return db.selectFrom('command_langs').select(['language_id', 'title', 'params']).where('command_id', '=', commandId).orderBy('language_id').execute();
}

/** Replaces every language row of a command. */
export async function replaceCommandLangs(db: Db, commandId: number, langs: CommandLangRow[]): Promise<void> {
  await db.deleteFrom('command_langs').where('command_id', '=', commandId).execute();
  if (langs.length === 0) return;
  await db
    .insertInto('command_langs')
    .values(langs.map((l) => ({ command_id: commandId, language_id: l.language_id, title: l.title, params: l.params })))
    .execute();
}

/** Opens (or moves the end of) a bot's answer window for a dialog. */
export async function putAnswerToken(db: Db, botId: number, dialogId: string, expiresAt: number): Promise<void> {
  await db
    .insertInto('command_answer_tokens')
    .values({ bot_id: botId, dialog_id: dialogId, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['bot_id', 'dialog_id']).doUpdateSet({ expires_at: expiresAt }))
    .execute();
}

/** When a bot's answer window for a dialog ends; undefined when none was opened. */
export async function findAnswerTokenExpiry(db: Db, botId: number, dialogId: string): Promise<number | undefined> {
  const row = await db.selectFrom('command_answer_tokens').select('expires_at').where('bot_id', '=', botId).where('dialog_id', '=', dialogId).executeTakeFirst();
  return row?.expires_at;
}

// ---- what the web messenger's "/" list needs ----

/** Commands not hidden that are common or belong to `botIds`, with every language's title, by command then id. */
export function listTypableCommands(db: Db, botIds: number[]) {
  return db
    .selectFrom('commands')
    .leftJoin('command_langs', 'command_langs.command_id', 'commands.id')
    .select(['commands.id', 'commands.bot_id', 'commands.command', 'command_langs.language_id', 'command_langs.title', 'command_langs.params'])
    .where('commands.hidden', '!=', 'Y')
    .where((eb) => (botIds.length ? eb.or([eb('commands.common', '=', 'Y'), eb('commands.bot_id', 'in', botIds)]) : eb('commands.common', '=', 'Y')))
    .orderBy('commands.command')
    .orderBy('commands.id')
    .execute();
}

/** Every command's bot, text and flags, in id order (the console). */
export function commandRows(db: Db) {
  return db.selectFrom('commands').select(['bot_id', 'command', 'hidden', 'common']).orderBy('id').execute();
}
