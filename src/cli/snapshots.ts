import { Command } from 'commander';
import type { SnapshotInfo } from '../harness/portal-state.js';
import { controlClient, withControlOptions, type ControlOptions } from './control-client.js';

function describe(s: SnapshotInfo): string {
  return [s.name, new Date(s.created_at).toISOString(), `${s.rows} rows`, `${s.file_bytes} bytes of files`].join('\t');
}

/**
 * `imbot-server reset` and `imbot-server snapshot save|list|restore|delete`, through the running
 * server's control API (a restore must wait for the calls in flight, which only the server sees).
 */
export function snapshotCommands(defaultData: string): Command[] {
  const reset = withControlOptions(new Command('reset').description('reset the running portal to its first-start state (the admin webhook is kept)'), defaultData)
    .action(async (o: ControlOptions) => {
      const r = await controlClient(o).ok('POST', '/__control/reset');
      console.log(`reset; admin webhook: ${r.admin_webhook}`);
    });

  const snapshot = new Command('snapshot').description('save and restore the whole portal (tables and files)');
  withControlOptions(snapshot.command('save').description('save the portal under a name (replaces a snapshot of that name)'), defaultData)
    .argument('<name>')
    .action(async (name: string, o: ControlOptions) => {
      const r = await controlClient(o).ok('POST', '/__control/snapshots', { name });
      console.log(`saved ${describe(r.snapshot)}`);
    });
  withControlOptions(snapshot.command('list').description('list the saved snapshots'), defaultData)
    .action(async (o: ControlOptions) => {
      const r = await controlClient(o).ok('GET', '/__control/snapshots');
      for (const s of r.snapshots as SnapshotInfo[]) console.log(describe(s));
    });
  withControlOptions(snapshot.command('restore').description('restore the portal from a snapshot (pending deliveries are dropped)'), defaultData)
    .argument('<name>')
    .action(async (name: string, o: ControlOptions) => {
      const r = await controlClient(o).ok('POST', `/__control/snapshots/${encodeURIComponent(name)}/restore`);
      console.log(`restored ${describe(r.snapshot)}`);
    });
  withControlOptions(snapshot.command('delete').description('delete a snapshot'), defaultData)
    .argument('<name>')
    .action(async (name: string, o: ControlOptions) => {
      await controlClient(o).ok('DELETE', `/__control/snapshots/${encodeURIComponent(name)}`);
      console.log(`deleted ${name}`);
    });
  return [reset, snapshot];
}
