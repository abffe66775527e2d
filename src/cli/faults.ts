import { Command, InvalidArgumentError } from 'commander';
import { FAULT_KINDS, type ArmedFault, type FaultSpec } from '../harness/faults.js';
import { controlClient, withControlOptions, type ControlOptions } from './control-client.js';

function describe(f: ArmedFault): string {
  const target = f.method ?? f.event ?? 'any event';
  const what = f.error ? `${f.error.code} ${f.error.status}` : f.ms !== undefined ? `${f.ms} ms` : f.after ? `after ${f.after} writes` : '';
  const left = f.remaining === null ? 'until removed' : `${f.remaining} left`;
  return [f.id, f.kind, target, what, left, f.probability < 1 ? `p=${f.probability}` : ''].join('\t').trimEnd();
}

const number = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

type AddOptions = ControlOptions & FaultSpec;

/** `imbot-server faults add|list|remove|clear`: the running server's scripted faults (README, "Faults"). */
export function faultsCommand(defaultData: string): Command {
  const faults = new Command('faults').description('scripted faults of the running server: errors, latency, event drop/delay/duplicate/reorder');
  withControlOptions(faults.command('add').description('arm a fault; prints it (id first)'), defaultData)
    .requiredOption('--kind <kind>', FAULT_KINDS.join(', '))
    .option('--method <method>', 'REST kinds: the method, or * for every one')
    .option('--event <event>', 'event kinds: the event, e.g. ONIMBOTMESSAGEADD (default: every event)')
    .option('--times <n>', 'calls/events it hits (default 1; unlimited with --probability)', number)
    .option('--probability <p>', 'the chance each matching call/event is hit, 0 < p <= 1', number)
    .option('--after <n>', 'store_failure: writes that succeed first', number)
    .option('--ms <n>', 'latency, event_delay: milliseconds', number)
    .option('--error <code>', 'error: the code, e.g. QUERY_LIMIT_EXCEEDED, expired_token')
    .option('--status <n>', 'error: the HTTP status (default: the portal\'s for the code)', number)
    .option('--description <text>', 'error: the description (default: the portal\'s for the code)')
    .action(async (o: AddOptions) => {
      const { url: _u, data: _d, token: _t, ...spec } = o;
      const r = await controlClient(o).ok('POST', '/__control/faults', spec);
      console.log(describe(r.fault));
    });
  withControlOptions(faults.command('list').description('list the armed faults'), defaultData).action(async (o: ControlOptions) => {
    const r = await controlClient(o).ok('GET', '/__control/faults');
    for (const f of r.faults as ArmedFault[]) console.log(describe(f));
  });
  withControlOptions(faults.command('remove').description('remove one fault by id'), defaultData)
    .argument('<id>')
    .action(async (id: string, o: ControlOptions) => {
      await controlClient(o).ok('DELETE', `/__control/faults/${encodeURIComponent(id)}`);
      console.log(`removed ${id}`);
    });
  withControlOptions(faults.command('clear').description('remove every fault'), defaultData).action(async (o: ControlOptions) => {
    await controlClient(o).ok('DELETE', '/__control/faults');
    console.log('cleared');
  });
  return faults;
}
