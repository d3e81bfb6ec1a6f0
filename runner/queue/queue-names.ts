import { createHash } from 'node:crypto';
import type { BotState } from '../../shared/bot-states.js';
import { DEFAULT_TENANT } from '../../shared/tenant.js';

/** The one BullMQ queue of bot jobs. BullMQ keeps it under `<prefix>:bots:*`. */
export const BOT_QUEUE_NAME = 'bots';
/** Job name of every bot job (BullMQ wants one; the data says what to do). */
export const BOT_JOB_NAME = 'join';

/**
 * BullMQ priorities: lower runs first, 0 would mean "no priority" (a plain FIFO list that BullMQ
 * serves before every prioritized job), so both kinds are prioritized and a rejoin always beats a
 * new join. Rejoins keep a bot's seat in a meeting it was already in; new joins can wait a moment.
 */
export const REJOIN_PRIORITY = 1;
export const NEW_JOIN_PRIORITY = 1000;

/**
 * Redis layout of the queue layer, next to BullMQ's own `<prefix>:bots:*` keys (never under them:
 * BullMQ owns that namespace and its job keys are `<prefix>:bots:<jobId>`).
 */
export function queueKeys(prefix: string) {
  return {
    /** JSON `{view, meta}` of one bot; expires a while after the bot ended. */
    bot: (id: string) => `${prefix}:botview:${id}`,
    botPrefix: `${prefix}:botview:`,
    /** Sorted set id → createdAt ms, every bot whose view is kept. */
    allIndex: `${prefix}:botindex:all`,
    /** Sorted set id → createdAt ms, bots now in `state`. */
    stateIndex: (state: BotState) => `${prefix}:botindex:state:${state}`,
    stateIndexPrefix: `${prefix}:botindex:state:`,
    /**
     * The live bot holding a tenant's `dedupeKey` (hashed: keys are caller text of any shape). One
     * per tenant (docs/contract.md §10); tenant `default` keeps the key it had before tenants existed.
     */
    dedupe: (tenant: string, dedupeKey: string) =>
      tenant === DEFAULT_TENANT
        ? `${prefix}:dedupe:${sha256(dedupeKey)}`
        : `${prefix}:tenant:${tenant}:dedupe:${sha256(dedupeKey)}`,
    /** Sorted set id → createdAt ms, every bot of one tenant whose view is kept. */
    tenantIndex: (tenant: string) => `${prefix}:tenant:${tenant}:botindex:all`,
    /** Sorted set id → createdAt ms, bots of one tenant now in `state`. */
    tenantStateIndex: (tenant: string, state: BotState) =>
      `${prefix}:tenant:${tenant}:botindex:state:${state}`,
    /** Set of one tenant's live bots (every state but `ended`): its live-bot quota counts these. */
    tenantLive: (tenant: string) => `${prefix}:tenant:${tenant}:live`,
    /** `<tenantPrefix><tenant>:` heads the three above (the scripts build them from a view's tenant). */
    tenantPrefix: `${prefix}:tenant:`,
    /** The live bot holding a Zoom user in a meeting (docs/contract.md §3: one user, one seat). */
    claim: (meetingNumber: string, user: string) => `${prefix}:claim:${meetingNumber}:${sha256(user)}`,
    /** Set when a leave was asked for: read by the worker holding the bot, even after a missed message. */
    leave: (id: string) => `${prefix}:leave:${id}`,
    /** Pub/sub: every state change, JSON `{id, state, at, view}`. */
    eventsChannel: `${prefix}:bot-events`,
    /**
     * Capped stream of the same changes (fields `id`, `event` = the pub/sub message, `url` = the
     * bot's webhookUrl sealed or '', `origin` its receiver origin (runner/queue/sealed-webhook-url.ts),
     * `global` = the recorder's WEBHOOK_URL or ''), written in the same script: the durable source of
     * webhooks.
     */
    eventsStream: `${prefix}:bot-events-stream`,
    /**
     * BullMQ's lock of a bot's job (its value is the holding worker's token): read, never written, by
     * the store to fence writes from a worker that lost the bot.
     */
    jobLock: (id: string) => `${prefix}:${BOT_QUEUE_NAME}:${id}:lock`,
    /** BullMQ's hash of a bot's job (the job id is the bot id): read by the reconciler and the stall reset. */
    job: (id: string) => `${prefix}:${BOT_QUEUE_NAME}:${id}`,
    /** `<prefix>:bots:`: heads every key of BullMQ's queue (a job's is `<jobHead><id>`). */
    jobHead: `${prefix}:${BOT_QUEUE_NAME}:`,
    /**
     * One of BullMQ's own keys of the queue (`active`, `wait`, `stalled`, `stalled-check`…): read by
     * the reconciler, written only where BullMQ's stall recovery is handed a dead worker's jobs.
     */
    bullmq: (name: string) => `${prefix}:${BOT_QUEUE_NAME}:${name}`,
    /** Sorted set worker id → lease expiry (ms, Redis's clock): one lease per live worker. */
    workerLeases: `${prefix}:workers:leases`,
    /** Hash worker id → when the gone-worker watch last saw its lease connection (ms, Redis's clock). */
    workersSeen: `${prefix}:workers:seen`,
    /** Lease of the one process running the gone-worker watch. */
    workersWatchLeader: `${prefix}:workers:watch-leader`,
    /** Pub/sub: ids of bots asked to leave. */
    leaveChannel: `${prefix}:bot-leave`,
    /** Per-deployment random key material when no JOB_ENCRYPTION_KEY is configured (sim/embedded). */
    randomJobKey: `${prefix}:job-key:random`,
    /** Present once any process ran with JOB_ENCRYPTION_KEY: key-less producers are then refused. */
    configuredJobKey: `${prefix}:job-key:configured`,
  };
}
export type QueueKeys = ReturnType<typeof queueKeys>;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
