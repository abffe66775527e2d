import type { PortalInfo, Profile } from '../context.js';
import type { RateSetting } from '../limits/index.js';
import type { Db } from '../store/db.js';
import { readPortalSetting, upsertPortalSetting } from '../store/repos/portal.js';

/**
 * What the portal says about itself to clients, recorded in the store by the server that serves
 * it (`serve`, `exec`, `startServer`), so every process on the same store — the CLI's `app add`,
 * `app install`, `webhook add`, another node — describes the portal the same way: the addresses
 * in `domain`, `client_endpoint`, `server_endpoint` and event `auth` blocks, the lifetime of the
 * tokens it issues, the profile, limits and delivery policy.
 *
 * Each start records its own settings (the last start wins). Nodes behind one address share
 * `--public-url`, which is a portal setting: the address clients use, whatever port a process
 * listens on. Until a server has started on a store, readers get the defaults below and are told so.
 */

/** The addresses `serve` listens on by default. */
export const DEFAULT_HTTPS_URL = 'https://127.0.0.1:24443';
export const DEFAULT_HTTP_URL = 'http://127.0.0.1:24080';
export const DEFAULT_ACCESS_TOKEN_TTL = 3600;

export interface PortalSettings {
  /** `--public-url`: the origin clients reach the portal by (proxy, load balancer); null = the HTTPS listener */
  publicUrl: string | null;
  /** the HTTPS listener's origin, e.g. `https://127.0.0.1:24443` */
  httpsUrl: string;
  /** the plain-HTTP listener's origin */
  httpUrl: string;
  profile: Profile;
  /** lifetime of OAuth access tokens in seconds */
  accessTokenTtl: number;
  /** event delivery: `retry` for `retryForMs` after each event, or `once` */
  delivery: { policy: 'retry' | 'once'; retryForMs: number };
  /** leaky bucket (null: off) and operating time per 10 min in seconds (null: off), as resolved for the profile */
  limits: { rate: RateSetting | null; operatingLimit: number | null };
  /** vendor OAuth host names served too (`--oauth-alias`) */
  oauthHosts: string[];
}

export interface StoredSettings {
  settings: PortalSettings;
  /** false: no server has recorded its settings on this store yet (these are the defaults) */
  recorded: boolean;
}

const KEY = 'served_settings';

export function defaultSettings(): PortalSettings {
  return {
    publicUrl: null,
    httpsUrl: DEFAULT_HTTPS_URL,
    httpUrl: DEFAULT_HTTP_URL,
    profile: 'dev',
    accessTokenTtl: DEFAULT_ACCESS_TOKEN_TTL,
    delivery: { policy: 'retry', retryForMs: 24 * 3600_000 },
    limits: { rate: null, operatingLimit: null },
    oauthHosts: [],
  };
}

export class PublicUrlError extends Error {}

/**
 * `--public-url`: an http(s) origin — scheme, host and optional port, nothing else. A path is
 * refused: clients build `{client_endpoint}{method}` from `https://{domain}/rest/` as a portal's
 * is, so the portal lives at the root of its address (a proxy maps a prefix away itself).
 */
export function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new PublicUrlError(`not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PublicUrlError('a public URL is http:// or https://');
  if (url.username || url.password) throw new PublicUrlError('a public URL carries no user name or password');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new PublicUrlError('a public URL is scheme://host[:port] only: the portal is served at the root of its address');
  }
  return url.origin;
}

/** The origin clients are told to use: the public URL, else the HTTPS listener. */
export function portalOrigin(s: Pick<PortalSettings, 'publicUrl' | 'httpsUrl'>): string {
  return s.publicUrl ?? s.httpsUrl;
}

/** The portal as events, tokens and printed URLs describe it. */
export function portalInfoOf(s: PortalSettings, memberId: string): PortalInfo {
  const baseUrl = portalOrigin(s);
  return {
    domain: new URL(baseUrl).host,
    baseUrl,
    memberId,
    languageId: 'en',
    license: 'en_ent10000',
    accessTokenTtl: s.accessTokenTtl,
    oauthHosts: [...s.oauthHosts],
  };
}

/** Records a server's settings (replacing the previous start's). */
export async function recordPortalSettings(db: Db, s: PortalSettings): Promise<void> {
  await upsertPortalSetting(db, KEY, JSON.stringify(s));
}

/** The recorded settings, or the defaults (with `recorded: false`) before any server has started. */
export async function readPortalSettings(db: Db): Promise<StoredSettings> {
  const raw = await readPortalSetting(db, KEY);
  if (!raw) return { settings: defaultSettings(), recorded: false };
  let parsed: Partial<PortalSettings>;
  try {
    parsed = JSON.parse(raw) as Partial<PortalSettings>;
  } catch {
    return { settings: defaultSettings(), recorded: false };
  }
  // a value written by an older version lacks newer keys: those take their defaults
  return { settings: { ...defaultSettings(), ...parsed }, recorded: true };
}
