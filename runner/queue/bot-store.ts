import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BotState } from '../../shared/bot-states.js';
import { BOT_VIEW_EVENT_LIMIT, type BotView, botViewSchema } from '../../shared/bot-view.js';
import type { BotRecorder, StateChange } from '../supervisor/ports.js';
import { type BotListPage, type BotListQuery, listBots } from './bot-list.js';
import type { BotQueue } from './bot-queue.js';
import { CREATE_SCRIPT, RECORD_SCRIPT } from './bot-store-scripts.js';
import { type QueueKeys, queueKeys } from './queue-names.js';

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
    /** The request's `webhookUrl` (not secret), copied into each stream entry for the dispatcher. */
    webhookUrl: z.string().optional(),
  }),
});
type StoredBot = z.infer<typeof storedBotSchema>;

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
  now?: () => number;
}

export interface NewBot {
  id: string;
  meetingNumber: string;
  displayName: string;
  state: Extract<BotState, 'queued' | 'scheduled'>;
  createdMs: number;
  dedupeKey?: string | undefined;
  /** The Zoom user this bot will be in its meeting as, when that is known at enqueue. */
  zoomUser?: string | undefined;
  /** Receives this bot's webhooks (contract §7), besides WEBHOOK_URL. */
  webhookUrl?: string | undefined;
}

export type CreateOutcome =
  | { kind: 'created'; view: BotView }
  /** A live bot already holds the dedupe key. */
  | { kind: 'duplicate'; existingId: string }
  /** A live bot already holds the Zoom user in this meeting. */
  | { kind: 'conflict'; existingId: string }
  | { kind: 'exists' };

/**
 * The bot views of contract §4 in Redis, and the production `BotRecorder`. Each bot is one JSON
 * string (`<prefix>:botview:<id>`), listed through sorted sets by creation time, overall and per
 * state; every change is one Lua script that also publishes `{id, state, at, view}` on
 * `<prefix>:bot-events` and appends it to the capped stream `<prefix>:bot-events-stream` (what
 * webhooks are delivered from: pub/sub loses whatever arrives while nobody listens).
 *
 * When a change ends a bot, the script also releases its dedupe key and same-user claim, so the
 * worker need not: recording `ended` is the one call that finishes a bot.
 */
export class BotStore implements BotRecorder {
  readonly keys: QueueKeys;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(private readonly options: BotStoreOptions) {
    this.keys = queueKeys(options.prefix);
    this.retentionMs = options.endedRetentionMs ?? DEFAULT_ENDED_RETENTION_MS;
    this.now = options.now ?? Date.now;
  }

  /** Admits a new bot atomically with its dedupe key and same-user claim (see `CREATE_SCRIPT`). */
  async create(bot: NewBot): Promise<CreateOutcome> {
    const at = new Date(bot.createdMs).toISOString();
    const view: BotView = {
      id: bot.id,
      state: bot.state,
      meetingNumber: bot.meetingNumber,
      displayName: bot.displayName,
      attempts: 0,
      rejoins: 0,
      createdAt: at,
      updatedAt: at,
      events: [{ at, state: bot.state }],
    };
    const dedupe = bot.dedupeKey === undefined ? '' : this.keys.dedupe(bot.dedupeKey);
    const claim = bot.zoomUser === undefined ? '' : this.keys.claim(bot.meetingNumber, bot.zoomUser);
    const record: StoredBot = {
      view,
      meta: {
        createdMs: bot.createdMs,
        ...(dedupe ? { dedupe } : {}),
        ...(claim ? { claim } : {}),
        ...(bot.webhookUrl !== undefined ? { webhookUrl: bot.webhookUrl } : {}),
      },
    };
    const [kind, id] = (await this.options.redis.eval(
      CREATE_SCRIPT,
      4,
      this.keys.bot(bot.id),
      this.keys.allIndex,
      this.keys.stateIndex(bot.state),
      this.keys.eventsStream,
      bot.id,
      JSON.stringify(record),
      bot.createdMs,
      dedupe,
      claim,
      this.keys.botPrefix,
      this.keys.eventsChannel,
      JSON.stringify({ id: bot.id, state: bot.state, at, view }),
      BOT_EVENTS_STREAM_MAXLEN,
      bot.webhookUrl ?? '',
    )) as [string, string];
    if (kind === 'created') return { kind, view };
    if (kind === 'duplicate') return { kind, existingId: id };
    if (kind === 'conflict') return { kind, existingId: id };
    return { kind: 'exists' };
  }

  /** `BotRecorder`: the supervisor's progress. Unknown bots are ignored (their view expired). */
  async record(botId: string, change: StateChange): Promise<void> {
    await this.apply(botId, change);
  }

  /** Records a change and returns the view after it (unchanged when ignored; undefined if unknown). */
  async apply(botId: string, change: StateChange): Promise<BotView | undefined> {
    const [outcome, json] = (await this.options.redis.eval(
      RECORD_SCRIPT,
      4,
      this.keys.bot(botId),
      this.keys.allIndex,
      this.keys.leave(botId),
      this.keys.eventsStream,
      botId,
      JSON.stringify(change),
      new Date(this.now()).toISOString(),
      this.retentionMs,
      BOT_VIEW_EVENT_LIMIT,
      this.keys.stateIndexPrefix,
      this.keys.eventsChannel,
      this.keys.botPrefix,
      BOT_EVENTS_STREAM_MAXLEN,
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
