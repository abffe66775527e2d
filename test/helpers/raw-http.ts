import { connect, type Socket } from 'node:net';

/** One answer read off a raw socket: status, JSON body, and the raw text (headers included). */
export interface RawAnswer {
  status: number;
  body: any;
  raw: string;
}

/** Opens a socket to `url`'s host (optionally from `localAddress`), writes `data`; resolves once connected. */
export function openRaw(url: string, data: string, localAddress?: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ port: Number(u.port), host: u.hostname, localAddress }, () => {
      s.write(data);
      resolve(s);
    });
    s.on('error', reject);
  });
}

/** The first full answer on a socket (status line, JSON body); rejects if it closes before. */
export function answerOn(s: Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let raw = '';
    s.on('data', (c) => {
      raw += c.toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: (\d+)/i.exec(raw.slice(0, end))?.[1] ?? -1);
      if (len >= 0 && raw.length >= end + 4 + len) resolve({ status: Number(raw.slice(9, 12)), body: JSON.parse(raw.slice(end + 4, end + 4 + len)), raw });
    });
    s.on('error', () => {});
    s.on('close', () => reject(new Error(`closed without an answer: ${JSON.stringify(raw.slice(0, 200))}`)));
  });
}

export function closedRaw(s: Socket): Promise<void> {
  return new Promise((resolve) => (s.destroyed ? resolve() : s.on('close', () => resolve())));
}
