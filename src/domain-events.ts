/**
 * How domain code raises events without knowing who hears them: im/ and bots/ publish what
 * happened through `ctx.events` (set where contexts are built: the REST pipeline, the CLI, the
 * harness, tests), inside the unit of work of the change, and src/events/ turns each into outbox
 * rows, offline-queue rows or v2 log rows in that same transaction — so an event exists exactly
 * when its change committed, and the messenger and bot domains never import events/.
 *
 * This module is neutral ground: types only, importing nothing from the domain.
 */

export type BotEventName =
  | 'ONIMBOTMESSAGEADD'
  | 'ONIMBOTMESSAGEUPDATE'
  | 'ONIMBOTMESSAGEDELETE'
  | 'ONIMBOTJOINCHAT'
  | 'ONIMBOTDELETE'
  | 'ONIMCOMMANDADD'
  | 'ONIMBOTCONTEXTGET';

/**
 * One executed command of an ONIMCOMMANDADD (api-reference/chat-bots/commands/events/on-im-command-add): its `data[COMMAND][<id>]` entry
 * without the token fields (delivery adds those, and BOT_CODE). Same shape as src/bots/addressing.ts.
 */
export interface CommandHit {
  COMMAND_ID: number;
  BOT_ID: number;
  /** the command text without `/` */
  COMMAND: string;
  /** the rest of the line after `/command ` */
  COMMAND_PARAMS: string;
  /** TEXTAREA = typed, KEYBOARD = keyboard button or menu item */
  COMMAND_CONTEXT: 'TEXTAREA' | 'KEYBOARD';
  /**
   * A press's source when it was a context-menu item: v1 keeps COMMAND_CONTEXT=KEYBOARD (the
   * portal's ExecCommand never says MENU), ONIMBOTV2COMMANDADD says `menu`. Never part of the v1 body.
   */
  menu?: true;
  /** the message to answer (for button presses: the message carrying the keyboard) */
  MESSAGE_ID: number;
}

/**
 * What a domain change asks to be told to bots (published as `{ kind: 'bot-events', intents }`).
 *
 * - `event`: the v1 event name.
 * - `botIds`: the bots concerned, in order (ignored for ONIMCOMMANDADD, whose bots come from
 *   `commands`). Bots of one application share one POST; apps without a binding for the event
 *   and bots in FETCH mode are skipped. ONIMBOTDELETE sends one POST per bot (`data` is just
 *   `{BOT_ID, BOT_CODE}`).
 * - `commands`: ONIMCOMMANDADD only — one entry per execution; `commandIds` is
 *   informational.
 * - `userId`: the person whose action triggered it: the top-level `auth` user (OAuth apps).
 *   null = no user context (no tokens).
 * - `params`: `data.PARAMS`, exactly as it should arrive (key order kept; null values and empty
 *   arrays vanish in the encoding; booleans become "1"/"0").
 * - `user`: `data.USER` as given; null = no USER block (group update/delete); omitted =
 *   built from `userId` (full card with IS_* flags for message add/update/delete, brief otherwise).
 *
 * src/bots/addressing.ts's intents have this shape and can be passed as they are.
 */
export interface BotEventIntent {
  event: BotEventName;
  botIds: number[];
  commandIds?: number[];
  commands?: CommandHit[];
  userId: number | null;
  params: Record<string, unknown>;
  user?: Record<string, unknown> | null;
  /** v2 references (src/events/v2): the message a message event is about */
  messageId?: number;
  /** v2 references: the chat of a join or context event (0 = no chat yet) */
  chatId?: number;
  /** ONIMBOTCONTEXTGET: the caller's context object */
  context?: unknown;
}

/** A message's place: what the v2 user events of a message change are about. */
export interface MessageRef {
  messageId: number;
  chatId: number;
  authorId: number;
}

/** A bot that became a member of a group chat (ONIMBOTJOINCHAT's input). */
export interface BotJoinRef {
  chatId: number;
  botId: number;
  /** who added it (0: nobody in particular) */
  userId: number;
  /** ACCESS_HISTORY: the bot may read what was said before it joined */
  accessHistory: boolean;
}

/** What happened, as the domain tells it. */
export type DomainEvent =
  /** bot events the domain addressed itself (bots/addressing.ts's intents, a bot's deletion) */
  | { kind: 'bot-events'; intents: BotEventIntent[] }
  /**
   * a message was added or edited, or is about to be deleted (publish before the row changes: the
   * addressees follow its original text): the bots that hear it are told (bots/addressing.ts decides who)
   */
  | { kind: 'message-for-bots'; messageId: number; change: 'add' | 'update' | 'delete' }
  /** a message was added, edited or deleted: the chat's subscribed people record it (ONIMV2MESSAGE*) */
  | { kind: 'message-for-people'; message: MessageRef; change: 'add' | 'update' | 'delete' }
  /** a 1:1 chat was created on first contact; `from` wrote first (a bot in it hears ONIMBOTJOINCHAT) */
  | { kind: 'private-chat-opened'; chatId: number; from: number; to: number }
  /** bots were added to group chats: each hears ONIMBOTJOINCHAT */
  | { kind: 'bots-joined'; joins: BotJoinRef[] }
  /** people joined a group chat (its subscribed people record ONIMV2JOINCHAT) */
  | { kind: 'chat-joined'; chatId: number; userIds: number[] };

/**
 * The publisher a context carries. `ctx` is the publishing context itself (its `db` is the unit
 * of work the rows are written in); generic so this module needs nothing from src/context.ts.
 */
export interface DomainEvents<Ctx> {
  publish(ctx: Ctx, event: DomainEvent): Promise<void>;
}
