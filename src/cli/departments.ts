import { storeOption, type StoreOpts } from './store-option.js';
import { Command, InvalidArgumentError } from 'commander';
import type { MovableClock } from '../clock.js';
import { addDepartment, departmentMap } from '../im/departments.js';
import { ensurePortal } from '../portal/bootstrap.js';
import type { Store } from '../store/db.js';

type WithStore = <T>(o: StoreOpts, fn: (store: Store, clock: MovableClock) => Promise<T>) => Promise<T>;

export function departmentId(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a department id is a positive integer');
  return n;
}

/** `imbot-server department add|list`: the company structure, as department.add/get change and read it. */
export function departmentCommand(withStore: WithStore, defaultData: string): Command {
  const department = new Command('department').description('the company structure (departments)');
  department
    .command('add')
    .description('add a department under a parent and print its id')
    .option('--data <dir>', 'data directory', defaultData)
    .addOption(storeOption())
    .requiredOption('--name <name>', 'department name')
    .option('--parent <id>', 'parent department (1 is the company)', departmentId, 1)
    .option('--head <userId>', 'the head (UF_HEAD)', departmentId)
    .option('--sort <n>', 'sort number', (v) => Number.parseInt(v, 10), 500)
    .action(async (o) => {
      await withStore(o, async (store, clock) => {
        const state = await ensurePortal(store.db, clock);
        const portal = { domain: '', baseUrl: '', memberId: state.memberId, languageId: 'en', license: 'en_ent10000' };
        const id = await store.transaction((db) => addDepartment({ db, clock, portal, profile: 'dev' }, { name: o.name, parent: o.parent, head: o.head, sort: o.sort }));
        console.log(String(id));
      });
    });
  department
    .command('list')
    .description('list departments: id, parent, head, name')
    .option('--data <dir>', 'data directory', defaultData)
    .addOption(storeOption())
    .action(async (o) => {
      await withStore(o, async (store) => {
        for (const d of (await departmentMap(store.db)).values()) console.log(`${d.id}\t${d.parent_id}\t${d.head_id}\t${d.name}`);
      });
    });
  return department;
}
