import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BotView } from '../../shared/bot-view.js';
import { chatTextSchema, type MeetingEvent, participantIdSchema } from '../../shared/meeting-events.js';
import { firstFieldIssue } from '../../shared/validation.js';
import { BotRequestError } from '../queue/bot-errors.js';
import type { BotService } from '../queue/bot-service.js';
import { queueKeys } from '../queue/queue-names.js';
import { RateBudget, retryAfterSec } from '../redis/rate-budget.js';
import type { BotScope } from '../tenants/principal.js';
import type { ParticipantItem } from './attendance.js';
import { ChatChannel } from './chat-channel.js';
import { ChatRateLimitedError, NotInMeetingError } from './meeting-errors.js';
import { meetingEventKeys } from './meeting-event-keys.js';
import type { MeetingEventMetrics } from './meeting-event-metrics.js';
import { type MeetingEventPage, MeetingEventReader } from './meeting-event-reader.js';
import { MeetingEventWatch } from './meeting-event-watch.js';

/** `GET /v1/bots/:id/meeting-events` query; numbers may arrive as strings from a URL. */
export const meetingEventQuerySchema = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  /** A type (`chat.received`) or its group (`chat`). */
  type: z
    .string()
    .max(40)
    .regex(/^[a-z]+(\.[a-z]+)?$/, 'must be an event type or group, such as chat or chat.received')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type MeetingEventQueryInput = z.input<typeof meetingEventQuerySchema>;

/** `POST /v1/bots/:id/chat` body. */
export const chatBodySchema = z.strictObject({
  text: chatTextSchema.refine((text) => text.length > 0, 'must not be only control characters'),
  /** A participant id (`participantId` of the meeting events); absent: everyone. */
  to: participantIdSchema.optional(),
});
export type ChatBodyInput = z.input<typeof chatBodySchema>;

/** What a follower gets: an event, or word that nothing came for a while (SSE sends a heartbeat). */
export type FollowItem = { kind: 'event'; event: MeetingEvent } | { kind: 'idle' };

export interface FollowOptions {
  /** Events after this `seq` (a resume's `Last-Event-ID`); default 0, every kept event. */
  after?: number | undefined;
  /** Ends the iteration (the client went away). */
  signal?: AbortSignal | undefined;
  /** How long without events before an `idle` item; default 15 s. */
  idleMs?: number | undefined;
}

/** Events read per step while following: a backlog catches up in a few reads. */
const FOLLOW_PAGE = 500;
const DEFAULT_IDLE_MS = 15_000;

export interface MeetingEventServiceOptions {
  redis: Redis;
  prefix: string;
  bots: BotService;
  metrics?: MeetingEventMetrics | undefined;
  /** CHAT_PER_BOT_PER_MIN: chat messages one bot may be asked to send per minute, fleet-wide. */
  chatPerBotPerMin?: number | undefined;
}

/** CHAT_PER_BOT_PER_MIN's default: a bot that talks more than this disturbs its meeting. */
export const DEFAULT_CHAT_PER_BOT_PER_MIN = 30;

/**
 * docs/contract.md §11 for callers (the HTTP API, the producer library): a bot's meeting events, its
 * attendance, following its log live, and chat. Every operation first resolves the bot through
 * `BotService.get`, so another tenant's bot is a 404 by the same path as a missing one.
 */
export class MeetingEventService {
  readonly reader: MeetingEventReader;
  readonly chats: ChatChannel;
  private readonly watch: MeetingEventWatch;
  private readonly chatBudget: RateBudget;
  private metrics: MeetingEventMetrics | undefined;

  constructor(private readonly options: MeetingEventServiceOptions) {
    const keys = meetingEventKeys(options.prefix);
    this.reader = new MeetingEventReader(options.redis, keys);
    this.chats = new ChatChannel(options.redis, keys);
    this.chatBudget = new RateBudget({ redis: options.redis, keyPrefix: keys.chatRate, windowSec: 60 });
    this.watch = new MeetingEventWatch(options.redis, keys, queueKeys(options.prefix).eventsChannel);
    this.metrics = options.metrics;
  }

  /** The process's metrics, once it has them (the API app is built after the queue layer). */
  useMetrics(metrics: MeetingEventMetrics | undefined): void {
    this.metrics = metrics;
  }

  /** The bot's view, if `scope` may see it (`BotService.get`): a 404 before anything else. */
  bot(scope: BotScope, id: string): Promise<BotView> {
    return this.options.bots.get(scope, id);
  }

