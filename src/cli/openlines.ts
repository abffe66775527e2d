import { Command } from 'commander';
import { controlClient, withControlOptions, type ControlOptions } from './control-client.js';

const ids = (v: string): number[] => v.split(',').map((s) => s.trim()).filter(Boolean).map(Number);

/**
 * `imbot-server openline add|list|write`: set up an open line and write into it as a visitor,
 * through the running server's control API (/__control/openlines), so the bots' events go out at once.
 */
export function openLineCommands(defaultData: string): Command[] {
  const openline = new Command('openline').description('open lines: a line with an open-line bot, and visitors who write into it');
  withControlOptions(openline.command('add').description('add an open line'), defaultData)
    .requiredOption('--name <name>', 'the line name')
    .option('--bot <id>', 'its bot (registered with OPENLINE=Y or TYPE=O)', Number)
    .option('--queue <ids>', 'operators, comma-separated user ids, in queue order', ids)
    .option('--welcome <text>', 'the welcome text (imopenlines.bot.session.message.send NAME=WELCOME)')
    .action(async (o: ControlOptions & { name: string; bot?: number; queue?: number[]; welcome?: string }) => {
      const r = await controlClient(o).ok('POST', '/__control/openlines', { name: o.name, bot_id: o.bot ?? 0, queue: o.queue ?? [], welcome_message: o.welcome });
      console.log(`open line ${r.id}: ${r.name}${r.bot_id ? `, bot ${r.bot_id}` : ''}${r.queue.length ? `, queue ${r.queue.join(',')}` : ''}`);
    });
  withControlOptions(openline.command('list').description('list the open lines and their sessions'), defaultData)
    .option('--json', 'print the control API answer')
    .action(async (o: ControlOptions & { json?: boolean }) => {
      const r = await controlClient(o).ok('GET', '/__control/openlines');
      if (o.json) return console.log(JSON.stringify(r, null, 2));
      for (const l of r.lines) {
        console.log(`${l.id}\t${l.name}\tbot ${l.bot_id || '-'}\tqueue ${l.queue.join(',') || '-'}`);
        for (const s of l.sessions) console.log(`  session ${s.id}\tchat${s.chat_id}\tvisitor ${s.visitor_id}\t${s.status}${s.operator_id ? ` (operator ${s.operator_id})` : ''}`);
      }
    });
  withControlOptions(openline.command('write').description('write into a line as a visitor (a new visitor unless --visitor)'), defaultData)
    .argument('<line>', 'the line id')
    .argument('<text>', 'the message')
    .option('--visitor <id>', 'an existing visitor', Number)
    .option('--name <name>', "a new visitor's name", 'Guest')
    .action(async (line: string, text: string, o: ControlOptions & { visitor?: number; name: string }) => {
      const body = o.visitor !== undefined ? { text, visitor_id: o.visitor } : { text, visitor_name: o.name };
      const r = await controlClient(o).ok('POST', `/__control/openlines/${encodeURIComponent(line)}/messages`, body);
      console.log(`visitor ${r.visitor_id} wrote message ${r.message_id} in ${r.dialog_id} (session ${r.session_id})`);
    });
  return [openline];
}
