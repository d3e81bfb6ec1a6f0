import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { tenantNameSchema } from '../../shared/tenant.js';
import { keyDigest } from './key-digest.js';
import { zoomUserPatternSchema } from './zoom-user-allowlist.js';

/** Ids of keys in Redis; API_KEYS entries' ids start `env-` (see `envKeyId`). */
const ID_PREFIX = 'key-';

/** Whether `id` names a key in Redis (revocable at run time), not an API_KEYS entry or a trusted caller. */
export function isStoredKeyId(id: string | undefined): id is string {
  return id?.startsWith(ID_PREFIX) === true;
}

/** docs/contract.md §10: a key in Redis, as stored (under its SHA-256) and as `keys list` shows it. */
export const apiKeyRecordSchema = z.object({
  id: z.string().startsWith(ID_PREFIX),
  tenant: tenantNameSchema,
  admin: z.boolean(),
  zoomUsers: z.array(zoomUserPatternSchema),
  maxLiveBots: z.number().int().positive(),
  ratePerSec: z.number().int().positive(),
  createdAt: z.iso.datetime(),
});
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>;
export type NewApiKey = Omit<ApiKeyRecord, 'id' | 'createdAt'>;

/** Redis layout: one JSON record per key digest, and id → digest for `list` and `revoke`. */
export function apiKeyKeys(prefix: string) {
  return {
    record: (digestHex: string) => `${prefix}:apikey:${digestHex}`,
    ids: `${prefix}:apikeys`,
  };
}

/**
 * API keys kept in Redis (`zoom-bot-runner keys …`). Only a key's SHA-256 is stored; the key is
 * shown once, by `create`. Every api process looks a key up on every request, so a revoked key is
 * refused by all of them from the next request on.
 */
export class ApiKeyStore {
  private readonly keys: ReturnType<typeof apiKeyKeys>;

  constructor(private readonly options: { redis: Redis; prefix: string }) {
    this.keys = apiKeyKeys(options.prefix);
  }

  /** A new random key (256 bits) for `input.tenant`: the only time the key itself exists. */
  async create(input: NewApiKey, now: Date = new Date()): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = `zbr_${randomBytes(32).toString('base64url')}`;
    const digest = keyDigest(key).toString('hex');
    const record = apiKeyRecordSchema.parse({
      ...input,
      id: `${ID_PREFIX}${randomBytes(8).toString('hex')}`,
      createdAt: now.toISOString(),
    });
    const { redis } = this.options;
    // 64 random bits make a clash of ids practically impossible; HSETNX still refuses to overwrite one.
    if ((await redis.hsetnx(this.keys.ids, record.id, digest)) === 0) throw new Error('API key id clash');
    await redis.set(this.keys.record(digest), JSON.stringify(record));
    return { key, record };
  }

  /** The record of `key`, if it is a key in Redis: one GET by its digest. */
  async findByKey(key: string): Promise<ApiKeyRecord | undefined> {
    return this.read(keyDigest(key).toString('hex'));
  }

  /**
   * Whether the key `id` still exists (not revoked): one HEXISTS, as cheap as a read gets, for what
   * re-checks a key many times (an open SSE stream, once a second). False for ids not in Redis.
   */
  async exists(id: string): Promise<boolean> {
    if (!isStoredKeyId(id)) return false;
    return (await this.options.redis.hexists(this.keys.ids, id)) === 1;
  }

  async getById(id: string): Promise<ApiKeyRecord | undefined> {
    if (!id.startsWith(ID_PREFIX)) return undefined;
    const digest = await this.options.redis.hget(this.keys.ids, id);
    return digest === null ? undefined : this.read(digest);
  }

  /** Every key in Redis, oldest first: ids and policies, never a key or its hash. */
  async list(): Promise<ApiKeyRecord[]> {
    const digests = Object.values(await this.options.redis.hgetall(this.keys.ids));
    if (digests.length === 0) return [];
    const raws = await this.options.redis.mget(digests.map((d) => this.keys.record(d)));
    return raws
      .filter((raw): raw is string => raw !== null)
      .map((raw) => apiKeyRecordSchema.parse(JSON.parse(raw)))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Deletes the key: the next request with it is refused, in every api process. False if unknown. */
  async revoke(id: string): Promise<boolean> {
    const digest = await this.options.redis.hget(this.keys.ids, id);
    if (digest === null) return false;
    await this.options.redis.multi().del(this.keys.record(digest)).hdel(this.keys.ids, id).exec();
    return true;
  }

  private async read(digestHex: string): Promise<ApiKeyRecord | undefined> {
    const raw = await this.options.redis.get(this.keys.record(digestHex));
    return raw === null ? undefined : apiKeyRecordSchema.parse(JSON.parse(raw));
  }
}
