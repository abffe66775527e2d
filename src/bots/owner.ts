import type { Caller } from '../caller.js';

/**
 * Which application owns a bot (api-reference/chat-bots/outdated/bots/imbot-register.md, CLIENT_ID; the portal's behaviour; the page is silent). An OAuth app is its client_id; a webhook or
 * session caller names one with CLIENT_ID, stored as "custom" + CLIENT_ID — so CLIENT_ID acts as
 * a shared secret between every webhook that knows it.
 */
export interface BotOwner {
  /** the bot row's APP_ID */
  appId: string;
  /** the REST application's row id for event bindings; 0 for webhook-made bindings */
  restAppId: number;
  /** the binding's APPLICATION_TOKEN: the OAuth client_id, or the raw CLIENT_ID */
  applicationToken: string;
  /** raw CLIENT_ID when the owner is a webhook integration (appended to handler URLs) */
  webhookClientId: string | null;
}

export function resolveOwner(caller: Caller, clientIdParam: unknown): BotOwner | null {
  if (caller.clientId) {
    return { appId: caller.clientId, restAppId: caller.appId ?? 0, applicationToken: caller.clientId, webhookClientId: null };
  }
  const raw = typeof clientIdParam === 'string' ? clientIdParam : typeof clientIdParam === 'number' ? String(clientIdParam) : '';
  if (raw === '') return null;
  return { appId: `custom${raw}`, restAppId: 0, applicationToken: raw, webhookClientId: raw };
}
