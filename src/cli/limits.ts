import { storeOption, type StoreOpts } from './store-option.js';
import { Command, InvalidArgumentError } from 'commander';
import { setAppBlocked, setWebhookBlocked } from '../limits/blocks.js';
import { parseOperatingLimit, parseRate, type RateSetting } from '../limits/index.js';
import type { Store } from '../store/db.js';

export function rateOption(value: string): RateSetting | null {
  const rate = parseRate(value);
  if (rate === undefined) throw new InvalidArgumentError('rate limit is standard, enterprise, off or BURST/DRAIN (e.g. 5/1)');
  return rate;
}

export function operatingLimitOption(value: string): number | null {
  const limit = parseOperatingLimit(value);
  if (limit === undefined) throw new InvalidArgumentError('operating limit is a number of seconds or off');
  return limit;
}

type WithStore = <T>(o: StoreOpts, fn: (store: Store) => Promise<T>) => Promise<T>;

/**
 * `imbot-server block --webhook CODE | --app CLIENT_ID` and `unblock …`: the platform's manual
 * block. A blocked webhook or application answers `OVERLOAD_LIMIT` until unblocked; a running
 * server sees the change on its next request.
 */
export function limitsCommands(withStore: WithStore, defaultData: string): Command[] {
  return [true, false].map((blocked) => {
    const name = blocked ? 'block' : 'unblock';
    return new Command(name)
      .description(blocked ? 'block a webhook or application (its calls answer OVERLOAD_LIMIT)' : 'lift a manual block')
      .option('--data <dir>', 'data directory', defaultData)
      .addOption(storeOption())
      .option('--webhook <code>', 'the webhook\'s secret code')
      .option('--app <client_id>', 'the application\'s client_id')
      .action(async (o: { data: string; webhook?: string; app?: string }) => {
        if ((o.webhook === undefined) === (o.app === undefined)) throw new InvalidArgumentError(`${name} needs exactly one of --webhook CODE or --app CLIENT_ID`);
        await withStore(o, async (store) => {
          const found = o.webhook !== undefined ? await setWebhookBlocked(store.db, o.webhook, blocked) : await setAppBlocked(store.db, o.app!, blocked);
          const what = o.webhook !== undefined ? `webhook ${o.webhook}` : `application ${o.app}`;
          if (!found) throw new Error(`no ${what}`);
          console.log(`${blocked ? 'blocked' : 'unblocked'} ${what}`);
        });
      });
  });
}
