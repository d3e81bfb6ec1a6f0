import { DelayedError, Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/config-table.js';
import { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import type { Logger } from '../log/logger.js';
import { webhookUrlOpener } from '../queue/sealed-webhook-url.js';
import { evalScript } from '../redis/eval-script.js';
import { connectRedis } from '../redis/redis-connection.js';
import { OriginSlots } from './origin-slots.js';
import { receiverOrigin } from './receiver-origin.js';
import {
  backoffMs,
  type DeliverOptions,
  type DeliveryOutcome,
  deliver,
  type LaneItem,
  laneItemSchema,
} from './webhook-delivery.js';
import { type WEBHOOK_JOB_NAME, WEBHOOK_QUEUE_NAME, type WebhookKeys, webhookKeys } from './webhook-keys.js';
import type { WebhookMetrics, WebhookOutcomeLabel } from './webhook-metrics.js';
import { type LaneJobData, WebhookPump, type WebhookQueue } from './webhook-pump.js';
import { FINISH_SCRIPT, POP_SCRIPT } from './webhook-scripts.js';

export const webhookSettingsSchema = z.object({
  /** Limit of one POST; a receiver slower than this counts as a timeout and is retried. */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Tries of one event before it is given up (logged, counted) and the lane moves on. */
  maxAttempts: z.number().int().min(1).default(10),
  /** First retry delay; doubled per failed try up to `backoffMaxMs` (10 tries ≈ 17 min in all). */
  backoffBaseMs: z.number().int().nonnegative().default(2_000),
  backoffMaxMs: z
    .number()
    .int()
    .nonnegative()
    .default(5 * 60_000),
  /** Lanes one process delivers at once: deliveries wait on receivers, not on CPU. */
  concurrency: z.number().int().min(1).default(50),
  /**
   * Deliveries in flight to one receiver origin, fleet-wide (WEBHOOK_ORIGIN_CONCURRENCY): a receiver
   * that never answers holds this many slots, each for `timeoutMs`, and no more.
   */
  originConcurrency: z.number().int().min(1).default(8),
  /**
   * Pending deliveries kept per receiver origin (WEBHOOK_ORIGIN_BACKLOG); past it the oldest are
   * dropped (counted in `zbr_webhook_dropped_total`, logged with the origin).
   */
  originBacklogMax: z.number().int().min(1).default(10_000),
  /**
   * Longest a lane parked for a slot of its origin waits before it asks again: it is woken as soon as
   * it is handed a slot, so this only bounds a lost wake-up (a process that died in between).
   */
  originWaitMs: z.number().int().min(1).default(10_000),
  /** Stream entries moved per script call. */
  batchSize: z.number().int().min(1).default(200),
  /** Longest XREAD BLOCK. */
  blockMs: z.number().int().min(1).default(5_000),
  /** How often lanes without a job (a process died between two steps) get one again. */
  sweepMs: z.number().int().min(1).default(30_000),
});
export type WebhookSettings = z.input<typeof webhookSettingsSchema>;

export interface WebhookDispatcherOptions {
  /** Commands; shared with the caller, who closes it. */
  redis: Redis;
  /** For the dispatcher's own blocking connections (BullMQ worker, stream reader). */
  redisUrl: string;
  /** QUEUE_PREFIX. */
  prefix: string;
  /**
   * No WEBHOOK_URL: an event's destinations are fixed when it is recorded (the bot store writes the
   * recorder's WEBHOOK_URL into the stream entry), not by whichever process delivers it.
   */
  config: Pick<Config, 'WEBHOOK_SECRET' | 'OUTBOUND_URL_ALLOWLIST'> &
    Partial<Pick<Config, 'JOB_ENCRYPTION_KEY'>>;
  logger: Logger;
  metrics?: WebhookMetrics;
  settings?: WebhookSettings;
}

export interface WebhookDispatcher {
  /** Stops reading and delivering (waits for deliveries in flight). Idempotent. */
  close(): Promise<void>;
}

/**
 * docs/contract.md §7 webhooks, delivered from `<prefix>:bot-events-stream`: a pump moves entries into
 * per-bot lanes (Redis lists), and a BullMQ job per busy lane delivers its head, in order, retrying
 * with backoff. Every process may run one; they share the work through Redis.
 */
export function startWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { redis, prefix, config, logger } = options;
  const secret = config.WEBHOOK_SECRET;
  if (secret === undefined) {
    // Unsigned webhooks would break docs/contract.md §7. A later start on a prefix no dispatcher has
    // read yet begins at the stream's end: what was recorded meanwhile is never delivered.
    logger.warn('WEBHOOK_SECRET is not set: webhooks are not delivered');
    return { close: async () => {} };
  }
  const settings = webhookSettingsSchema.parse(options.settings ?? {});
  const keys = webhookKeys(prefix);
  const policy = new OutboundUrlPolicy({ allowlist: config.OUTBOUND_URL_ALLOWLIST });
  // Bots' URLs are sealed with the job-data key (runner/queue/sealed-webhook-url.ts).
  const openUrl = webhookUrlOpener({ redis, prefix, jobEncryptionKey: config.JOB_ENCRYPTION_KEY });
  const queue: WebhookQueue = new Queue<LaneJobData, void, typeof WEBHOOK_JOB_NAME>(WEBHOOK_QUEUE_NAME, {
    connection: redis,
    prefix,
    // Retries of deliveries are the lane's own (see `deliverLane`); these attempts only cover
    // Redis errors. A job that still fails is removed and the sweep adds it again.
    defaultJobOptions: {
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    },
  });
  // Every connection has an error listener: ioredis prints unheard errors, one per reconnect attempt.
  const workerConnection = connectRedis(options.redisUrl, logger, 'webhook worker', {
    maxRetriesPerRequest: null,
  });
  const slots = new OriginSlots({
    redis,
    keys,
    perOrigin: settings.originConcurrency,
    // The POST's own limit, plus room for the address lookup before it.
    leaseMs: settings.timeoutMs + 5_000,
    waitingTtlMs: settings.originWaitMs * 10,
    wake: async (jobId) => {
      const parked = await Job.fromId(queue, jobId);
      if (!parked) return false;
      // Not delayed: still active (it checks for a slot handed over while it parked) or waiting.
      await parked.promote().catch(() => {});
      return true;
    },
  });
  const worker = new Worker<LaneJobData, void, typeof WEBHOOK_JOB_NAME>(
    WEBHOOK_QUEUE_NAME,
    (job, token) =>
      deliverLane({
        job,
        token,
        redis,
        keys,
        policy,
        openUrl,
        slots,
        secret,
        settings,
        logger,
        metrics: options.metrics,
      }),
    { connection: workerConnection, prefix, concurrency: settings.concurrency },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'webhook worker error'));
  const pump = new WebhookPump({
    redis,
    blocking: connectRedis(options.redisUrl, logger, 'webhook stream', { maxRetriesPerRequest: null }),
    keys,
    queue,
    batchSize: settings.batchSize,
    blockMs: settings.blockMs,
    sweepMs: settings.sweepMs,
    originBacklogMax: settings.originBacklogMax,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  pump.start();
  let closing: Promise<void> | undefined;
  const steps: [string, () => Promise<void>][] = [
    ['pump', () => pump.close()],
    ['worker', () => worker.close()],
    ['worker connection', async () => workerConnection.disconnect()],
    ['queue', () => queue.close()],
  ];
  return {
    close: () => {
      closing ??= (async () => {
        for (const [name, step] of steps) {
          try {
            await step();
          } catch (error) {
            logger.warn({ err: error, step: name }, 'webhook dispatcher close step failed');
          }
        }
      })();
      return closing;
    },
  };
}

interface LaneContext {
  job: Job<LaneJobData, void, typeof WEBHOOK_JOB_NAME>;
  token: string | undefined;
  redis: Redis;
  keys: WebhookKeys;
  policy: OutboundUrlPolicy;
  openUrl: DeliverOptions['openUrl'];
  slots: OriginSlots;
  secret: string;
  settings: z.output<typeof webhookSettingsSchema>;
  logger: Logger;
  metrics: WebhookMetrics | undefined;
}

/**
 * Delivers a lane's items head first until it is empty. A failed try parks this job (the lane's
 * only one) until its backoff is over, so later events of the bot wait behind it: order per bot.
 * Each try first takes a slot of its receiver's origin; without one the job parks until it is
 * handed one, so lanes to a dead receiver wait in Redis, not in this process's delivery slots.
 */
async function deliverLane(ctx: LaneContext): Promise<void> {
  const { job, redis, keys, settings } = ctx;
  const lane = job.data.lane;
  const laneKey = keys.lane(lane);
  // A job the lane no longer names (an old copy re-added by a sweep race) must not deliver.
  if ((await redis.get(keys.laneJob(lane))) !== job.id) return;
  for (;;) {
    const raw = await redis.lindex(laneKey, 0);
    if (raw === null) {
      const done = await evalScript(
        redis,
        FINISH_SCRIPT,
        3,
        laneKey,
        keys.laneJob(lane),
        keys.activeLanes,
        job.id ?? '',
        lane,
      );
      if (done === 1) return;
      continue;
    }
    const item = parseItem(raw);
    let label: WebhookOutcomeLabel = 'malformed';
    let outcome: DeliveryOutcome | undefined;
    if (item && (await sameAsGlobal(ctx, item))) {
      // Sent on the WEBHOOK_URL's own lane: checked before taking a slot of the origin, so it never
      // waits behind a slow receiver's deliveries.
      label = 'same_as_global';
    } else if (item) {
      const origin = item.origin ?? receiverOrigin(item.url);
      const holder = job.id ?? lane;
      if (!(await ctx.slots.acquire(origin, holder))) {
        await job.moveToDelayed(Date.now() + settings.originWaitMs, ctx.token);
        // A slot handed over between the check and the park found no delayed job to wake.
        // (The waker may have promoted it already: nothing left to do then.)
        if (await ctx.slots.holds(origin, holder)) await job.promote().catch(() => {});
        throw new DelayedError();
      }
      try {
        outcome = await deliver(item, {
          policy: ctx.policy,
          openUrl: ctx.openUrl,
          secret: ctx.secret,
          timeoutMs: settings.timeoutMs,
        });
      } finally {
        await ctx.slots.release(origin, holder);
      }
      label = outcome.kind;
      if (outcome.kind === 'retry') {
        const attempts = await redis.incr(keys.attempts(lane));
        if (attempts < settings.maxAttempts) {
          const delayMs = backoffMs(attempts, settings.backoffBaseMs, settings.backoffMaxMs);
          ctx.logger.info(
            { ...describe(item, outcome), attempts, delayMs },
            'webhook delivery failed; will retry',
          );
          ctx.metrics?.webhookDeliveries.inc({ outcome: 'retry' });
          await job.moveToDelayed(Date.now() + delayMs, ctx.token);
          throw new DelayedError();
        }
        label = 'gave_up';
      }
    }
    report(ctx, label, item, outcome);
    // Items the pump named an origin for count in that origin's backlog (older ones do not).
    const counted = item ? item.origin : looseOrigin(raw);
    await evalScript(
      redis,
      POP_SCRIPT,
      3,
      laneKey,
      keys.attempts(lane),
      keys.backlog(counted ?? ''),
      raw,
      counted === undefined ? '' : lane,
    );
  }
}

function parseItem(raw: string): LaneItem | undefined {
  try {
    return laneItemSchema.parse(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

/** The origin a malformed item was counted under, so dropping it leaves its backlog right. */
function looseOrigin(raw: string): string | undefined {
  try {
    const origin: unknown = JSON.parse(raw)?.origin;
    return typeof origin === 'string' ? origin : undefined;
  } catch {
    return undefined;
  }
}

/** One log line per event that leaves its lane; the boundary that decides is the one that logs. */
function report(
  ctx: LaneContext,
  label: WebhookOutcomeLabel,
  item: LaneItem | undefined,
  outcome: DeliveryOutcome | undefined,
): void {
  ctx.metrics?.webhookDeliveries.inc({ outcome: label });
  const fields = { lane: ctx.job.data.lane, ...(item && outcome ? describe(item, outcome) : {}) };
  if (label === 'delivered') ctx.logger.debug(fields, 'webhook delivered');
  else if (label === 'malformed') ctx.logger.error(fields, 'webhook lane item is malformed; dropped');
  else if (label === 'gave_up') ctx.logger.error(fields, 'webhook delivery failed too often; given up');
  else if (label === 'refused')
    ctx.logger.warn(fields, 'webhook URL is not allowed, or cannot be opened; event dropped');
  else if (label === 'same_as_global')
    ctx.logger.debug(fields, 'webhook URL is the WEBHOOK_URL: sent once, on its lane');
  else ctx.logger.warn(fields, 'webhook receiver rejected the event; not retried');
}

/**
 * A bot's sealed URL that opens to the WEBHOOK_URL its event also goes to (the pump cannot tell, it
 * never sees the URL): that receiver gets the event once, on the WEBHOOK_URL's lane. A URL that
 * cannot be opened here is left to `deliver`, which says why.
 */
async function sameAsGlobal(ctx: LaneContext, item: LaneItem): Promise<boolean> {
  if (item.global === undefined) return false;
  try {
    return (await ctx.openUrl(item.event.id, item.url)) === item.global;
  } catch {
    return false;
  }
}

/** Log fields without the URL's path and query, which may carry a receiver's token. */
function describe(item: LaneItem, outcome: DeliveryOutcome) {
  const origin = item.origin ?? receiverOrigin(item.url);
  const about =
    'state' in item.event ? { state: item.event.state } : { meetingEvent: item.event.meeting.type };
  return { botId: item.event.id, eventId: item.eventId, ...about, origin, outcome };
}
