import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BotState } from '../../shared/bot-states.js';
import { BOT_VIEW_EVENT_LIMIT, type BotView, botViewSchema } from '../../shared/bot-view.js';
import { DEFAULT_TENANT } from '../../shared/tenant.js';
import { meetingEventKeys } from '../meeting-events/meeting-event-keys.js';
import { evalScript } from '../redis/eval-script.js';
import type { BotRecorder, RecordFence, StateChange } from '../supervisor/ports.js';
import { type BotListPage, type BotListQuery, listBots } from './bot-list.js';
import type { BotQueue } from './bot-queue.js';
import { CREATE_SCRIPT, RECORD_SCRIPT } from './bot-store-scripts.js';
import { type QueueKeys, queueKeys } from './queue-names.js';
import type { SealedWebhookUrl } from './sealed-webhook-url.js';

/** Ended bots stay readable (API, `--follow`, webhooks' retries) this long by default. */
export const DEFAULT_ENDED_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Entries kept in `<prefix>:bot-events-stream` (approximately: `MAXLEN ~`). It only has to cover
 * the backlog of a webhook dispatcher that is down or behind; at a few KB per entry this bounds the
 * stream to tens of MB (Redis runs `noeviction`, so nothing may grow without bound).
 */
export const BOT_EVENTS_STREAM_MAXLEN = 10_000;

export const storedBotSchema = z.object({
  view: botViewSchema,
  meta: z.object({
    createdMs: z.number(),
    dedupe: z.string().optional(),
    claim: z.string().optional(),
    wasIn: z.boolean().optional(),
    /**
     * When the bot was first `in_meeting`, in any worker's run (ISO): `max_duration` counts from it
     * across handoffs, takeovers and rejoins. Set once, by `RECORD_SCRIPT`.
     */
    firstInMeetingAt: z.iso.datetime().optional(),
    /**
     * The request's `webhookUrl`, sealed (a receiver's URL is often its credential), with its receiver
     * origin (runner/queue/sealed-webhook-url.ts): copied into each stream entry for the pump. Records
     * from before URLs were sealed hold the URL in clear and no origin.
     */
    webhookUrl: z.string().optional(),
    webhookOrigin: z.string().optional(),
  }),
});
export type StoredBot = z.infer<typeof storedBotSchema>;

export interface BotStoreOptions {
  redis: Redis;
  prefix: string;
  /** How long an ended bot's view is kept (default 7 days). */
  endedRetentionMs?: number;
  /**
   * When given, every recorded view is also written as the bot job's progress, so the dashboard
   * shows state and events live. Best effort: the job may be gone (left while queued, removed by
   * age), and the view in the store is the one the API answers from.
   */
  queue?: BotQueue;
  /**
   * This process's WEBHOOK_URL: written into every event it records (stream field `global`) as the
   * event's global destination. Destinations are fixed when an event is recorded, so a WEBHOOK_URL
   * set later never receives older events (docs/contract.md §7).
   */
  globalWebhookUrl?: string | undefined;
  now?: () => number;
}

export interface NewBot {
  id: string;
  /** The tenant of the key that asked for it (docs/contract.md §10). */
  tenant: string;
  /** Refuse the bot (`quota`) while `tenant` holds this many live bots; undefined: no limit. */
  maxLiveBots?: number | undefined;
  meetingNumber: string;
  displayName: string;
  state: Extract<BotState, 'queued' | 'scheduled'>;
  createdMs: number;
  dedupeKey?: string | undefined;
  /** The Zoom user this bot will be in its meeting as, when that is known at enqueue. */
  zoomUser?: string | undefined;
  /** Receives this bot's webhooks (docs/contract.md §7), besides WEBHOOK_URL: sealed. */
  webhook?: SealedWebhookUrl | undefined;
}

export type CreateOutcome =
  | { kind: 'created'; view: BotView }
  /** A live bot already holds the dedupe key. */
  | { kind: 'duplicate'; existingId: string }
  /** A live bot already holds the Zoom user in this meeting. */
  | { kind: 'conflict'; existingId: string }
  /** The tenant already holds `maxLiveBots` live bots. */
  | { kind: 'quota'; live: number }
  | { kind: 'exists' };

/**
 * The bot views of docs/contract.md §4 in Redis, and the production `BotRecorder`. Each bot is one JSON
 * string (`<prefix>:botview:<id>`), listed through sorted sets by creation time, overall and per
 * state, and the same per tenant (docs/contract.md §10), with a set of each tenant's live bots for
 * its quota; every change is one Lua script that also publishes `{id, state, at, view}` on
 * `<prefix>:bot-events` and appends it to the capped stream `<prefix>:bot-events-stream` (what
 * webhooks are delivered from: pub/sub loses whatever arrives while nobody listens), with the
 * event's webhook destinations (the bot's `webhookUrl`, this process's WEBHOOK_URL).
 *
 * When a change ends a bot, the script also releases its dedupe key and same-user claim, so the
 * worker need not: recording `ended` is the one call that finishes a bot.
 */
export class BotStore implements BotRecorder {
  readonly keys: QueueKeys;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private readonly globalWebhookUrl: string;

