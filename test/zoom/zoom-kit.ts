import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Config } from '../../runner/config/config-table.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { createLogger, type Logger } from '../../runner/log/logger.js';
import {
  createZoomClients,
  resolveZoomCredentials,
  type ZoomClients,
} from '../../runner/zoom/zoom-credentials.js';
import { deletePrefix } from '../../testkit/redis.js';
import { type SimCredentials, startTestSim } from '../../testkit/sim.js';
import { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import type { JoinParams } from '../../zoom-sim/protocol.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import type { SimConfig } from '../../zoom-sim/sim-config.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** `GET /_sim/stats` counters the tests read. */
export interface SimStats {
  oauthTokensIssued: number;
  zakMinted: number;
  obfMinted: number;
  rateLimited: number;
}

/**
 * One zoom-sim per test file; per test a fresh `QUEUE_PREFIX`, Redis connection and captured logger.
 * After each test: the prefix's keys are deleted, and no captured log line may contain a secret the
 * test saw (the sim's client and SDK secrets, plus whatever the test registers in `secrets`).
 */
export function useZoomKit(simOverrides: Partial<SimConfig> = {}) {
  let sim: RunningSim | undefined;
  let credentials: SimCredentials | undefined;
  const perTest: { redis: Redis[]; prefixes: string[] } = { redis: [], prefixes: [] };
  const lines: string[] = [];
  const secrets = new Set<string>();

  beforeAll(async () => {
    sim = await startTestSim(simOverrides);
    const response = await fetch(`${sim.url}/_sim/credentials`);
    if (response.status !== 200) throw new Error(`credentials: ${response.status} ${await response.text()}`);
    credentials = (await response.json()) as SimCredentials;
  });
  afterEach(async () => {
    const seen = [...secrets, credentials?.clientSecret, credentials?.sdkSecret].filter(
      (s): s is string => typeof s === 'string' && s.length >= 8,
    );
    const leaks = lines.filter((line) => seen.some((secret) => line.includes(secret)));
    lines.length = 0;
    secrets.clear();
    for (const redis of perTest.redis.splice(0)) redis.disconnect();
    // Child processes (doctor, the second runner) write under the test's prefixes too.
    const cleaner = new Redis(REDIS_URL);
    try {
      for (const prefix of perTest.prefixes.splice(0)) await deletePrefix(cleaner, prefix);
    } finally {
      cleaner.disconnect();
    }
    expect(leaks, 'log lines containing a secret').toEqual([]);
  });
  afterAll(async () => {
    await sim?.close();
  });

  const running = (): RunningSim => {
    if (!sim) throw new Error('sim not started');
    return sim;
  };
  const kit = {
    get sim(): RunningSim {
      return running();
    },
    get credentials(): SimCredentials {
      if (!credentials) throw new Error('sim not started');
      return credentials;
    },
    /** Every log line the kit's loggers wrote in this test. */
    lines,
    /** Values the test saw (tokens, ZAKs): checked against the log lines after the test. */
    secrets,

    newPrefix(): string {
      const prefix = `zbr-test-${randomUUID()}`;
      perTest.prefixes.push(prefix);
      return prefix;
    },

    redis(): Redis {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
      perTest.redis.push(redis);
      return redis;
    },

    logger(): Logger {
      return createLogger({
        level: 'trace',
        destination: { write: (line: string) => void lines.push(line) },
      });
    },

    config(env: Record<string, string> = {}, prefix?: string): Config {
      const url = running().url;
      return loadConfig({ ZOOM_SIM_URL: url, QUEUE_PREFIX: prefix ?? kit.newPrefix(), REDIS_URL, ...env });
    },

    /** The runner's clients against this sim, as a runner process would build them. */
    async clients(
      env: Record<string, string> = {},
      options: { prefix?: string; accessToken?: { refreshAheadMs?: number } } = {},
    ): Promise<ZoomClients> {
      const config: Config = kit.config(env, options.prefix);
      const credentials = await resolveZoomCredentials(config, {
        kind: 'sim',
        simUrl: config.ZOOM_SIM_URL ?? running().url,
      });
      return createZoomClients({
        config,
        credentials,
        redis: kit.redis(),
        logger: kit.logger(),
        http: { retries: 1, backoffMs: 20 },
        ...(options.accessToken ? { accessToken: options.accessToken } : {}),
      });
    },

    async stats(): Promise<SimStats> {
      const response = await fetch(`${running().url}/_sim/stats`);
      if (response.status !== 200) throw new Error(`stats: ${response.status} ${await response.text()}`);
      return (await response.json()) as SimStats;
    },

    async setLimits(body: Record<string, unknown>): Promise<void> {
      const response = await fetch(`${running().url}/_sim/limits`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== 200) throw new Error(`set limits: ${response.status} ${await response.text()}`);
    },

    async createMeeting(settings: Record<string, unknown> = {}): Promise<string> {
      const response = await fetch(`${running().url}/_sim/meetings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(settings),
      });
      if (response.status !== 201)
        throw new Error(`create meeting: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { number: string }).number;
    },

    async addHuman(meetingNumber: string, userName: string, userId?: string): Promise<void> {
      const response = await fetch(`${running().url}/_sim/meetings/${meetingNumber}/humans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userName, ...(userId ? { userId } : {}) }),
      });
      if (response.status !== 201) throw new Error(`add human: ${response.status} ${await response.text()}`);
    },
  };
  return kit;
}

/** Joins over the sim's participant WebSocket; the caller leaves (`participant.close()`). */
export async function joinSim(simUrl: string, params: JoinParams): Promise<SimParticipant> {
  return SimParticipant.join(simUrl, params);
}
