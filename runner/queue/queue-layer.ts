import type { Redis } from 'ioredis';
import type { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import { MeetingEventService } from '../meeting-events/meeting-event-service.js';
import { RateBudget } from '../redis/rate-budget.js';
import { ApiKeyStore } from '../tenants/api-key-store.js';
import { type BotQueue, createBotQueue } from './bot-queue.js';
import { BotService } from './bot-service.js';
import { BotStore } from './bot-store.js';
import { type JobCrypto, resolveJobCrypto } from './job-crypto.js';
import { LeaveChannel } from './leave-channel.js';

export interface QueueLayerOptions {
  /** Commands only; the caller closes it. Workers build their own BullMQ `Worker` connection. */
  redis: Redis;
  /** QUEUE_PREFIX. */
  prefix: string;
  /** JOB_ENCRYPTION_KEY (required in Zoom mode; see `resolveJobCrypto` for sim and embedded). */
  jobEncryptionKey?: string | undefined;
  /** ZOOM_BOT_USER, for the same-user rule. */
  serviceUser?: string | undefined;
  /** Refuses disallowed webhook/callback URLs at enqueue (the API passes OUTBOUND_URL_ALLOWLIST's). */
  urlPolicy?: OutboundUrlPolicy | undefined;
  /** MAX_JOIN_AHEAD_SEC (default 30 days): a `joinAt` further ahead is refused. */
  maxJoinAheadSec?: number | undefined;
  /** How long ended bots stay readable (default 7 days). */
  endedRetentionMs?: number | undefined;
  /** CHAT_PER_BOT_PER_MIN (default 30): chat messages one bot may be asked to send per minute. */
  chatPerBotPerMin?: number | undefined;
  /** WEBHOOK_URL: the global destination of the events this process records (see `BotStore`). */
  webhookUrl?: string | undefined;
}

export interface QueueLayer {
  /** The caller's connection it runs on (read by the fleet page, runner/dashboard/fleet-routes.ts). */
  redis: Redis;
  queue: BotQueue;
  store: BotStore;
  leaves: LeaveChannel;
  service: BotService;
  /** API keys kept in Redis (docs/contract.md §10): the API authenticates with them, the worker re-checks. */
  apiKeys: ApiKeyStore;
  /** Meeting events, attendance and chat (docs/contract.md §11), scoped like `service`. */
  meetings: MeetingEventService;
  /** Resolved on first use and kept; a failed resolve is retried on the next call. */
  crypto(): Promise<JobCrypto>;
  /** Closes the BullMQ queue (not the caller's connection). Idempotent. */
  close(): Promise<void>;
}

/** The queue layer of one process (API, worker, producer library), wired once on one connection. */
export function createQueueLayer(options: QueueLayerOptions): QueueLayer {
  const { redis, prefix } = options;
  const queue = createBotQueue({ connection: redis, prefix });
  // Connection errors surface on the shared connection (see runner/redis/redis-connection.ts);
  // without a listener BullMQ prints each reconnect attempt.
  queue.on('error', () => {});
  const store = new BotStore({
    redis,
    prefix,
    queue,
    globalWebhookUrl: options.webhookUrl,
    ...(options.endedRetentionMs !== undefined ? { endedRetentionMs: options.endedRetentionMs } : {}),
  });
  const leaves = new LeaveChannel({ redis, prefix });
  let resolving: Promise<JobCrypto> | undefined;
  const crypto = (): Promise<JobCrypto> => {
    if (!resolving) {
      const attempt = resolveJobCrypto({ redis, prefix, jobEncryptionKey: options.jobEncryptionKey });
      resolving = attempt;
      attempt.catch(() => {
        if (resolving === attempt) resolving = undefined;
      });
    }
    return resolving;
  };
  const service = new BotService({
    queue,
    store,
    leaves,
    crypto,
    serviceUser: options.serviceUser,
    urlPolicy: options.urlPolicy,
    maxJoinAheadSec: options.maxJoinAheadSec,
    rateLimiter: new RateBudget({ redis, keyPrefix: `${prefix}:rate:enqueue`, windowSec: 1 }),
  });
  const meetings = new MeetingEventService({
    redis,
    prefix,
    bots: service,
    chatPerBotPerMin: options.chatPerBotPerMin,
  });
  let closing: Promise<void> | undefined;
  return {
    redis,
    queue,
    store,
    leaves,
    service,
    apiKeys: new ApiKeyStore({ redis, prefix }),
    meetings,
    crypto,
    close: () => {
      closing ??= Promise.all([queue.close(), meetings.close()]).then(() => undefined);
      return closing;
    },
  };
}
