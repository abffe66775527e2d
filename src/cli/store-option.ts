import { Option } from 'commander';

/** Where a command finds the store: `--data` (always) and `--store` (PostgreSQL, else SQLite in --data). */
export interface StoreOpts {
  data: string;
  store?: string;
}

/** `--store <url>`, also read from IMBOT_STORE; the same for `serve` and every store command. */
export function storeOption(): Option {
  return new Option('--store <url>', 'PostgreSQL store, postgres://user@host/db (default: SQLite in the data directory)').env('IMBOT_STORE');
}
