import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Every flag of a command from three more places than its command line: a config file
 * (`--config imbot.yaml`, YAML or JSON, keys = the flag names without `--`), and environment
 * variables `IMBOT_<FLAG>` (`--http-port` → `IMBOT_HTTP_PORT`). Precedence: command line >
 * environment > config file > default. Each value goes through the flag's own parser, so a bad
 * one is refused with the same words, naming where it came from; an unknown config key is an error.
 */

/** Flags that are not settings (never read from the environment or a file). */
const NOT_SETTINGS = new Set(['help', 'version', 'config']);

/** `--http-port` → `IMBOT_HTTP_PORT` */
export function envNameOf(option: Option): string {
  return `IMBOT_${option.name().replace(/-/g, '_').toUpperCase()}`;
}

export class ConfigError extends Error {}

const settingOptions = (cmd: Command) => cmd.options.filter((o) => !NOT_SETTINGS.has(o.name()));
const takesValue = (o: Option) => o.required || o.optional;

function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(t)) return false;
  return undefined;
}

/** A value from the environment or a file through the flag's own parser; `where` names its source. */
function parseValue(option: Option, raw: string, where: string): unknown {
  try {
    return option.parseArg ? option.parseArg(raw, undefined as unknown) : raw;
  } catch (err) {
    const why = err instanceof InvalidArgumentError ? err.message : String(err);
    throw new ConfigError(`${where}: ${JSON.stringify(raw)} is invalid: ${why}`);
  }
}

/** A config file's content: an object of known flag names (zod: unknown keys are errors). */
function fileSchema(cmd: Command) {
  const scalar = z.union([z.string(), z.number(), z.boolean()]);
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const o of settingOptions(cmd)) shape[o.name()] = (takesValue(o) ? scalar : z.boolean()).optional();
  return z.object(shape).strict();
}

export function readConfigFile(cmd: Command, path: string): Record<string, string | number | boolean> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path}: not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  const parsed = fileSchema(cmd).safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      const key = i.path.join('.');
      return key ? `key "${key}": ${i.message}` : i.message;
    });
    throw new ConfigError(`config file ${path}: ${problems.join('; ')}`);
  }
  return parsed.data as Record<string, string | number | boolean>;
}

/**
 * Adds `--config <file>` to `cmd` and, before its action runs, fills every flag the command line
 * left at its default from `IMBOT_<FLAG>`, else from the file. `--config` itself may come from
 * `IMBOT_CONFIG`.
 */
export function withConfigSources(cmd: Command): Command {
  cmd.option('--config <file>', 'read flags from a YAML or JSON file (keys: the flag names without --)');
  cmd.addHelpText(
    'after',
    '\nEvery flag can also be set as an environment variable IMBOT_<FLAG> (--http-port: IMBOT_HTTP_PORT) or\nin the --config file (http-port: 24080); the command line wins over the environment, which wins over the file.',
  );
  cmd.hook('preAction', (self) => {
    const env = process.env;
    const configPath = self.getOptionValueSource('config') === 'cli' ? self.getOptionValue('config') : (env.IMBOT_CONFIG ?? undefined);
    const file = configPath ? readConfigFile(self, configPath) : {};
    for (const o of settingOptions(self)) {
      const key = o.attributeName();
      const source = self.getOptionValueSource(key);
      if (source === 'cli' || source === 'env') continue;
      const envName = envNameOf(o);
      const envValue = env[envName];
      if (envValue !== undefined) {
        if (takesValue(o)) self.setOptionValueWithSource(key, parseValue(o, envValue, `environment variable ${envName}`), 'env');
        else {
          const b = parseBool(envValue);
          if (b === undefined) throw new ConfigError(`environment variable ${envName}: ${JSON.stringify(envValue)} is invalid: true or false`);
          self.setOptionValueWithSource(key, b, 'env');
        }
        continue;
      }
      const value = file[o.name()];
      if (value === undefined) continue;
      const where = `config file ${configPath}, key "${o.name()}"`;
      // A flag without a value, or one whose value is optional given as `true` (`oauth-alias: true`).
      if (!takesValue(o) || (o.optional && value === true)) self.setOptionValueWithSource(key, value, 'config');
      else {
        // YAML reads `control: off` as a string, but `control: false` as a boolean: both mean off.
        const text = typeof value === 'boolean' && /on\|off|<on/.test(o.flags) ? (value ? 'on' : 'off') : String(value);
        self.setOptionValueWithSource(key, parseValue(o, text, where), 'config');
      }
    }
  });
  return cmd;
}
