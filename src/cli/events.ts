import { storeOption, type StoreOpts } from './store-option.js';
import { Command, InvalidArgumentError } from 'commander';
import { cancelDelivery, cancelPendingDeliveries } from '../events/cancel.js';
import { deliveryLog } from '../events/outbox.js';
import type { DeliveryPolicy } from '../events/worker.js';
import type { Store } from '../store/db.js';

export function delivery(value: string): DeliveryPolicy {
  if (value !== 'once' && value !== 'retry') throw new InvalidArgumentError('delivery is once or retry');
  return value;
}

type WithStore = <T>(o: StoreOpts, fn: (store: Store) => Promise<T>) => Promise<T>;

/**
 * `imbot-server events log`: the delivery log, newest first, one line per event —
 * id, time, event, status, attempts, last HTTP status, handler URL, event id, last error.
 * `--json` prints the whole entries (bodies and every attempt) as the control API does.
 */
export function eventsCommand(withStore: WithStore, defaultData: string): Command {
  const events = new Command('events').description('bot events: the delivery log, cancelling pending deliveries');
  events
    .command('log')
    .description('show the event delivery log (newest first)')
    .option('--data <dir>', 'data directory', defaultData)
    .addOption(storeOption())
    .option('--failed', 'only deliveries whose last attempt failed', false)
    .option('--event <name>', 'only this event, e.g. ONIMBOTMESSAGEADD')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 100)
    .option('--json', 'print JSON entries with bodies and attempts', false)
    .action(async (o: { data: string; failed: boolean; event?: string; limit: number; json: boolean }) => {
      await withStore(o, async (store) => {
        const entries = await deliveryLog(store.db, { failed: o.failed, event: o.event, limit: o.limit > 0 ? o.limit : 100 });
        if (o.json) return console.log(JSON.stringify(entries, null, 2));
        for (const e of entries) {
          const cols = [e.id, new Date(e.created_at).toISOString(), e.event, e.status, e.attempts, e.last_status ?? '-', e.handler_url, e.event_id, e.last_error];
          console.log(cols.join('\t'));
        }
      });
    });
  events
    .command('cancel')
    .description('cancel a pending delivery (or, with --pending, all of them): it is never sent')
    .argument('[id]', 'the delivery id (events log, first column)')
    .option('--data <dir>', 'data directory', defaultData)
    .addOption(storeOption())
    .option('--pending', 'cancel every pending delivery', false)
    .option('--handler <url>', 'with --pending: only deliveries to this handler URL')
    .action(async (idArg: string | undefined, o: { data: string; pending: boolean; handler?: string }) => {
      if ((idArg === undefined) === !o.pending || (o.handler !== undefined && !o.pending)) {
        throw new InvalidArgumentError('give a delivery id, or --pending [--handler URL]');
      }
      await withStore(o, async (store) => {
        if (o.pending) {
          const ids = await cancelPendingDeliveries(store.db, { handler: o.handler });
          for (const id of ids) console.log(String(id));
          console.error(`cancelled ${ids.length} pending deliver${ids.length === 1 ? 'y' : 'ies'}`);
          return;
        }
        const id = Number(idArg);
        const outcome = Number.isInteger(id) && id > 0 ? await cancelDelivery(store.db, id) : { cancelled: false as const, status: null };
        if (!outcome.cancelled) throw new InvalidArgumentError(outcome.status === null ? `no delivery ${idArg}` : `delivery ${id} is ${outcome.status}: only a pending delivery can be cancelled`);
        console.log(`cancelled ${id}`);
      });
    });
  return events;
}
