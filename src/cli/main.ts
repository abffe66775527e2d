import { storeOption, type StoreOpts } from './store-option.js';
import { DEFAULT_REDIS_PREFIX } from '../cluster/index.js';
import { redactRedisUrl } from '../cluster/redis.js';
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { MovableClock } from '../clock.js';
import type { Profile } from '../context.js';
import { addWebhook, listWebhooks, removeWebhook, WebhookError } from '../auth/webhooks.js';
import { SERVED_SCOPES } from '../auth/scopes.js';
import { createUser, fullName, getUser, listUsers } from '../im/users.js';
import { setPassword, MIN_PASSWORD_LENGTH } from '../auth/sessions.js';
import { ensurePortal } from '../portal/bootstrap.js';
import { startServer, VENDOR_OAUTH_HOSTS } from '../server/listen.js';
import { inRanges, LOOPBACK, parseCidrList, type Cidr } from '../util/addresses.js';
import type { Store } from '../store/db.js';
import { openStore } from '../store/open.js';
import { eventsCommand, delivery } from './events.js';
import { appCommand } from './apps.js';
import { cliPortal, publicUrlOption, settingsCommand } from './portal-settings.js';
import { departmentCommand, departmentId } from './departments.js';
import { limitsCommands, operatingLimitOption, rateOption } from './limits.js';
import { requestsCommand } from './requests.js';
import { faultsCommand } from './faults.js';
import { snapshotCommands } from './snapshots.js';
import { openLineCommands } from './openlines.js';
import { exportCommand } from './export.js';
import { execCommand } from './exec.js';
import { MAX_FILE_SIZE_CAP_MB, maxFileSizeMb } from './serve-options.js';
import { stopOnSignals } from './shutdown.js';
import { packageVersion } from './version.js';
import { formatDuration } from './duration.js';
import { withConfigSources } from './config-file.js';
import { serveHarnessOptions, harnessServerOptions, type HarnessCliOptions } from './serve-options.js';

const DEFAULT_DATA = './.imbot';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function onOff(value: string): boolean {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError('on or off');
  return value === 'on';
}

function filesWhere(value: string): 'db' | 'dir' {
  if (value !== 'db' && value !== 'dir') throw new InvalidArgumentError('db or dir');
  return value;
}