  constructor(private readonly options: BotStoreOptions) {
    this.keys = queueKeys(options.prefix);
    this.retentionMs = options.endedRetentionMs ?? DEFAULT_ENDED_RETENTION_MS;
    this.now = options.now ?? Date.now;
    this.globalWebhookUrl = options.globalWebhookUrl ?? '';
  }

  /**
   * Admits a new bot atomically with its dedupe key, same-user claim and its tenant's live-bot limit
   * (see `CREATE_SCRIPT`).
   */
  async create(bot: NewBot): Promise<CreateOutcome> {
    const at = new Date(bot.createdMs).toISOString();
    const view: BotView = {
      id: bot.id,
      tenant: bot.tenant,
      state: bot.state,
      meetingNumber: bot.meetingNumber,
      displayName: bot.displayName,
      attempts: 0,
      rejoins: 0,
      createdAt: at,
      updatedAt: at,
      events: [{ at, state: bot.state }],
    };
    const dedupe = bot.dedupeKey === undefined ? '' : this.keys.dedupe(bot.tenant, bot.dedupeKey);
    const claim = bot.zoomUser === undefined ? '' : this.keys.claim(bot.meetingNumber, bot.zoomUser);
    const record: StoredBot = {
      view,
      meta: {
        createdMs: bot.createdMs,
        ...(dedupe ? { dedupe } : {}),
        ...(claim ? { claim } : {}),
        ...(bot.webhook !== undefined
          ? {
              webhookUrl: bot.webhook.sealed,
              webhookOrigin: bot.webhook.origin,
            }
          : {}),
      },
    };
    const [kind, id] = (await evalScript(
      this.options.redis,
      CREATE_SCRIPT,
      7,
      this.keys.bot(bot.id),
      this.keys.allIndex,
      this.keys.stateIndex(bot.state),
      this.keys.eventsStream,
      this.keys.tenantIndex(bot.tenant),
      this.keys.tenantStateIndex(bot.tenant, bot.state),
      this.keys.tenantLive(bot.tenant),
      bot.id,
      JSON.stringify(record),
      bot.createdMs,
      dedupe,
      claim,
      this.keys.botPrefix,
      this.keys.eventsChannel,
      JSON.stringify({ id: bot.id, state: bot.state, at, view }),
      BOT_EVENTS_STREAM_MAXLEN,
      bot.webhook?.sealed ?? '',
      this.globalWebhookUrl,
      bot.maxLiveBots ?? '',
      bot.webhook?.origin ?? '',
    )) as [string, string];
    if (kind === 'created') return { kind, view };
    if (kind === 'duplicate') return { kind, existingId: id };
    if (kind === 'conflict') return { kind, existingId: id };
    if (kind === 'quota') return { kind, live: Number(id) };
    return { kind: 'exists' };
  }

  /**
   * `BotRecorder`: the supervisor's progress. Unknown bots are ignored (their view expired); a fenced
   * write whose lock token is no longer the job's lock is dropped (the bot has another owner).
   */
  async record(botId: string, change: StateChange, fence?: RecordFence): Promise<void> {
    await this.apply(botId, change, fence);
  }

  /**
   * Records a change and returns the view after it (unchanged when ignored or fenced; undefined if
   * unknown).
   */
  async apply(botId: string, change: StateChange, fence?: RecordFence): Promise<BotView | undefined> {
    const [outcome, json] = (await evalScript(
      this.options.redis,
      RECORD_SCRIPT,
      5,
      this.keys.bot(botId),
      this.keys.allIndex,
      this.keys.leave(botId),
      this.keys.eventsStream,
      this.keys.jobLock(botId),
      botId,
      JSON.stringify(change),
      new Date(this.now()).toISOString(),
      this.retentionMs,
      BOT_VIEW_EVENT_LIMIT,
      this.keys.stateIndexPrefix,
      this.keys.eventsChannel,
      this.keys.botPrefix,
      BOT_EVENTS_STREAM_MAXLEN,
      fence?.lockToken ?? '',
      this.globalWebhookUrl,
      this.keys.tenantPrefix,
      DEFAULT_TENANT,
      meetingEventKeys(this.options.prefix).head,
    )) as [string, string];
    if (outcome === 'missing') return undefined;
    const view = botViewSchema.parse(JSON.parse(json));
    if (outcome === 'recorded') await this.mirrorToJob(view);
    return view;
  }

  async get(id: string): Promise<BotView | undefined> {
    return (await this.getStored(id))?.view;
  }

  async getStored(id: string): Promise<StoredBot | undefined> {
    const raw = await this.options.redis.get(this.keys.bot(id));
    return raw === null ? undefined : storedBotSchema.parse(JSON.parse(raw));
  }

  /** Newest first; `cursor` is the opaque `nextCursor` of the previous page. */
  async list(query: BotListQuery): Promise<BotListPage> {
    return listBots(this.options.redis, this.keys, query);
  }

  private async mirrorToJob(view: BotView): Promise<void> {
    if (!this.options.queue) return;
    try {
      await this.options.queue.updateJobProgress(view.id, view);
    } catch {
      // The job is gone (removed on leave, or aged out): the store's view is the one that counts.
    }
  }
}
