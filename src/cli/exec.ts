import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { Profile } from '../context.js';
import { startServer, type RunningServer } from '../server/listen.js';
import { delivery } from './events.js';
import { operatingLimitOption, rateOption } from './limits.js';
import { publicUrlOption } from './portal-settings.js';
import { harnessServerOptions, MAX_FILE_SIZE_CAP_MB, maxFileSizeMb, serveHarnessOptions, type HarnessCliOptions } from './serve-options.js';

function profile(value: string): Profile {
  if (value !== 'dev' && value !== 'cloud') throw new InvalidArgumentError('profile is dev or cloud');
  return value;
}

interface ExecOptions extends HarnessCliOptions {
  data?: string;
  profile: Profile;
  rateLimit?: ReturnType<typeof rateOption>;
  operatingLimit?: number | null;
  publicUrl?: string;
  maxFileSize?: number;
}

/** What the wrapped command finds in its environment. */
export function execEnv(server: RunningServer, dataDir: string): Record<string, string> {
  return {
    IMBOT_URL: server.httpsUrl,
    IMBOT_HTTP_URL: server.httpUrl,
    IMBOT_WEBHOOK_URL: server.adminWebhookUrl,
    IMBOT_CA: server.caPath,
    NODE_EXTRA_CA_CERTS: server.caPath,
    REQUESTS_CA_BUNDLE: server.caPath,
    IMBOT_CONTROL_TOKEN: server.controlToken,
    IMBOT_DATA: dataDir,
  };
}

/** The command's exit code; killed by a signal = 128 + its number, as a shell reports it. */
function run(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err: NodeJS.ErrnoException) => {
      console.error(`error: cannot run ${command[0]}: ${err.code ?? err.message}`);
      done(127);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

/**
 * `imbot-server exec [--seed F] [serve options] -- <command…>`: a portal on free ports in a
 * temporary data dir (removed afterwards; `--data` keeps one), the command run with its URLs in
 * the environment, the portal stopped, the command's exit code returned — the CI one-liner.
 */
export function execCommand(): Command {
  const cmd = new Command('exec')
    .description('run a command against a fresh portal on free ports, then stop it; exits with the command\'s code')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--data <dir>', 'use (and keep) this data directory instead of a temporary one')
    .option('--profile <profile>', 'dev (default) or cloud', profile, 'dev' as Profile)
    .option('--delivery <policy>', 'event delivery: retry (default) or once', delivery, 'retry' as const)
    .option('--rate-limit <preset>', 'as for serve', rateOption)
    .option('--operating-limit <seconds>', 'as for serve', operatingLimitOption)
    .option('--public-url <url>', 'as for serve: the address the portal gives out (domain, client_endpoint, IMBOT_WEBHOOK_URL)', publicUrlOption)
    .option('--max-file-size <MB>', `as for serve: the largest uploaded file, in MB (default 100; at most ${MAX_FILE_SIZE_CAP_MB})`, maxFileSizeMb)
    .passThroughOptions();
  serveHarnessOptions(cmd);
  cmd.setOptionValueWithSource('logLevel', 'warn', 'default');
  return cmd.action(async (command: string[], o: ExecOptions) => {
    const dataDir = o.data ? resolve(o.data) : mkdtempSync(join(tmpdir(), 'imbot-exec-'));
    let server: RunningServer | null = null;
    let code = 1;
    try {
      server = await startServer({
        dataDir, host: '127.0.0.1', port: 0, httpPort: 0, profile: o.profile,
        limits: { rate: o.rateLimit, operatingLimit: o.operatingLimit }, ...harnessServerOptions(o),
        ...(o.publicUrl !== undefined ? { publicUrl: o.publicUrl } : {}),
        ...(o.maxFileSize !== undefined ? { maxFileSize: o.maxFileSize } : {}),
      });
      console.error(`imbot-server: portal ${server.httpsUrl} (data ${dataDir}) for: ${command.join(' ')}`);
      code = await run(command, { ...process.env, ...execEnv(server, dataDir) });
    } finally {
      await server?.close();
      if (!o.data) rmSync(dataDir, { recursive: true, force: true });
    }
    process.exit(code);
  });
}
