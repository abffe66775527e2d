/* Who makes a call: resolved by src/auth from the request's credentials, read by the pipeline and the domain. */

export type AuthType = 'webhook' | 'oauth' | 'session';

/** Who is calling, resolved from the request's credentials. */
export interface Caller {
  authType: AuthType;
  userId: number;
  isAdmin: boolean;
  /** scope codes granted to the webhook or token */
  scopes: readonly string[];
  /** OAuth application client_id; null for webhooks and sessions */
  clientId: string | null;
  /** the webhook's row id (`password_id` on a portal) */
  webhookId: number | null;
  /** the OAuth application's row id */
  appId: number | null;
  /** OAuth only: when the access token expires (ms) */
  tokenExpiresAt?: number;
}
