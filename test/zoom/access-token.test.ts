import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AccessTokenProvider } from '../../runner/zoom/access-token.js';
import { MeetingTokens } from '../../runner/zoom/meeting-tokens.js';
import { RateBudget } from '../../runner/zoom/rate-budget.js';
import { ZoomApi } from '../../runner/zoom/zoom-api.js';
import {
  ZoomAccessTokenRejectedError,
  ZoomAuthInvalidCredentialsError,
} from '../../runner/zoom/zoom-errors.js';
import { ZoomHttp } from '../../runner/zoom/zoom-http.js';
import { startTestSim } from '../../testkit/sim.js';
import { useZoomKit } from './zoom-kit.js';

describe('access tokens against zoom-sim', () => {
  const kit = useZoomKit();

  it('one OAuth request serves many concurrent mints and a second client with the same prefix', async () => {
    const before = await kit.stats();
    const prefix = kit.newPrefix();
    const a = await kit.clients({}, { prefix });
    const user = kit.credentials.serviceUser.email;
    const zaks = await Promise.all(Array.from({ length: 15 }, () => a.meetingTokens.mintZak(user)));
    // A fresh client (another process's view): reads the token from Redis.
    const b = await kit.clients({}, { prefix });
    zaks.push(await b.meetingTokens.mintZak(user));
    for (const zak of zaks) kit.secrets.add(zak);
    kit.secrets.add(await a.accessTokens.get());
    const after = await kit.stats();
    expect(after.oauthTokensIssued - before.oauthTokensIssued).toBe(1);
    expect(after.zakMinted - before.zakMinted).toBe(16);
    expect(new Set(zaks).size).toBe(16);
  });

  it('concurrent mints in two processes cause one OAuth request', async () => {
    // Slow OAuth answers make the two processes' fetches overlap for certain.
    await kit.setLimits({ latencyMs: 300 });
    try {
      const before = await kit.stats();
      const prefix = kit.newPrefix();
      const parent = await kit.clients({}, { prefix });
      const redis = kit.redis();
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/zoom/fixtures/mint-in-child.ts'], {
        env: {
          ...process.env,
          ZOOM_SIM_URL: kit.sim.url,
          QUEUE_PREFIX: prefix,
          MINTS: '5',
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      child.stderr.on('data', (d) => {
        err += String(d);
      });
      while (!out.includes('ready')) {
        if (child.exitCode !== null) throw new Error(`child exited: ${err}`);
        await sleep(10);
      }
      await redis.set(`${prefix}:test:go`, '1');
      const user = kit.credentials.serviceUser.email;
      const mine = await Promise.all(Array.from({ length: 5 }, () => parent.meetingTokens.mintZak(user)));
      const [code] = (await once(child, 'exit')) as [number];
      expect(code, err).toBe(0);
      expect(JSON.parse(out.split('\n')[1] ?? '{}')).toEqual({ minted: 5, distinct: 5 });
      expect(mine).toHaveLength(5);
      const after = await kit.stats();
      expect(after.oauthTokensIssued - before.oauthTokensIssued).toBe(1);
      expect(after.zakMinted - before.zakMinted).toBe(10);
    } finally {
      await kit.setLimits({ latencyMs: 0 });
    }
  }, 30_000);

  it('keeps the token in Redis sealed, never in clear', async () => {
    const prefix = kit.newPrefix();
    const zoom = await kit.clients({}, { prefix });
    const token = await zoom.accessTokens.get();
    kit.secrets.add(token);
    const redis = kit.redis();
    const keys = await redis.keys(`${prefix}:zoom:oauth:*`);
    expect(keys).toHaveLength(1);
    const stored = (await redis.get(keys[0] as string)) ?? '';
    expect(stored.startsWith('v1.')).toBe(true);
    expect(stored).not.toContain(token);
  });

  it('refuses wrong credentials with zoom_auth_invalid_credentials and no secret in the error', async () => {
    const zoom = await kit.clients({ ZOOM_CLIENT_SECRET: 'wrong-secret-value-123' });
    const error = await zoom.meetingTokens
      .mintZak(kit.credentials.serviceUser.email)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoomAuthInvalidCredentialsError);
    expect((error as ZoomAuthInvalidCredentialsError).retryable).toBe(false);
    const serialized = JSON.stringify(error) + String((error as Error).stack);
    expect(serialized).not.toContain('wrong-secret-value-123');
    expect(serialized).not.toContain(
      Buffer.from(`${kit.credentials.clientId}:wrong`).toString('base64').slice(0, 12),
    );
  });

  it('an OAuth 429 is zoom_rate_limited and retryable, and the next try gets a token', async () => {
    const zoom = await kit.clients({}, { prefix: kit.newPrefix() });
    const fault = await fetch(`${kit.sim.url}/_sim/faults`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ oauth: { status: 429, count: 1 } }),
    });
    expect(fault.status).toBe(200);
    const error = await zoom.accessTokens.get().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'zoom_rate_limited', retryable: true });
    kit.secrets.add(await zoom.accessTokens.get());
  });

  it('recovers from a revoked token (401 code 124) by fetching a fresh one once', async () => {
    // Another sim with the same credentials issues a token this sim does not know: as if revoked.
    const other = await startTestSim();
    try {
      const prefix = kit.newPrefix();
      const stale = await kit.clients({ ZOOM_SIM_URL: other.url }, { prefix });
      kit.secrets.add(await stale.accessTokens.get());
      const before = await kit.stats();
      const zoom = await kit.clients({}, { prefix });
      const zak = await zoom.meetingTokens.mintZak(kit.credentials.serviceUser.email);
      kit.secrets.add(zak);
      const after = await kit.stats();
      expect(after.oauthTokensIssued - before.oauthTokensIssued).toBe(1);
      expect(after.zakMinted - before.zakMinted).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('access token refresh', () => {
  const kit = useZoomKit({ accessTokenTtlSec: 2 });

  it('refreshes ahead of expiry and reuses the token until then', async () => {
    const zoom = await kit.clients();
    const before = await kit.stats();
    const first = await zoom.accessTokens.get();
    await sleep(300);
    expect(await zoom.accessTokens.get()).toBe(first);
    // 20% of a 2 s lifetime: refreshed from 1.6 s, while the old token is still valid until 2 s.
    await sleep(1400);
    const second = await zoom.accessTokens.get();
    expect(second).not.toBe(first);
    await zoom.meetingTokens.mintZak(kit.credentials.serviceUser.email);
    const after = await kit.stats();
    expect(after.oauthTokensIssued - before.oauthTokensIssued).toBe(2);
    kit.secrets.add(first);
    kit.secrets.add(second);
  });
});

describe('a Zoom that keeps refusing the token', () => {
  const kit = useZoomKit();

  it('fetches a fresh token once, then fails with zoom_access_token_rejected', async () => {
    let oauthRequests = 0;
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/oauth/token')) {
        oauthRequests += 1;
        res.end(JSON.stringify({ access_token: `token-${oauthRequests}-abcdef`, expires_in: 3600 }));
        return;
      }
      res.statusCode = 401;
      res.end(JSON.stringify({ code: 124, message: 'Invalid access token.' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const redis = kit.redis();
      const prefix = kit.newPrefix();
      const http = new ZoomHttp({ retries: 0 });
      const tokens = new AccessTokenProvider({
        http,
        oauthBase: base,
        credentials: { accountId: 'a', clientId: 'c', clientSecret: 'refusing-zoom-secret' },
        redis,
        prefix,
      });
      const api = new ZoomApi({
        http,
        apiBase: `${base}/v2`,
        tokens,
        budget: new RateBudget({ redis, prefix, plan: 'pro' }),
      });
      const error = await new MeetingTokens(api).mintZak('bot@example.com').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZoomAccessTokenRejectedError);
      expect((error as ZoomAccessTokenRejectedError).zoomCode).toBe(124);
      expect(oauthRequests).toBe(2);
    } finally {
      server.close();
    }
  });
});
