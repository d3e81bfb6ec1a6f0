import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SecretBox } from '../crypto/secret-box.js';
import type { Logger } from '../log/logger.js';
import { evalScript } from '../redis/eval-script.js';
import {
  ZoomAuthInvalidCredentialsError,
  ZoomBadResponseError,
  ZoomRateLimitedError,
  ZoomRequestRefusedError,
  ZoomUnavailableError,
} from './zoom-errors.js';
import type { ZoomHttp } from './zoom-http.js';

export interface OAuthCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export interface AccessTokenOptions {
  http: ZoomHttp;
  /** `https://zoom.us`, or the sim's URL. */
  oauthBase: string;
  credentials: OAuthCredentials;
  redis: Redis;
  prefix: string;
  logger?: Logger;
  /** Longest a fetch may hold the fleet-wide lock; covers the HTTP timeout and its retries. */
  lockTtlMs?: number;
  /** How long a process waits for another one's fetch before giving up. */
  waitForPeerMs?: number;
  pollMs?: number;
  /** Refresh this long before expiry, at most; 20% of the lifetime for short-lived (test) tokens. */
  refreshAheadMs?: number;
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
  /** The exact value in Redis, so `invalidate` deletes only the token it saw refused. */
  sealed: string;
}

const storedSchema = z.object({ token: z.string().min(1), expiresAt: z.number(), refreshAt: z.number() });
const oauthAnswerSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const oauthErrorSchema = z.object({ error: z.string().optional(), reason: z.string().optional() });

/** Deletes the key only while it still holds the value we read (another process may have replaced it). */
const DELETE_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Server-to-Server OAuth access tokens, one per token lifetime for the whole fleet. The token lives in
 * Redis (sealed with a key derived from the client secret: whoever holds the secret can mint tokens
 * anyway, and a Redis dump alone yields nothing usable; rotating the secret turns old entries into
 * misses). A `SET NX PX` lock lets one process fetch while the others poll Redis; in-process callers
 * share one in-flight promise. A token still valid but due for refresh is served to callers that find
 * another process refreshing it.
 */
export class AccessTokenProvider {
  private current: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private readonly box: SecretBox;
  private readonly aad: string;
  private readonly tokenKey: string;
  private readonly lockKey: string;
  private readonly now: () => number;

  constructor(private readonly options: AccessTokenOptions) {
    const { accountId, clientId, clientSecret } = options.credentials;
    this.box = new SecretBox(clientSecret, 'zoom-oauth-access-token');
    this.aad = `${accountId}:${clientId}`;
    // Keyed by app, so two apps sharing a prefix never read each other's token.
    const app = createHash('sha256').update(this.aad).digest('hex').slice(0, 16);
    this.tokenKey = `${options.prefix}:zoom:oauth:${app}:token`;
    this.lockKey = `${options.prefix}:zoom:oauth:${app}:lock`;
    this.now = options.now ?? Date.now;
  }

  /** A valid access token, fetching one only when neither this process nor Redis has a fresh one. */
  async get(): Promise<string> {
    const cached = this.current;
    if (cached && this.now() < cached.refreshAt) return cached.token;
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return (await this.inflight).token;
  }

  /** Zoom refused `token` (401 code 124): forget it here and in Redis, unless already replaced. */
  async invalidate(token: string): Promise<void> {
    const cached = this.current;
    if (cached?.token !== token) return;
    this.current = undefined;
    await evalScript(this.options.redis, DELETE_IF_SAME, 1, this.tokenKey, cached.sealed);
  }

