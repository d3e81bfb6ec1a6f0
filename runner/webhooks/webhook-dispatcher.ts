import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/config-table.js';
import { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import type { Logger } from '../log/logger.js';
import {
  backoffMs,
  type DeliveryOutcome,
  deliver,
  type LaneItem,
  laneItemSchema,
} from './webhook-delivery.js';
import { type WEBHOOK_JOB_NAME, WEBHOOK_QUEUE_NAME, type WebhookKeys, webhookKeys } from './webhook-keys.js';
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
  /** Stream entries moved per script call. */
  batchSize: z.number().int().min(1).default(200),
  /** Longest XREAD BLOCK. */
  blockMs: z.number().int().min(1).default(5_000),
  /** How often lanes without a job (a process died between two steps) get one again. */
  sweepMs: z.number().int().min(1).default(30_000),
});
export type WebhookSettings = z.input<typeof webhookSettingsSchema>;

export type WebhookOutcomeLabel = DeliveryOutcome['kind'] | 'gave_up' | 'malformed';

/** Narrow port onto prom-client (`RunnerMetrics.webhookDeliveries`). */
export interface WebhookMetrics {
  webhookDeliveries: { inc(labels: { outcome: WebhookOutcomeLabel }): void };
}

export interface WebhookDispatcherOptions {
  /** Commands; shared with the caller, who closes it. */
  redis: Redis;
  /** For the dispatcher's own blocking connections (BullMQ worker, stream reader). */
  redisUrl: string;
  /** QUEUE_PREFIX. */
  prefix: string;
  config: Pick<Config, 'WEBHOOK_URL' | 'WEBHOOK_SECRET' | 'OUTBOUND_URL_ALLOWLIST'>;
  logger: Logger;
  metrics?: WebhookMetrics;
  settings?: WebhookSettings;
}

export interface WebhookDispatcher {
  /** Stops reading and delivering (waits for deliveries in flight). Idempotent. */
  close(): Promise<void>;
}

/**
 * Contract §7 webhooks, delivered from `<prefix>:bot-events-stream`: a pump moves entries into
 * per-bot lanes (Redis lists), and a BullMQ job per busy lane delivers its head, in order, retrying
 * with backoff. Every process may run one; they share the work through Redis.
 */
export function startWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { redis, prefix, config, logger } = options;
  const secret = config.WEBHOOK_SECRET;
  if (secret === undefined) {
    // Unsigned webhooks would break contract §7; the stream keeps recent events for a later start.
    logger.warn('WEBHOOK_SECRET is not set: webhooks are not delivered');
    return { close: async () => {} };
  }
  const settings = webhookSettingsSchema.parse(options.settings ?? {});
  const keys = webhookKeys(prefix);
  const policy = new OutboundUrlPolicy({ allowlist: config.OUTBOUND_URL_ALLOWLIST });
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
  const workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<LaneJobData, void, typeof WEBHOOK_JOB_NAME>(
    WEBHOOK_QUEUE_NAME,
    (job, token) =>
      deliverLane({ job, token, redis, keys, policy, secret, settings, logger, metrics: options.metrics }),
    { connection: workerConnection, prefix, concurrency: settings.concurrency },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'webhook worker error'));
  const pump = new WebhookPump({
    redis,
    blocking: new Redis(options.redisUrl, { maxRetriesPerRequest: null }),
    keys,
    queue,
    globalUrl: config.WEBHOOK_URL ?? '',
    batchSize: settings.batchSize,
    blockMs: settings.blockMs,
    sweepMs: settings.sweepMs,
    logger,
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
  secret: string;
  settings: z.output<typeof webhookSettingsSchema>;
  logger: Logger;
  metrics: WebhookMetrics | undefined;
}

/**
 * Delivers a lane's items head first until it is empty. A failed try parks this job (the lane's
 * only one) until its backoff is over, so later events of the bot wait behind it: order per bot.
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
      const done = await redis.eval(
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
    if (item) {
      outcome = await deliver(item, {
        policy: ctx.policy,
        secret: ctx.secret,
        timeoutMs: settings.timeoutMs,
      });
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
    await redis.eval(POP_SCRIPT, 2, laneKey, keys.attempts(lane), raw);
  }
}

function parseItem(raw: string): LaneItem | undefined {
  try {
    return laneItemSchema.parse(JSON.parse(raw));
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
  else if (label === 'refused') ctx.logger.warn(fields, 'webhook URL is not allowed; event dropped');
  else ctx.logger.warn(fields, 'webhook receiver rejected the event; not retried');
}

/** Log fields without the URL's path and query, which may carry a receiver's token. */
function describe(item: LaneItem, outcome: DeliveryOutcome) {
  let origin = '(invalid URL)';
  try {
    origin = new URL(item.url).origin;
  } catch {}
  return { botId: item.event.id, eventId: item.eventId, state: item.event.state, origin, outcome };
}
