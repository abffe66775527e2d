import type { DomainCtx } from '../context.js';
import type { BindingRow } from '../store/repos/event-bindings.js';

/**
 * The seam for OAuth applications (the OAuth issue fills it): token blocks for the bot user inside
 * `data.BOT[id]` / `data.COMMAND[id]`, and the full top-level `auth` for the triggering user.
 * Without it, OAuth apps get the no-user-context block that webhook bots get.
 */
export interface OAuthEventAuth {
  /** `access_token … application_token` issued for the bot user (always with refresh_token) */
  botTokens(ctx: DomainCtx, binding: BindingRow, botId: number): Promise<Record<string, string> | null>;
  /** the triggering user's block; null when it cannot be issued */
  userAuth(ctx: DomainCtx, binding: BindingRow, userId: number, withRefresh: boolean): Promise<Record<string, string> | null>;
  /** the no-token block with the app's own application_token (no user context) */
  appAuth?(ctx: DomainCtx, binding: BindingRow): Promise<Record<string, string> | null>;
}

let oauthAuth: OAuthEventAuth | null = null;

export function setOAuthEventAuth(provider: OAuthEventAuth | null): void {
  oauthAuth = provider;
}

/** The OAuth seam as set (the v2 webhook path builds its auth blocks with it). */
export function oauthEventAuth(): OAuthEventAuth | null {
  return oauthAuth;
}
