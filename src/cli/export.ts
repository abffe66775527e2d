import { Command, InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { exportSeed } from '../harness/seed/export.js';
import type { Store } from '../store/db.js';
import { storeOption, type StoreOpts } from './store-option.js';

type WithStore = <T>(o: StoreOpts, fn: (store: Store) => Promise<T>) => Promise<T>;

/** `imbot-server export [--format yaml|json] > portal.yaml`: the portal as a seed file. */
export function exportCommand(withStore: WithStore, defaultData: string): Command {
  return new Command('export')
    .description('print the portal as a seed file (people, webhooks, apps, bots, chats, messages)')
    .option('--data <dir>', 'data directory', defaultData)
    .addOption(storeOption())
    .option('--format <format>', 'yaml (default) or json', (v) => {
      if (v !== 'yaml' && v !== 'json') throw new InvalidArgumentError('yaml or json');
      return v;
    }, 'yaml')
    .action(async (o: StoreOpts & { format: 'yaml' | 'json' }) => {
      await withStore(o, async (store) => {
        const seed = await exportSeed(store.db);
        process.stdout.write(o.format === 'json' ? `${JSON.stringify(seed, null, 2)}\n` : stringify(seed));
      });
    });
}
