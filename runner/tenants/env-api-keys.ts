import { timingSafeEqual } from 'node:crypto';
import type { EnvApiKey } from '../config/tenant-values.js';
import { keyDigest } from './key-digest.js';

/**
 * The id of an API_KEYS key in logs and job data: derived from the key's hash (never the key), so
 * it is stable across processes and restarts. 48 bits of a SHA-256 say nothing usable about a key of
 * 24 characters or more.
 */
export function envKeyId(key: string): string {
  return `env-${keyDigest(`zbr-key-id:${key}`).toString('hex').slice(0, 12)}`;
}

/**
 * API_KEYS, compared in constant time: every configured key is compared, whatever matched before,
 * over SHA-256 digests, so the response time says nothing about which key or prefix was close.
 */
export class EnvApiKeys {
  private readonly entries: ReadonlyArray<{ tenant: string; keyId: string; digest: Buffer }>;

  constructor(keys: readonly EnvApiKey[]) {
    this.entries = keys
      .filter((k) => k.key.length > 0)
      .map((k) => ({ tenant: k.tenant, keyId: envKeyId(k.key), digest: keyDigest(k.key) }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The tenant and id of `key`, if it is one of API_KEYS. */
  match(key: string): { tenant: string; keyId: string } | undefined {
    const given = keyDigest(key);
    let found: { tenant: string; keyId: string } | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(given, entry.digest) && found === undefined) found = entry;
    }
    return found === undefined ? undefined : { tenant: found.tenant, keyId: found.keyId };
  }
}

/** Whether a job's `keyId` names an API_KEYS key (whose allowlist is TENANT_ZOOM_USERS) rather than one in Redis. */
export function isEnvKeyId(keyId: string): boolean {
  return keyId.startsWith('env-');
}
