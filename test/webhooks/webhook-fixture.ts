import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import { createLogger, type Logger } from '../../runner/log/logger.js';
import { BotStore } from '../../runner/queue/bot-store.js';
import { resolveJobCrypto } from '../../runner/queue/job-crypto.js';
import { sealWebhookUrl } from '../../runner/queue/sealed-webhook-url.js';
import {
  startWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookSettings,
} from '../../runner/webhooks/webhook-dispatcher.js';
import type { WebhookMetrics } from '../../runner/webhooks/webhook-metrics.js';
import { DEFAULT_TENANT } from '../../shared/tenant.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../testkit/redis.js';

export const SECRET = 'webhook-test-secret';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; createdAt: string; bot: { id: string; state: string } };
  receivedAt: number;
}

/** Answers a request: status, and how long to wait before answering. */
export type Answer = (request: Received, nthForPath: number) => { status: number; delayMs?: number };

/** A webhook receiver on 127.0.0.1 that records every request; closed when the test ends. */
export async function startReceiver(answer: Answer = () => ({ status: 200 })) {
  const received: Received[] = [];
  const load = { open: 0, maxOpen: 0 };
  const server = createServer((req, res) => {
    load.open += 1;
    load.maxOpen = Math.max(load.maxOpen, load.open);
    res.on('close', () => {
      load.open -= 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const request: Received = {
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: JSON.parse(raw),
        receivedAt: Date.now(),
      };
      received.push(request);
      const { status, delayMs = 0 } = answer(request, received.filter((r) => r.path === request.path).length);
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    origin,
    received,
    /** Requests not yet answered or abandoned now, and the most there ever were at once. */
    load,
    /** Requests to `path`, in arrival order. */
    at: (path: string) => received.filter((r) => r.path === path),
  };
}

export interface Rig {
  prefix: string;
  redis: Redis;
  /** The bot store of a process without WEBHOOK_URL. */
  store: BotStore;
  /** The bot store of a process with this WEBHOOK_URL: the events it records go there too. */
  storeWith(webhookUrl: string): BotStore;
  logLines: string[];
  logger: Logger;
  /**
   * A dispatcher of this prefix. It delivers each event where its recorder said (see `storeWith`):
   * a dispatcher has no WEBHOOK_URL of its own.
   */
  start(options: {
    /** The receivers' origins: OUTBOUND_URL_ALLOWLIST. */
    origin: string | readonly string[];
    settings?: WebhookSettings;
    metrics?: WebhookMetrics;
  }): WebhookDispatcher;
}

/** A fresh prefix, a bot store on it, and dispatchers closed (and keys removed) after the test. */
export function createRig(): Rig {
  const redis = connectTestRedis();
  const prefix = uniquePrefix();
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  const dispatchers: WebhookDispatcher[] = [];
  onTestFinished(async () => {
    for (const dispatcher of dispatchers) await dispatcher.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return {
    prefix,
    redis,
    store: storeOn(redis, prefix),
    storeWith: (webhookUrl) => storeOn(redis, prefix, webhookUrl),
    logLines,
    logger,
    start: ({ origin, settings, metrics }) => {
      const dispatcher = startWebhookDispatcher({
        redis,
        redisUrl: TEST_REDIS_URL,
        prefix,
        logger,
        ...(metrics ? { metrics } : {}),
        config: {
          WEBHOOK_SECRET: SECRET,
          OUTBOUND_URL_ALLOWLIST: typeof origin === 'string' ? [origin] : [...origin],
        },
        settings: {
          timeoutMs: 500,
          backoffBaseMs: 50,
          backoffMaxMs: 200,
          maxAttempts: 4,
          blockMs: 200,
          sweepMs: 500,
          ...settings,
        },
      });
      dispatchers.push(dispatcher);
      return dispatcher;
    },
  };
}

/** Where each rig's store lives: a bot's webhook URL is sealed with its deployment's job key. */
const storeHomes = new WeakMap<BotStore, { redis: Redis; prefix: string }>();

function storeOn(redis: Redis, prefix: string, globalWebhookUrl?: string): BotStore {
  const store = new BotStore({ redis, prefix, globalWebhookUrl });
  storeHomes.set(store, { redis, prefix });
  return store;
}

/** Creates a bot (its `queued` event) with its own webhook URL, sealed as `BotService` does. */
export async function createBot(store: BotStore, webhookUrl?: string): Promise<string> {
  const id = randomUUID();
  const home = storeHomes.get(store);
  if (!home) throw new Error('createBot takes a store made by createRig');
  const crypto = await resolveJobCrypto(home);
  await store.create({
    id,
    tenant: DEFAULT_TENANT,
    meetingNumber: '123456789',
    displayName: 'Bot',
    state: 'queued',
    createdMs: Date.now(),
    webhook: webhookUrl === undefined ? undefined : sealWebhookUrl(crypto, id, webhookUrl),
  });
  return id;
}

export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const types = (requests: Received[]) => requests.map((r) => r.body.type);
