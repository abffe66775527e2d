import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `10m`, `24h`, `7d` (or bare milliseconds) → milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('a duration like 30s, 10m, 24h or 7d');
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
}
