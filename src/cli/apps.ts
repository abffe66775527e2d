import { storeOption, type StoreOpts } from './store-option.js';
import { Command, InvalidArgumentError } from 'commander';
import { addApp, appState, installApp, isScriptOnly, listApps, removeApp, uninstallApp, updateAppVersion, type InstallOutcome } from '../apps/apps.js';
import { SERVED_SCOPES } from '../auth/scopes.js';
import type { MovableClock } from '../clock.js';
import type { DomainCtx } from '../context.js';
import { cliPortal } from './portal-settings.js';
import type { Store } from '../store/db.js';
import { eventPublisher } from '../events/publisher.js';

type WithStore = <T>(o: StoreOpts, fn: (store: Store, clock: MovableClock) => Promise<T>) => Promise<T>;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

function positiveVersion(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('a version is a positive integer');
  return n;
}

const INSTALL_OUTCOMES: Record<InstallOutcome, (clientId: string) => string> = {
  installed: (id) => `${id}: installed`,
  finished: (id) => `${id}: installed`,
  reinstalled: (id) => `${id}: reinstalled (ONAPPINSTALL sent again with fresh tokens)`,
  awaiting_finish: (id) => `${id}: installation not finished (run app install again to finish it)`,
};

interface Where extends StoreOpts {
  host?: string;
  port?: number;
}

/**
 * `imbot-server app add|list|install|uninstall|remove`: local OAuth applications. Every change
 * runs in one transaction with the events it causes (ONAPPINSTALL, ONIMBOTDELETE,
 * ONAPPUNINSTALL, ONAPPUPDATE), which a running server's worker then delivers. The portal is
 * described as the server recorded it in the store (its public URL, token lifetime, profile:
 * src/portal/settings.ts); `--host/--port` override the address.
 */
export function appCommand(withStore: WithStore, defaultData: string): Command {
  const app = new Command('app').description('local OAuth applications');
  const portalOptions = (c: Command) =>
    c
      .option('--data <dir>', 'data directory', defaultData)
      .addOption(storeOption())
      .option('--host <host>', 'describe the portal at this host instead of the address the server recorded')
      .option('--port <port>', 'describe the portal at this HTTPS port instead of the address the server recorded', port);

  /** Runs `fn` in one transaction on a context that describes the portal like a server would. */
  const inPortal = <T>(o: Where, fn: (ctx: DomainCtx) => Promise<T>) =>
    withStore(o, async (store, clock) => {
      const { portal, profile } = await cliPortal(store, clock, { host: o.host, port: o.port });
      return store.transaction((db, unit) => fn({ db, clock, portal, profile, events: eventPublisher, afterCommit: (f) => unit.afterCommit(f) }));
    });

  portalOptions(app.command('add'))
    .description('add a local application and print its client_id and client_secret')
    .requiredOption('--name <name>', 'application name')
    .option('--scope <list>', 'comma-separated scopes', SERVED_SCOPES.join(','))
    .option('--handler <url>', "the app's page (an app with a UI); without it the app is script-only and installed at once")
    .option('--install-url <url>', 'initial installation path: receives ONAPPINSTALL (script-only apps)')
    .option('--uninstall-url <url>', 'receives ONAPPUNINSTALL (default: the install URL)')
    .option('--redirect-uri <url>', 'where /oauth/authorize/ returns the user (default: the handler URL)')
    .option('--client-id <id>', 'client_id (default: local.<random>)')
    .option('--client-secret <secret>', 'client_secret (default: random)')
    .option('--access <ids>', 'comma list of user ids allowed to use the app (default: everyone)', '')
    .option('--user <id>', 'user the ONAPPINSTALL tokens are issued for', (v) => Number(v), 1)
    .action(async (o) => {
      const created = await inPortal(o, (ctx) =>
        addApp(ctx, {
          name: o.name,
          scope: o.scope,
          handlerUrl: o.handler,
          installUrl: o.installUrl,
          uninstallUrl: o.uninstallUrl,
          redirectUri: o.redirectUri,
          clientId: o.clientId,
          clientSecret: o.clientSecret,
          access: o.access,
          installUserId: o.user,
        }),
      );
      console.log(`client_id: ${created.client_id}`);
      console.log(`client_secret: ${created.client_secret}`);
      console.log(`state: ${appState(created)}${isScriptOnly(created) && created.install_url ? ` (ONAPPINSTALL sent to ${created.install_url})` : ''}`);
    });

  app
    .command('list')
    .description('list applications')
    .option('--data <dir>', 'data directory', defaultData)
    .addOption(storeOption())
    .action(async (o) => {
      await withStore(o, async (store) => {
        for (const a of await listApps(store.db)) {
          console.log([a.id, a.client_id, appState(a), a.scope, isScriptOnly(a) ? 'script-only' : 'ui', a.name].join('\t'));
        }
      });
    });

  portalOptions(app.command('install'))
    .description('install an application (again: a reinstall, ONAPPINSTALL with fresh tokens), or finish its installation (installFinish)')
    .argument('<client-id>')
    .action(async (clientId: string, o) => {
      const outcome = await inPortal(o, (ctx) => installApp(ctx, clientId));
      console.log(INSTALL_OUTCOMES[outcome](clientId));
    });

  portalOptions(app.command('update'))
    .description('update an installed application to a new version: ONAPPUPDATE with VERSION, PREVIOUS_VERSION and a new application_token')
    .argument('<client-id>')
    .requiredOption('--version <n>', 'the new version (a positive integer)', positiveVersion)
    .action(async (clientId: string, o) => {
      const r = await inPortal(o, (ctx) => updateAppVersion(ctx, clientId, o.version));
      console.log(`${clientId}: updated from version ${r.previousVersion} to ${r.version}${r.sentTo.length ? ` (ONAPPUPDATE sent to ${r.sentTo.join(', ')})` : ''}`);
    });

  portalOptions(app.command('uninstall'))
    .description('uninstall an application: ONAPPUNINSTALL, its bots unregistered, its event handlers removed')
    .argument('<client-id>')
    .option('--clean', 'data[CLEAN]=1: the app asked to delete its settings and data', false)
    .action(async (clientId: string, o) => {
      const { bots } = await inPortal(o, (ctx) => uninstallApp(ctx, clientId, o.clean));
      console.log(`${clientId}: uninstalled${bots.length ? `, bots ${bots.join(', ')} unregistered` : ''}`);
    });

  portalOptions(app.command('remove'))
    .description('delete an application (uninstalling it first); its client_id stops existing')
    .argument('<client-id>')
    .action(async (clientId: string, o) => {
      await inPortal(o, (ctx) => removeApp(ctx, clientId));
      console.log(`${clientId}: removed`);
    });

  return app;
}