  private async load(): Promise<CachedToken> {
    const { redis, lockTtlMs = 30_000, waitForPeerMs = 20_000, pollMs = 50 } = this.options;
    const deadline = this.now() + waitForPeerMs;
    while (this.now() < deadline) {
      const shared = await this.readShared();
      if (shared && this.now() < shared.refreshAt) return this.keep(shared);
      const owner = randomUUID();
      if ((await redis.set(this.lockKey, owner, 'PX', lockTtlMs, 'NX')) === 'OK') {
        try {
          // Another process may have stored a token between our read and our lock.
          const again = await this.readShared();
          if (again && this.now() < again.refreshAt) return this.keep(again);
          return this.keep(await this.fetchAndStore());
        } finally {
          await evalScript(redis, DELETE_IF_SAME, 1, this.lockKey, owner);
        }
      }
      // Someone else is fetching: a token that has not expired yet still works meanwhile.
      const usable = shared ?? this.current;
      if (usable && this.now() < usable.expiresAt - 1000) return this.keep(usable);
      await sleep(pollMs);
    }
    throw new ZoomUnavailableError('Timed out waiting for another process to fetch a Zoom access token', {
      operation: 'oauth_token',
    });
  }

  private keep(token: CachedToken): CachedToken {
    this.current = token;
    return token;
  }

  private async readShared(): Promise<CachedToken | undefined> {
    const sealed = await this.options.redis.get(this.tokenKey);
    if (sealed === null) return undefined;
    const opened = this.box.open(sealed, this.aad);
    const parsed = opened === undefined ? undefined : storedSchema.safeParse(JSON.parse(opened));
    if (!parsed?.success || parsed.data.expiresAt <= this.now()) return undefined;
    return { ...parsed.data, sealed };
  }

  private async fetchAndStore(): Promise<CachedToken> {
    const { token, expiresInSec } = await this.fetch();
    const now = this.now();
    const lifetimeMs = expiresInSec * 1000;
    const aheadMs = Math.min(this.options.refreshAheadMs ?? 300_000, lifetimeMs * 0.2);
    const record = { token, expiresAt: now + lifetimeMs, refreshAt: now + lifetimeMs - aheadMs };
    const sealed = this.box.seal(JSON.stringify(record), this.aad);
    await this.options.redis.set(this.tokenKey, sealed, 'PX', Math.max(1, Math.floor(lifetimeMs)));
    this.options.logger?.info({ expiresInSec }, 'zoom access token fetched');
    return { ...record, sealed };
  }

  private async fetch(): Promise<{ token: string; expiresInSec: number }> {
    const { accountId, clientId, clientSecret } = this.options.credentials;
    const url = new URL('/oauth/token', this.options.oauthBase);
    url.searchParams.set('grant_type', 'account_credentials');
    url.searchParams.set('account_id', accountId);
    const response = await this.options.http.send({
      method: 'POST',
      url,
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      operation: 'oauth_token',
    });
    if (response.status >= 200 && response.status < 300) {
      const parsed = oauthAnswerSchema.safeParse(response.json);
      if (!parsed.success) {
        throw new ZoomBadResponseError('Zoom OAuth answered without an access token', {
          status: response.status,
          operation: 'oauth_token',
        });
      }
      return { token: parsed.data.access_token, expiresInSec: parsed.data.expires_in };
    }
    const body = oauthErrorSchema.safeParse(response.json);
    const error = body.success ? body.data.error : undefined;
    const reason = body.success ? body.data.reason : undefined;
    const details = {
      status: response.status,
      operation: 'oauth_token',
      ...(reason !== undefined ? { zoomMessage: reason } : {}),
    };
    // Rate limited: a later try will pass, so callers back off and retry rather than give up.
    if (response.status === 429) {
      throw new ZoomRateLimitedError('Zoom OAuth answered 429 (too many token requests)', details);
    }
    if (error === 'invalid_client' || response.status === 401) {
      throw new ZoomAuthInvalidCredentialsError('Zoom refused the client id or client secret', details);
    }
    if (error === 'invalid_request' || error === 'invalid_grant' || error === 'unauthorized_client') {
      throw new ZoomAuthInvalidCredentialsError(
        `Zoom refused the OAuth request (${error}: ${reason ?? 'no reason given'}); check the account id`,
        details,
      );
    }
    throw new ZoomRequestRefusedError(
      `Zoom OAuth refused the token request (HTTP ${response.status})`,
      details,
    );
  }
}
