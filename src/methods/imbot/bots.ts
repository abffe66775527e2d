import { BOT_EVENT_FIELDS, type BotEventField } from '../../bots/bindings.js';
import { handlerUrlProblem, withClientId } from '../../bots/handlers.js';
import {
  BotError,
  listBots,
  registerBot,
  REGISTRABLE_TYPES,
  unregisterBot,
  updateBot,
  type BotProperties,
} from '../../bots/lifecycle.js';
import type { BotOwner } from '../../bots/owner.js';
import { cachedRead, type DomainCtx } from '../../context.js';
import { checkAvatar } from '../../im/avatar.js';
import { RestError } from '../../rest/errors.js';
import { Encoded } from '../../rest/encoded.js';
import { assocOrEmpty, isPhpArray, phpEmpty, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ImbotErrors } from './errors.js';
import { botByIdKey, rejectSession, requireOwner } from './owner.js';

/** Handler fields in the order the real server validates them, with the "required" texts. */
const HANDLER_CHECKS: { field: BotEventField; missing?: string }[] = [
  { field: 'EVENT_MESSAGE_ADD', missing: 'Handler for "Message add" event isn\'t specified' },
  { field: 'EVENT_MESSAGE_UPDATE' },
  { field: 'EVENT_MESSAGE_DELETE' },
  { field: 'EVENT_CONTEXT_GET' },
  { field: 'EVENT_WELCOME_MESSAGE', missing: 'Handler for "Welcome message" event isn\'t specified' },
  { field: 'EVENT_BOT_DELETE', missing: 'Handler for "Bot delete" event isn\'t specified' },
];

/**
 * Reads and validates the handler URLs of register (`required`) or update: EVENT_HANDLER fans out
 * to all six fields; each URL is checked before webhook owners get `CLIENT_ID` appended.
 */
async function readHandlers(
  source: Record<string, unknown>,
  owner: BotOwner,
  ctx: DomainCtx,
  required: boolean,
): Promise<Partial<Record<BotEventField, string>>> {
  const all = phpString(source.EVENT_HANDLER);
  const out: Partial<Record<BotEventField, string>> = {};
  for (const { field, missing } of HANDLER_CHECKS) {
    const url = all !== '' ? all : phpString(source[field]);
    const code = `${field}_ERROR`;
    if (url === '') {
      if (required && missing) throw new RestError(code, missing);
      continue;
    }
    const problem = await handlerUrlProblem(url, ctx);
    if (problem) throw new RestError(code, problem);
    out[field] = owner.webhookClientId !== null ? withClientId(url, owner.webhookClientId) : url;
  }
  return out;
}

const PROPERTY_KEYS = ['NAME', 'LAST_NAME', 'COLOR', 'EMAIL', 'PERSONAL_BIRTHDAY', 'WORK_POSITION', 'PERSONAL_WWW', 'PERSONAL_GENDER'] as const;

function readProperties(raw: unknown): BotProperties {
  const out: BotProperties = {};
  if (!isPhpArray(raw) || Array.isArray(raw)) return out;
  for (const key of PROPERTY_KEYS) {
    const v = (raw as Record<string, unknown>)[key];
    if (v !== undefined && v !== null) out[key] = phpString(v);
  }
  // A photo that is not an image, or is over 5000×5000, is ignored without an error (api-reference/chat-bots/outdated/bots/imbot-register.md).
  const photo = (raw as Record<string, unknown>).PERSONAL_PHOTO;
  const avatar = photo !== undefined && photo !== null ? checkAvatar(photo) : null;
  if (avatar?.ok) out.PERSONAL_PHOTO = avatar.dataUrl;
  return out;
}

function hasKey(raw: unknown, key: string): boolean {
  return isPhpArray(raw) && !Array.isArray(raw) && (raw as Record<string, unknown>)[key] !== undefined && (raw as Record<string, unknown>)[key] !== null;
}

