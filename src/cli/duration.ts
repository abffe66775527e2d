import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `10m`, `24h`, `7d` (or bare milliseconds) → milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('a duration like 30s, 10m, 24h or 7d');
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
}

/** Milliseconds as the largest whole unit parseDuration reads back: 86400000 → `24h`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return unit === 'd' && ms % 3_600_000 === 0 && ms < 7 * 86_400_000 ? `${ms / 3_600_000}h` : `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
