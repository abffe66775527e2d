import { randomBytes } from 'node:crypto';

/** A random lower-case alphanumeric string, the shape of portal webhook codes and tokens. */
export function randomCode(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}