async function register(call: MethodCall): Promise<number> {
  const P = upperKeys(call.params);
  rejectSession(call);
  const owner = requireOwner(call, P);
  const handlers = await readHandlers(P, owner, call.ctx, true);
  const code = phpString(P.CODE);
  if (code === '') throw ImbotErrors.codeEmpty();
  if (!hasKey(P.PROPERTIES, 'NAME') && !hasKey(P.PROPERTIES, 'LAST_NAME')) throw ImbotErrors.nameEmpty();
  const type = phpString(P.TYPE);
  try {
    const { botId } = await registerBot(call.ctx, owner, {
      code,
      type: REGISTRABLE_TYPES.includes(type) ? type : 'B',
      openline: P.OPENLINE === 'Y' ? 'Y' : 'N',
      properties: readProperties(P.PROPERTIES),
      handlers,
    });
    return botId;
  } catch (err) {
    if (err instanceof BotError) throw ImbotErrors.cantCreate();
    throw err;
  }
}

async function unregister(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  rejectSession(call);
  const owner = requireOwner(call, P);
  const bot = await botByIdKey(call, owner, P.BOT_ID);
  await unregisterBot(call.ctx, bot.bot_id);
  return true;
}

async function update(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  rejectSession(call);
  const owner = requireOwner(call, P);
  const bot = await botByIdKey(call, owner, P.BOT_ID);
  const fields = isPhpArray(P.FIELDS) && !Array.isArray(P.FIELDS) ? (P.FIELDS as Record<string, unknown>) : {};
  const handlers = await readHandlers(fields, owner, call.ctx, false);
  const props = isPhpArray(fields.PROPERTIES) && !Array.isArray(fields.PROPERTIES) ? (fields.PROPERTIES as Record<string, unknown>) : null;
  // Both present and PHP-empty ("" or "0"); a blank-but-not-empty NAME is only dropped later.
  if (props && hasKey(props, 'NAME') && hasKey(props, 'LAST_NAME') && phpEmpty(props.NAME) && phpEmpty(props.LAST_NAME)) {
    throw ImbotErrors.nameEmpty();
  }
  const code = phpString(fields.CODE);
  const openline = phpString(fields.OPENLINE);
  const properties = readProperties(props);
  const anything = code !== '' || openline !== '' || Object.keys(properties).length > 0 || Object.keys(handlers).length > 0;
  if (!anything) throw ImbotErrors.updateEmpty();
  try {
    await updateBot(call.ctx, owner, bot.bot_id, {
      code: code !== '' ? code : undefined,
      openline: openline !== '' ? (openline === 'Y' ? 'Y' : 'N') : undefined,
      properties,
      handlers,
    });
  } catch (err) {
    if (err instanceof BotError) throw ImbotErrors.cantUpdate();
    throw err;
  }
  return true;
}

async function botList(call: MethodCall): Promise<unknown> {
  rejectSession(call);
  // The answer is cached with its encoding (rest/encoded.ts): an unchanged list is neither rebuilt
  // nor re-encoded; any write to bots or users moves a version and the next call builds it again.
  return cachedRead(call.ctx, 'bots:list:encoded', ['bots', 'users'], async () => {
    const bots = await listBots(call.ctx.db);
    return new Encoded(assocOrEmpty(bots.map((b) => [b.ID, b] as [number, typeof b])));
  });
}

export const botMethods: MethodSpec[] = [
  { name: 'imbot.register', scope: 'imbot', write: true, handler: register, onStoreFailure: ImbotErrors.cantCreate },
  { name: 'imbot.unregister', scope: 'imbot', write: true, handler: unregister, onStoreFailure: ImbotErrors.cantDelete },
  { name: 'imbot.update', scope: 'imbot', write: true, handler: update, onStoreFailure: ImbotErrors.cantUpdate },
  { name: 'imbot.bot.list', scope: 'imbot', handler: botList },
];

export { BOT_EVENT_FIELDS };