  async events(scope: BotScope, id: string, query: MeetingEventQueryInput = {}): Promise<MeetingEventPage> {
    const parsed = meetingEventQuerySchema.safeParse(query);
    if (!parsed.success) {
      const issue = firstFieldIssue(parsed.error);
      throw new BotRequestError(issue.field, issue.message);
    }
    await this.options.bots.get(scope, id);
    return this.reader.page(id, parsed.data);
  }

  /** The attendance as the bot saw it, across rejoins; an ended bot's counts stop at its end. */
  async participants(scope: BotScope, id: string): Promise<{ items: ParticipantItem[] }> {
    const view = await this.options.bots.get(scope, id);
    const now = view.state === 'ended' ? Date.parse(view.updatedAt) : Date.now();
    return { items: await this.reader.participants(id, now) };
  }

  /**
   * Hands `text` to the worker holding the bot: 202 for the API. A bot that is not `in_meeting` is a
   * 409 `not_in_meeting`; one asked for more than CHAT_PER_BOT_PER_MIN messages within a minute (every
   * caller and api process together) is a 429 `rate_limited` with `Retry-After`. The message appears
   * in the log as `chat.sent` once the SDK took it.
   */
  async chat(scope: BotScope, id: string, body: unknown): Promise<{ requestId: string }> {
    const parsed = chatBodySchema.safeParse(body);
    if (!parsed.success) {
      const issue = firstFieldIssue(parsed.error);
      throw new BotRequestError(issue.field, issue.message);
    }
    const view = await this.options.bots.get(scope, id);
    if (view.state !== 'in_meeting') {
      this.metrics?.chatSends.inc({ outcome: 'not_in_meeting' });
      throw new NotInMeetingError(id, view.state);
    }
    const perMinute = this.options.chatPerBotPerMin ?? DEFAULT_CHAT_PER_BOT_PER_MIN;
    const decision = await this.chatBudget.take(id, perMinute);
    if (!decision.allowed) {
      this.metrics?.chatSends.inc({ outcome: 'rate_limited' });
      throw new ChatRateLimitedError(id, perMinute, retryAfterSec(decision.retryAfterMs));
    }
    const requestId = randomUUID();
    await this.chats.publish({
      botId: id,
      requestId,
      text: parsed.data.text,
      ...(parsed.data.to !== undefined ? { to: parsed.data.to } : {}),
    });
    this.metrics?.chatSends.inc({ outcome: 'accepted' });
    return { requestId };
  }

  /**
   * The bot's events from `after` on, then each new one as it is recorded, until the bot has ended and
   * its last event was given (or `signal` aborts). Nothing is skipped or repeated: the log is read by
   * `seq`, and pub/sub only says when to read.
   */
  async *follow(scope: BotScope, id: string, options: FollowOptions = {}): AsyncGenerator<FollowItem> {
    const { signal } = options;
    const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    let ended = (await this.options.bots.get(scope, id)).state === 'ended';
    let after = options.after ?? 0;
    let poked = false;
    let wake: (() => void) | undefined;
    const poke = () => {
      poked = true;
      wake?.();
    };
    const stop = await this.watch.watch(id, {
      appended: (seq) => {
        if (seq > after) poke();
      },
      state: (state) => {
        if (state === 'ended') ended = true;
        poke();
      },
    });
    signal?.addEventListener('abort', poke);
    try {
      for (;;) {
        if (signal?.aborted) return;
        poked = false;
        // Read before the log: events are stored before the bot's `ended`, so once it is seen ended
        // the read that follows holds the last of them.
        const endedBefore = ended;
        const page = await this.reader.page(id, { after, limit: FOLLOW_PAGE });
        for (const event of page.items) yield { kind: 'event', event };
        after = page.nextAfter;
        if (page.items.length === FOLLOW_PAGE || poked) continue;
        if (endedBefore) return;
        const woke = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), idleMs);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = undefined;
        if (!woke) {
          // A wake-up lost while the subscriber reconnected, or an end nobody announced: look now.
          ended ||= await this.options.bots.get(scope, id).then(
            (view) => view.state === 'ended',
            () => true,
          );
          yield { kind: 'idle' };
        }
      }
    } finally {
      stop();
      signal?.removeEventListener('abort', poke);
    }
  }

  /** Closes the watch's subscriber (the caller owns the command connection). Idempotent. */
  close(): Promise<void> {
    return this.watch.close();
  }
}
