import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { seedSchema, type Seed } from './schema.js';

export class SeedError extends Error {}

/** `people[1].id` from a zod path. */
function where(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(top level)';
}

/** Validates a parsed seed; every problem in one error, each on its own line with its place. */
export function validateSeed(raw: unknown, source = 'seed'): Seed {
  const r = seedSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${where(i.path)}: ${i.message}`);
  throw new SeedError(`${source} is not a valid seed:\n${lines.join('\n')}`);
}

/** Reads a seed file: JSON when it parses as JSON (or ends in .json), YAML otherwise. */
export function loadSeedFile(path: string): Seed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SeedError(`cannot read the seed file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SeedError(`${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateSeed(raw, path);
}
