import { Command, InvalidArgumentError } from 'commander';
import type { MovableClock } from '../clock.js';
import type { PortalInfo, Profile } from '../context.js';
import { ensurePortal } from '../portal/bootstrap.js';
import { parsePublicUrl, portalInfoOf, portalOrigin, PublicUrlError, readPortalSettings, type PortalSettings } from '../portal/settings.js';
import type { Store } from '../store/db.js';
import { storeOption, type StoreOpts } from './store-option.js';
import { formatDuration } from './duration.js';

type WithStore = <T>(o: StoreOpts, fn: (store: Store, clock: MovableClock) => Promise<T>) => Promise<T>;

/** `--public-url` as commander parses it. */
export function publicUrlOption(value: string): string {
  try {
    return parsePublicUrl(value);
  } catch (err) {
    if (err instanceof PublicUrlError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/** `--host`/`--port` given on a command: describe the portal at that HTTPS address instead. */
export interface AddressOverride {
  host?: string;
  port?: number;
}

export interface CliPortal {
  portal: PortalInfo;
  profile: Profile;
  settings: PortalSettings;
}

/** Told once per process when a command falls back to the defaults. */
let warned = false;

/**
 * The portal as the server recorded it in the store (src/portal/settings.ts): its public address,
 * token lifetime and profile, for commands that issue tokens or print URLs. Before any server
 * has started on the store the defaults stand in, and stderr says so. `--host`/`--port` (kept for
 * scripts that pass them) override the address.
 */
export async function cliPortal(store: Store, clock: MovableClock, override: AddressOverride = {}): Promise<CliPortal> {
  const state = await ensurePortal(store.db, clock);
  const { settings, recorded } = await readPortalSettings(store.db);
  const overridden = override.host !== undefined || override.port !== undefined;
  if (!recorded && !overridden && !warned) {
    warned = true;
    console.error(
      `note: no server has started on this store yet; using the default portal address ${portalOrigin(settings)} and settings (start \`imbot-server serve\` once to record its own)`,
    );
  }
  let effective = settings;
  if (overridden) {
    const host = override.host ?? '127.0.0.1';
    effective = { ...settings, publicUrl: `https://${host.includes(':') ? `[${host}]` : host}:${override.port ?? 24443}` };
  }
  return { portal: portalInfoOf(effective, state.memberId), profile: settings.profile, settings: effective };
}

function limitText(s: PortalSettings): string[] {
  const rate = s.limits.rate ? `${s.limits.rate.burst} requests, then ${s.limits.rate.drain}/s` : 'off';
  const operating = s.limits.operatingLimit === null ? 'off' : `${s.limits.operatingLimit} s per method in 10 min`;
  return [`  rate limit:       ${rate}`, `  operating limit:  ${operating}`];
}

/**
 * `imbot-server settings`: what the portal says about itself, as the last server to start
 * recorded it — the same values `app add`, `app install` and `webhook add` use.
 */
export function settingsCommand(withStore: WithStore, defaultData: string): Command {
  return new Command('settings')
    .description("show the portal's settings as the last started server recorded them (what CLI commands use)")
    .option('--data <dir>', 'data directory', defaultData)
    .addOption(storeOption())
    .option('--json', 'print them as JSON', false)
    .action(async (o: StoreOpts & { json: boolean }) => {
      await withStore(o, async (store, clock) => {
        const { settings, recorded } = await readPortalSettings(store.db);
        const portal = portalInfoOf(settings, (await ensurePortal(store.db, clock)).memberId);
        if (o.json) return console.log(JSON.stringify({ recorded, ...settings, domain: portal.domain, client_endpoint: `${portal.baseUrl}/rest/` }, null, 2));
        console.log(
          [
            recorded ? 'recorded by the last server started on this store:' : 'no server has started on this store yet; the defaults:',
            `  portal address:   ${portal.baseUrl}/rest/${settings.publicUrl ? ' (--public-url)' : ''}`,
            `  HTTPS listener:   ${settings.httpsUrl}`,
            `  HTTP listener:    ${settings.httpUrl}`,
            `  profile:          ${settings.profile}`,
            `  access tokens:    ${settings.accessTokenTtl} s`,
            `  delivery:         ${settings.delivery.policy === 'once' ? 'once (no retry)' : `retry, for ${formatDuration(settings.delivery.retryForMs)}`}`,
            ...limitText(settings),
            `  OAuth aliases:    ${settings.oauthHosts.join(', ') || '-'}`,
          ].join('\n'),
        );
      });
    });
}
