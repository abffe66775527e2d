import { handlerUrlProblem } from '../../bots/handlers.js';
import type { BotProperties } from '../../bots/lifecycle.js';
import type { DomainCtx } from '../../context.js';
import { checkAvatar } from '../../im/avatar.js';
import { CHAT_COLOR_HEX } from '../../im/colors.js';
import { objectParam, pick, toUpperSnake, v2String } from './args.js';
import { v2Error } from './errors.js';

/*
 * The fields `imbot.v2.Bot.register` and `Bot.update` share (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.md, bot-update.md): each read
 * under its camelCase name, then its UPPER_CASE alias (api-reference/chat-bots/chat-bots-v2/index.md).
 */

export const BotV2Errors = {
  codeRequired: () => v2Error('BOT_CODE_REQUIRED', 'Bot code is required'),
  propertiesRequired: () => v2Error('BOT_PROPERTIES_REQUIRED', 'Bot properties are required'),
  codeTaken: () => v2Error('BOT_CODE_ALREADY_TAKEN', 'Bot with this code already exists'),
  invalidType: () => v2Error('BOT_INVALID_TYPE', 'Invalid bot type'),
  invalidEventMode: () => v2Error('BOT_INVALID_EVENT_MODE', 'Invalid event mode'),
  webhookUrlRequired: () => v2Error('BOT_WEBHOOK_URL_REQUIRED', 'Webhook URL is required for webhook event mode'),
  invalidCallback: () => v2Error('BOT_INVALID_CALLBACK', 'Invalid callback URL'),
  limitExceeded: () => v2Error('BOT_LIMIT_EXCEEDED', 'Bot registration limit exceeded'),
  registerFailed: () => v2Error('BOT_REGISTER_FAILED', 'Bot registration failed'),
  avatarType: () => v2Error('BOT_AVATAR_INCORRECT_TYPE', 'Avatar must be an image file'),
  avatarSize: () => v2Error('BOT_AVATAR_INCORRECT_SIZE', 'Avatar image exceeds maximum dimensions (5000x5000)'),
  /** the reference gives no text for this one (change-log BOT-BC-0506-1); ours names the limit */
  tokenLength: () => v2Error('BOT_TOKEN_INVALID_LENGTH', 'Bot token must not be longer than 40 characters'),
  rotationFailed: () => v2Error('BOT_TOKEN_ROTATION_FAILED', 'Bot token rotation failed'),
  updateFailed: () => v2Error('BOT_UPDATE_FAILED', 'Bot update failed'),
  unregisterFailed: () => v2Error('BOT_UNREGISTER_FAILED', 'Bot unregister failed'),
  paramsRequired: () => v2Error('PARAMS_REQUIRED', 'botId or code is required'),
} as const;

/** botToken length limit (BOT-BC-0506-1), in characters. */
export const BOT_TOKEN_MAX = 40;

export function checkTokenLength(token: string): void {
  if ([...token].length > BOT_TOKEN_MAX) throw BotV2Errors.tokenLength();
}

/** Per-owner registration limit (api-reference/chat-bots/chat-bots-v2/index.md). */
export const BOTS_PER_OWNER = 100;

/** Chat backgrounds of api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.md; anything else is normalised to null (BOT-FIX-0408-4). */
const BACKGROUNDS = new Set(['azure', 'mint', 'steel', 'slate', 'teal', 'cornflower', 'sky', 'peach', 'frost']);

/** `backgroundId`, when the key is present: a known id (any case) or null. */
export function readBackground(fields: Record<string, unknown>): string | null | undefined {
  const raw = pick(fields, 'backgroundId');
  if (raw === undefined) return undefined;
  const id = v2String(raw).toLowerCase();
  return BACKGROUNDS.has(id) ? id : null;
}

/** `fetch` | `webhook` in any case → the stored value; absent or '' → undefined. */
export function readEventMode(fields: Record<string, unknown>): 'FETCH' | 'WEBHOOK' | undefined {
  const raw = pick(fields, 'eventMode');
  if (raw === undefined || raw === null || raw === '') return undefined;
  const mode = v2String(raw).toLowerCase();
  if (mode === 'fetch') return 'FETCH';
  if (mode === 'webhook') return 'WEBHOOK';
  throw BotV2Errors.invalidEventMode();
}

/** A callback URL the portal can call (the v1 handler rules, with the profile). */
export async function checkWebhookUrl(url: string, ctx: DomainCtx): Promise<string> {
  if (await handlerUrlProblem(url, ctx)) throw BotV2Errors.invalidCallback();
  return url;
}

/** `lightBlue` (or `LIGHT_BLUE`) → `LIGHT_BLUE`; unknown colours are dropped (undefined). */
function readColor(raw: unknown): string | undefined {
  const code = toUpperSnake(v2String(raw).trim());
  return code in CHAT_COLOR_HEX ? code : undefined;
}

/**
 * `properties` as the shared lifecycle takes them. Only keys that are sent appear; an unknown
 * colour or gender is ignored; the avatar is checked (type first, then size) and kept as a
 * `data:` URL.
 */
export function readProperties(raw: unknown): BotProperties {
  const props = objectParam(raw);
  const out: BotProperties = {};
  const text = (camel: string, upper?: string) => {
    const v = pick(props, camel, upper);
    return v === undefined || v === null ? undefined : v2String(v);
  };
  const name = text('name');
  if (name !== undefined) out.NAME = name;
  const lastName = text('lastName');
  if (lastName !== undefined) out.LAST_NAME = lastName;
  const workPosition = text('workPosition');
  if (workPosition !== undefined) out.WORK_POSITION = workPosition;
  const color = readColor(pick(props, 'color'));
  if (color) out.COLOR = color;
  const gender = text('gender', 'PERSONAL_GENDER')?.toUpperCase();
  if (gender === 'M' || gender === 'F') out.PERSONAL_GENDER = gender;
  const avatar = pick(props, 'avatar', 'PERSONAL_PHOTO');
  if (avatar !== undefined && avatar !== null && avatar !== '') {
    const checked = checkAvatar(avatar);
    if (!checked.ok) throw checked.reason === 'type' ? BotV2Errors.avatarType() : BotV2Errors.avatarSize();
    out.PERSONAL_PHOTO = checked.dataUrl;
  }
  return out;
}
