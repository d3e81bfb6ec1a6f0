import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SecretBox } from '../crypto/secret-box.js';
import { queueKeys } from './queue-names.js';

/**
 * Fields of a bot request that never sit in Redis job data in clear (`authUrl` is a token callback's
 * `auth.url`; `metadata` is sealed as JSON).
 */
export type SealedField = 'passcode' | 'registrantToken' | 'webhookUrl' | 'authUrl' | 'metadata';

/** Seals and opens the secret fields of one deployment's job data (AES-256-GCM, see `SecretBox`). */
export interface JobCrypto {
  seal(botId: string, field: SealedField, value: string): string;
  /** `undefined` when sealed with another key, for another bot or field, or tampered with. */
  open(botId: string, field: SealedField, sealed: string): string | undefined;
}

export class JobKeyMismatchError extends Error {
  override readonly name = 'JobKeyMismatchError';
  readonly code = 'job_key_missing';
}

/** The AAD binds a sealed value to its bot and field, so one cannot be pasted into another job. */
export function jobCryptoFromKey(keyMaterial: string): JobCrypto {
  const box = new SecretBox(keyMaterial, 'job-data');
  return {
    seal: (botId, field, value) => box.seal(value, `${botId}:${field}`),
    open: (botId, field, sealed) => box.open(sealed, `${botId}:${field}`),
  };
}

export interface ResolveJobCryptoOptions {
  redis: Redis;
  prefix: string;
  /** `JOB_ENCRYPTION_KEY`; required in Zoom mode (the config refuses to start without it). */
  jobEncryptionKey?: string | undefined;
}

/**
 * The deployment's job-data key. With `JOB_ENCRYPTION_KEY` the key is derived from it (HKDF in
 * `SecretBox`). Without it (sim and embedded modes only: Zoom mode refuses to start without one),
 * the key material is a random secret that the first process stores in Redis under the prefix
 * (SET NX, so every process of the deployment agrees). That only keeps passcodes out of the job
 * data in clear: anyone who can read Redis can read that secret too, which is why Zoom mode needs a
 * real key kept outside Redis.
 *
 * A producer without a key in a deployment that has one would seal with the random secret and every
 * job would end `invalid_request` at the worker; a marker key makes that a clear error at once.
 */
export async function resolveJobCrypto(options: ResolveJobCryptoOptions): Promise<JobCrypto> {
  const keys = queueKeys(options.prefix);
  if (options.jobEncryptionKey !== undefined) {
    await options.redis.set(keys.configuredJobKey, '1');
    return jobCryptoFromKey(options.jobEncryptionKey);
  }
  if ((await options.redis.exists(keys.configuredJobKey)) === 1) {
    throw new JobKeyMismatchError(
      `This deployment (prefix ${options.prefix}) encrypts job data with JOB_ENCRYPTION_KEY: configure the same key`,
    );
  }
  await options.redis.set(keys.randomJobKey, randomBytes(32).toString('base64url'), 'NX');
  const material = await options.redis.get(keys.randomJobKey);
  if (material === null) throw new Error(`${keys.randomJobKey} vanished right after it was set`);
  return jobCryptoFromKey(material);
}
