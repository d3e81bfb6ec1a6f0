import { createHash } from 'node:crypto';

/**
 * SHA-256 of an API key: what Redis stores instead of the key, and what every comparison is over (32
 * bytes whatever the key's length, so neither timing nor storage says anything about the key).
 * Keys are long and random (`keys create` makes 256-bit ones; API_KEYS entries are at least 24
 * characters), so an unsalted hash leaves nothing to brute-force.
 */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
