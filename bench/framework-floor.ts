/**
 * `npm run bench:floor`: what the HTTP layer alone costs, without the portal. Server CPU per
 * request (autocannon in its own process, 10 connections, 4 s after a 1 s warm-up) of:
 * a bare `node:http` server answering 150 B, 4 KB (about an `imbot.bot.list` answer) and 16 KB;
 * a fastify POST route shaped like the portal's REST route (the buffer body parser, three async
 * `onRequest` hooks, an async `preParsing` hook) and the same route without hooks, each
 * answering a fixed small JSON body. Rows run twice, in mirrored order, so drift shows.
 */
import Fastify from 'fastify';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cannon } from './cannon.js';

async function bare(size: number): Promise<string> {
  const body = Buffer.from(JSON.stringify({ result: 'x'.repeat(Math.max(0, size - 14)) }));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const SMALL = JSON.stringify({ result: true, time: { start: 0, finish: 0 } });

async function fastifyRoute(hooks: number): Promise<string> {
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  for (let i = 0; i < hooks; i++) {
    app.addHook('onRequest', async (_req, reply) => {
      reply.header(`x-hook-${i}`, '1');
    });
  }
  app.route({
    method: ['POST'],
    url: '/rest/*',
    ...(hooks > 0 ? { preParsing: async (_req: unknown, _reply: unknown, payload: unknown) => payload } : {}),
    handler: async (_req, reply) => {
      reply.header('content-type', 'application/json; charset=utf-8').send(SMALL);
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/rest/1/code/method`;
}

const servers: [string, string][] = [
  ['node:http, 150 B answer', await bare(150)],
  ['node:http, 4 KB answer', await bare(4005)],
  ['node:http, 16 KB answer', await bare(16000)],
  ['fastify POST route, no hooks', await fastifyRoute(0)],
  ['fastify POST route, 3 onRequest hooks + preParsing', await fastifyRoute(3)],
];
const results = new Map<string, number[]>();
for (const [name, url] of [...servers, ...[...servers].reverse()]) {
  await cannon(url, '{}', 10, 1);
  const m = await cannon(url, '{}', 10, 4);
  if (m.failures > 0) throw new Error(`${name}: ${m.failures} requests failed`);
  results.set(name, [...(results.get(name) ?? []), Math.round(m.cpuPerOp ?? NaN)]);
}
console.log('| Server | CPU µs per request (two runs) |\n|---|---:|');
for (const [name, cpu] of results) console.log(`| ${name} | ${cpu.join(', ')} |`);
process.exit(0);