function cidrs(value: string): Cidr[] {
  try {
    return parseCidrList(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || inRanges(host, LOOPBACK);
}

/**
 * The admin webhook line of the banner. Its URL is a full administrator credential, so it is
 * shown on the first start only (the one that made the portal) and never with --quiet-secrets;
 * `webhook list` shows it again to whoever can read the data dir.
 */
function adminWebhookLine(url: string, firstStart: boolean, quiet: boolean, dataDir: string): string {
  const again = `imbot-server webhook list --data ${dataDir}`;
  if (firstStart && !quiet) return `  admin webhook:  ${url}\n                  (shown on this first start only; later: ${again})`;
  return `  admin webhook:  ${url.replace(/\/rest\/1\/[^/]+\/$/, '/rest/1/<hidden>/')} (${again})`;
}

/** A password from the command line, or from the first line of stdin for "-" (kept out of `ps` and history). */
async function passwordArg(value: string): Promise<string> {
  let password = value;
  if (value === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  if (password.length < MIN_PASSWORD_LENGTH) throw new InvalidArgumentError(`a password has at least ${MIN_PASSWORD_LENGTH} characters`);
  return password;
}

function profile(value: string): Profile {
  if (value !== 'dev' && value !== 'cloud') throw new InvalidArgumentError('profile is dev or cloud');
  return value;
}

/**
 * Opens the store directly (SQLite in the data dir, or `--store`); a running server sees the
 * change on its next call (PostgreSQL: once the change notification has reached it).
 */
async function withStore<T>(o: StoreOpts, fn: (store: Store, clock: MovableClock) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir: resolve(o.data), url: o.store });
  const clock = new MovableClock();
  try {
    await ensurePortal(store.db, clock);
    return await fn(store, clock);
  } finally {
    await store.close();
  }
}

/** A store URL as it may be printed: without its password. */
function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/** `--oauth-alias` alone: the vendor's hosts; with a value: those names (comma-separated). */
function oauthAliases(value: string | true | undefined): string[] {
  if (value === undefined) return [];
  if (value === true) return [...VENDOR_OAUTH_HOSTS];
  return value.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
}

/** `--redis`: a redis:// or rediss:// URL. */
function redisUrl(value: string): string {
  if (!/^rediss?:\/\/./i.test(value)) throw new InvalidArgumentError('expected a redis://host:port URL');
  return value;
}

export function buildCli(): Command {
  const program = new Command('imbot-server')
    .description('A self-hosted, Bitrix24-compatible chat-bot platform')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();

  program
    .command('serve')
    .description('serve the portal: HTTPS with a local CA and plain HTTP')
    .option('--data <dir>', 'data directory', DEFAULT_DATA)
    .addOption(storeOption())
    .option('--files <where>', "where chat files' bytes live: db (in the store, every node reads them; default on PostgreSQL) or dir (<data>/files; default and only choice on SQLite)", filesWhere)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'HTTPS port', port, 24443)
    .option('--http-port <port>', 'plain HTTP port', port, 24080)
    .option('--profile <profile>', 'dev (lenient, default) or cloud (strict as the cloud)', profile, 'dev' as Profile)
    .option('--delivery <policy>', 'event delivery: retry (back-off for --retry-for, default) or once (as the real platform)', delivery, 'retry' as const)
    .option('--rate-limit <preset>', 'leaky bucket per client address: standard (50, 2/s), enterprise (250, 5/s), BURST/DRAIN or off (default: cloud standard, dev off)', rateOption)
    .option('--operating-limit <seconds>', 'operating time per method and app/webhook in 10 min, or off (default: cloud 480, dev off)', operatingLimitOption)
    .option('--access-token-ttl <seconds>', 'lifetime of OAuth access tokens', positiveInt, 3600)
    .option('--control <on|off>', 'the control API /__control/* (off: not served at all)', onOff, true)
    .option('--control-from <cidrs>', 'client ranges the control API also answers, e.g. 172.17.0.0/16 (default: this machine only)', cidrs, [] as Cidr[])
    .option('--allow-private <cidrs>', 'cloud: let handler URLs reach these non-public ranges, e.g. 10.0.0.0/8,fd00::/8', cidrs, [] as Cidr[])
    .option('--quiet-secrets', 'never print the admin webhook URL (default: on the first start only)', false)
    .option('--oauth-alias [hosts]', `also answer token requests as the vendor's OAuth server under these names (default ${VENDOR_OAUTH_HOSTS.join(',')}); map them to this machine in the hosts file`)
    .option('--oauth-port <port>', 'a further HTTPS port serving the portal, e.g. 443 for --oauth-alias', port)
    .option('--redis <url>', 'one node of a cluster: redis://host:6379 shared by every node (needs --store postgres://…)', redisUrl)
    .option('--redis-prefix <prefix>', 'prefix of every Redis key and channel (clusters sharing one Redis need different ones)', DEFAULT_REDIS_PREFIX)
    .option('--public-url <url>', 'the address clients reach the portal by, e.g. https://bots.example.com behind a proxy or http://127.0.0.1:24080 (fills domain, client_endpoint, server_endpoint and event auth; default: the HTTPS listener)', publicUrlOption)
    .option('--max-file-size <MB>', `the largest uploaded file, in MB (default 100, as the portal; at most ${MAX_FILE_SIZE_CAP_MB})`, maxFileSizeMb);
  withConfigSources(serveHarnessOptions(program.commands.at(-1)!))
    .action(async (o: HarnessCliOptions & { data: string; store?: string; host: string; port: number; httpPort: number; profile: Profile; rateLimit?: ReturnType<typeof rateOption>; operatingLimit?: number | null; accessTokenTtl: number; control: boolean; controlFrom: Cidr[]; allowPrivate: Cidr[]; quietSecrets: boolean; oauthAlias?: string | true; oauthPort?: number; files?: 'db' | 'dir'; redis?: string; redisPrefix: string; publicUrl?: string; maxFileSize?: number }) => {
      const limits = { rate: o.rateLimit, operatingLimit: o.operatingLimit };
      const started = startServer({
        dataDir: resolve(o.data), store: o.store, host: o.host, port: o.port, httpPort: o.httpPort, profile: o.profile, limits, accessTokenTtl: o.accessTokenTtl,
        control: o.control, controlFrom: o.controlFrom, allowPrivate: o.allowPrivate, ...harnessServerOptions(o),
        oauthAliases: oauthAliases(o.oauthAlias), oauthPort: o.oauthPort, files: o.files, redis: o.redis, redisPrefix: o.redisPrefix, publicUrl: o.publicUrl,
        maxFileSize: o.maxFileSize,
      });
      // before the first line is printed: a SIGTERM sent on reading the banner finds its handler
      stopOnSignals(started);
      const server = await started;
      const control = !o.control
        ? 'off (--control off)'
        : `${resolve(o.data)}/control-token${isLoopbackHost(o.host) ? '' : ` (answers loopback clients${o.controlFrom.length ? ' and --control-from' : ' only'})`}`;
      const lines = [
        `imbot-server is running (profile ${o.profile}, data ${resolve(o.data)})`,
        `  store:          ${o.store ? redactUrl(o.store) : `SQLite, ${resolve(o.data)}/imbot.db`}`,
        ...(o.redis ? [`  cluster:        node ${server.cluster.nodeId}, Redis ${redactRedisUrl(o.redis)} (prefix ${o.redisPrefix})`] : []),
        `  files:          ${(o.files ?? (o.store ? 'db' : 'dir')) === 'db' ? 'in the store' : `${resolve(o.data)}/files`}`,
        `  portal (HTTPS): ${server.httpsUrl}/rest/`,
        `  portal (HTTP):  ${server.httpUrl}/rest/`,
        ...(server.publicUrl ? [`  public URL:     ${server.publicUrl}/rest/ (in domain, client_endpoint and event auth)`] : []),
        adminWebhookLine(server.adminWebhookUrl, server.firstStart, o.quietSecrets, resolve(o.data)),
        `  local CA:       ${server.caPath}`,
        `                  trust it with NODE_EXTRA_CA_CERTS=${server.caPath} (or curl --cacert)`,
        `  delivery:       ${o.delivery === 'once' ? 'once (no retry)' : `retry, for ${formatDuration(o.retryFor)} after each event`}`,
        `  control token:  ${control}`,
        `  messenger:      ${server.webUrl}`,
        ...(o.oauthAlias ? [`  OAuth alias:    ${oauthAliases(o.oauthAlias).join(', ')} → this server${server.oauthPort ? ` (also HTTPS port ${server.oauthPort})` : ''}`] : []),
      ];
      console.log(lines.join('\n'));
    });

  const webhook = program.command('webhook').description('incoming webhooks');
  webhook
    .command('add')
    .description('create an incoming webhook and print its URL')
    .option('--data <dir>', 'data directory', DEFAULT_DATA)
    .addOption(storeOption())
    .requiredOption('--user <id>', 'user the webhook acts as', positiveInt)
    .option('--scope <list>', 'comma-separated scopes', SERVED_SCOPES.join(','))
    .option('--code <code>', 'the secret code (default: 16 random lower-case alphanumerics)')
    .option('--title <title>', 'a note for yourself', '')
    .option('--host <host>', 'print the URL with this host instead of the address the server recorded')
    .option('--port <port>', 'print the URL with this HTTPS port instead of the address the server recorded', port)
    .action(async (o) => {
      await withStore(o, async (store, clock) => {
        const { portal } = await cliPortal(store, clock, { host: o.host, port: o.port });
        const hook = await addWebhook(store.db, clock, { userId: o.user, scope: o.scope, code: o.code, title: o.title });
        console.log(`${portal.baseUrl}/rest/${hook.userId}/${hook.code}/`);
      });
    });
  webhook
    .command('list')
    .description('list incoming webhooks')
    .option('--data <dir>', 'data directory', DEFAULT_DATA)
    .addOption(storeOption())
    .action(async (o) => {
      await withStore(o, async (store) => {
        for (const h of await listWebhooks(store.db)) {
          console.log(`${h.id}\tuser ${h.userId}\t${h.code}\t${h.scope.join(',')}\t${h.title}`);
        }
      });
    });
  webhook
    .command('remove')
    .description('remove an incoming webhook by code or id')
    .option('--data <dir>', 'data directory', DEFAULT_DATA)
    .addOption(storeOption())
    .argument('<code-or-id>')
    .action(async (codeOrId: string, o) => {
      await withStore(o, async (store) => {
        if (!(await removeWebhook(store.db, codeOrId))) throw new WebhookError(`no webhook ${codeOrId}`);
        console.log(`removed ${codeOrId}`);
      });
    });

  const user = program.command('user').description('portal users (people)');
  user
    .command('add')
    .description('create a user and print its id')
    .option('--data <dir>', 'data directory', DEFAULT_DATA)
    .addOption(storeOption())
    .requiredOption('--name <name>', 'first name')
    .option('--last-name <name>', 'last name', '')
    .option('--email <email>', 'e-mail', '')
    .option('--login <login>', 'login for the web sign-in (the e-mail works too)', '')
    .option('--admin', 'make the user an administrator', false)
    .option('--department <id>', 'a department the user belongs to (repeatable; default: 1, the company)', (v: string, all: number[] = []) => [...all, departmentId(v)])
    .option('--password <password>', 'web sign-in password ("-" reads it from stdin)')
    .action(async (o) => {
      const password = o.password === undefined ? undefined : await passwordArg(o.password);
      await withStore(o, async (store, clock) => {
        await store.transaction(async (trx) => {
          const id = await createUser(trx, clock, { name: o.name, lastName: o.lastName, email: o.email, login: o.login, isAdmin: o.admin, departments: o.department });
          if (password !== undefined) await setPassword(trx, clock, id, password);
          console.log(String(id));
        });
      });
    });
  user
    .command('password')
    .description('set the password a person signs in to the web messenger with (ends their sessions)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA)
    .addOption(storeOption())
    .argument('<id>', 'user id', positiveInt)
    .option('--password <password>', 'the password ("-" or absent: read from stdin)', '-')
    .action(async (id: number, o) => {
      const password = await passwordArg(o.password);
      await withStore(o, async (store, clock) => {
        const user = await getUser(store.db, id);
        if (!user || user.external_auth_id === 'bot') throw new WebhookError(`no person ${id}`);
        await setPassword(store.db, clock, id, password);
        console.log(`password set for user ${id}`);
      });
    });
  user
    .command('list')
    .description('list users (bots included, marked)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA)
    .addOption(storeOption())
    .action(async (o) => {
      await withStore(o, async (store) => {
        for (const u of await listUsers(store.db)) {
          const kind = u.external_auth_id === 'bot' ? 'bot' : u.is_admin ? 'admin' : 'user';
          console.log(`${u.id}\t${kind}\t${fullName(u)}`);
        }
      });
    });

  program.addCommand(departmentCommand(withStore, DEFAULT_DATA));
  program.addCommand(eventsCommand(withStore, DEFAULT_DATA));
  program.addCommand(appCommand(withStore, DEFAULT_DATA));
  program.addCommand(settingsCommand(withStore, DEFAULT_DATA));
  for (const command of limitsCommands(withStore, DEFAULT_DATA)) program.addCommand(command);
  program.addCommand(requestsCommand(DEFAULT_DATA));
  program.addCommand(faultsCommand(DEFAULT_DATA));
  for (const command of snapshotCommands(DEFAULT_DATA)) program.addCommand(command);
  for (const command of openLineCommands(DEFAULT_DATA)) program.addCommand(command);
  program.addCommand(exportCommand(withStore, DEFAULT_DATA));
  program.enablePositionalOptions().addCommand(execCommand());

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    // A command line answers in one line; IMBOT_DEBUG=1 shows the whole failure.
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.IMBOT_DEBUG && !(err instanceof WebhookError)) console.error(err);
    process.exit(1);
  }
}
