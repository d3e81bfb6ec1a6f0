import { describe, expect, it } from 'vitest';
import {
  configuredRedisAddress,
  newRedis,
  redactRedisAddress,
  redisAddress,
} from '../../runner/redis/redis-address.js';

describe('Redis address', () => {
  it('is REDIS_URL itself without sentinels', () => {
    expect(configuredRedisAddress({ REDIS_URL: 'rediss://:pw@redis:6380/2' })).toBe(
      'rediss://:pw@redis:6380/2',
    );
    expect(configuredRedisAddress({ REDIS_URL: 'redis://r:6379', REDIS_SENTINELS: [] })).toBe(
      'redis://r:6379',
    );
  });

  it('with sentinels: their list and the primary’s name, password, database and TLS from REDIS_URL', () => {
    const address = configuredRedisAddress({
      REDIS_URL: 'rediss://:s3cret@ignored:6379/3',
      REDIS_SENTINELS: ['10.0.0.1:26379', 'sentinel-b:26380'],
      REDIS_SENTINEL_NAME: 'fleet',
    });
    expect(address).toBe('rediss+sentinel://:s3cret@10.0.0.1:26379,sentinel-b:26380/fleet/3');
    const redis = newRedis(address, { lazyConnect: true });
    try {
      expect(redis.options).toMatchObject({
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: 'sentinel-b', port: 26380 },
        ],
        name: 'fleet',
        password: 's3cret',
        db: 3,
        enableTLSForSentinelMode: true,
      });
      expect(redis.options.tls).toBeDefined();
    } finally {
      redis.disconnect();
    }
    expect(redactRedisAddress(address)).toBe('rediss+sentinel://***@10.0.0.1:26379,sentinel-b:26380/fleet/3');
    expect(redactRedisAddress('redis://:pw@r:6379')).toBe('redis://:***@r:6379');
  });

  it('plain redis:// without TLS, no password', () => {
    expect(redisAddress('redis://x:6379', { sentinels: ['a:1'], name: 'm' })).toBe('redis+sentinel://a:1/m');
    const redis = newRedis('redis+sentinel://a:1/m', { lazyConnect: true });
    try {
      expect(redis.options.tls).toBeUndefined();
      expect(redis.options.password ?? undefined).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });
});
