import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * IP addresses and CIDR lists, with no domain meaning: which addresses are "public" (the only
 * ones a `cloud` portal POSTs events to) and whether an address is inside an operator's list
 * (`--allow-private`, `--control-from`). ipaddr.js does the parsing and knows the special ranges.
 */

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Unwraps an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) to the IPv4 it stands for. */
function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!ipaddr.isValid(bare)) return null;
  return ipaddr.process(bare);
}

/**
 * `10.0.0.0/8,fd00::/8` (commas and/or spaces) → ranges; a bare address is its own /32 or /128.
 * Throws an Error naming the entry that is not a range.
 */
export function parseCidrList(value: string): Cidr[] {
  const out: Cidr[] = [];
  for (const entry of value.split(/[\s,]+/).filter(Boolean)) {
    try {
      if (entry.includes('/')) {
        const [addr, bits] = ipaddr.parseCIDR(entry);
        out.push(addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96
          ? [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]
          : [addr, bits]);
      } else {
        const addr = parseAddress(entry);
        if (!addr) throw new Error('not an address');
        out.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      throw new Error(`not an IP address or CIDR range: ${entry}`);
    }
  }
  return out;
}

/** Whether `ip` (any notation Node reports, IPv4-mapped included) is inside one of the ranges. */
export function inRanges(ip: string, ranges: readonly Cidr[]): boolean {
  const addr = parseAddress(ip);
  if (!addr) return false;
  return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** Loopback in both families: what the control API answers by default. */
export const LOOPBACK: readonly Cidr[] = parseCidrList('127.0.0.0/8,::1/128');

/**
 * Whether an address belongs to the public internet: ipaddr.js's `unicast` range, i.e. not
 * loopback, private (RFC 1918), unique-local, link-local (169.254/16, fe80::/10, cloud metadata),
 * carrier-grade NAT (100.64/10), multicast, broadcast, unspecified, reserved/documentation,
 * benchmarking, 6to4/Teredo/NAT64 wrappers around other addresses. IPv4-mapped IPv6 is judged as
 * the IPv4 it carries.
 */
export function isPublicAddress(ip: string): boolean {
  const addr = parseAddress(ip);
  return addr !== null && addr.range() === 'unicast';
}

/**
 * Where a `cloud` portal may send events. The real portal's queue server only reaches public
 * addresses ("Do not use addresses on localhost or in a local network", api-reference/events/index.md);
 * here the rule is enforced (src/bots/handlers.ts), so a handler URL cannot reach the portal's own network.
 */
export interface HandlerNet {
  /** host name → its addresses (default: the system resolver, /etc/hosts included) */
  resolve(host: string): Promise<string[]>;
  /** non-public ranges the operator lets handlers use anyway (`serve --allow-private`) */
  allowPrivate: readonly Cidr[];
}

const RESOLVE_TIMEOUT_MS = 5000;

/** dns.lookup (the system resolver: /etc/hosts, then DNS), every address, within 5 s. */
async function systemResolve(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the resolver within ${RESOLVE_TIMEOUT_MS} ms`)), RESOLVE_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
    return found.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
}

export const SYSTEM_HANDLER_NET: HandlerNet = { resolve: systemResolve, allowPrivate: [] };
