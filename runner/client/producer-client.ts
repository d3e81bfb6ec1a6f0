import type { BotRequestInput } from '../../shared/bot-request.js';
import type { BotEvent, BotView } from '../../shared/bot-view.js';
import type { MeetingEvent } from '../../shared/meeting-events.js';
import { DEFAULT_TENANT, tenantNameSchema } from '../../shared/tenant.js';
import type { ParticipantItem } from '../meeting-events/attendance.js';
import type { MeetingEventPage } from '../meeting-events/meeting-event-reader.js';
import type { MeetingEventQueryInput } from '../meeting-events/meeting-event-service.js';
import { BotRequestError, isBotServiceError } from '../queue/bot-errors.js';
import type { BotListPage } from '../queue/bot-list.js';
import type { BotListInput, EnqueueResult } from '../queue/bot-service.js';
import { createQueueLayer } from '../queue/queue-layer.js';
import { newRedis } from '../redis/redis-address.js';
import { trustedPrincipal } from '../tenants/principal.js';

export type { BotRequestInput } from '../../shared/bot-request.js';
export type { BotState } from '../../shared/bot-states.js';
export type { BotEvent, BotView } from '../../shared/bot-view.js';
export type { EndReason } from '../../shared/end-reasons.js';
export type { MeetingEvent, MeetingEventType } from '../../shared/meeting-events.js';
export type { ParticipantItem } from '../meeting-events/attendance.js';
export { ChatRateLimitedError, NotInMeetingError } from '../meeting-events/meeting-errors.js';
export type { MeetingEventPage } from '../meeting-events/meeting-event-reader.js';
export type { MeetingEventQueryInput } from '../meeting-events/meeting-event-service.js';
export {
  BotNotFoundError,
  BotRequestError,
  BotServiceError,
  isBotServiceError,
  QuotaExceededError,
  RateLimitedError,
  SameUserInMeetingError,
  ZoomUserNotAllowedError,
} from '../queue/bot-errors.js';
export type { BotListPage } from '../queue/bot-list.js';
export type { BotListInput, EnqueueResult } from '../queue/bot-service.js';
export { JobKeyMismatchError } from '../queue/job-crypto.js';

export interface BotClientOptions {
  /**
   * The runner's REDIS_URL, or with Sentinel `redis+sentinel://[:password@]host:port,…/name[/db]`
   * (`rediss+sentinel://` for TLS): see runner/redis/redis-address.ts.
   */
  redisUrl: string;
  /** The runner's QUEUE_PREFIX (default `zbr`). */
  queuePrefix?: string;
  /**
   * The tenant this client acts as (docs/contract.md §10, default `default`): its bots belong to it,
   * it sees only that tenant's bots, and `dedupeKey`s are that tenant's. A client holds the runner's
   * Redis, so it is trusted: no Zoom user allowlist and no limits apply to it.
   */
  tenant?: string;
  /**
   * The runner's JOB_ENCRYPTION_KEY. Required when the runner has one (always in Zoom mode): a
   * client without it is refused at its first call rather than queueing bots no worker can read.
   */
  jobEncryptionKey?: string;
  /** ZOOM_BOT_USER, if the runner sets it: the default ZAK user then claims that user's seat (docs/contract.md §3). */
  serviceUser?: string;
  /**
   * The runner's WEBHOOK_URL, if it sets one. An event's destinations are fixed when it is recorded,
   * so without it the events this client records (a bot's `queued`, a leave before it joined) go
   * only to the bot's own `webhookUrl`.
   */
  webhookUrl?: string;
  /**
   * The runner's CHAT_PER_BOT_PER_MIN, if it sets one (default 30). The count is the fleet's: a
   * client's messages and the API's spend one budget per bot, each caller measured against its own.
   */
  chatPerBotPerMin?: number;
}

export interface BotClient {
  /** `POST /v1/bots`: throws `BotRequestError` (422, field named) or `SameUserInMeetingError` (409). */
  enqueue(request: BotRequestInput): Promise<EnqueueResult>;
  /** `GET /v1/bots/:id`: throws `BotNotFoundError` (404), for another tenant's bot too. */
  get(id: string): Promise<BotView>;
  /** `GET /v1/bots/:id/events`. */
  events(id: string): Promise<BotEvent[]>;
  /** `GET /v1/bots?state=&limit=&cursor=`. */
  list(query?: BotListInput): Promise<BotListPage>;
  /** `DELETE /v1/bots/:id`: the view, `ended` if it had not joined yet, else `leaving`. */
  leave(id: string): Promise<BotView>;
  /** `GET /v1/bots/:id/meeting-events?after=&type=&limit=` (docs/contract.md §11). */
  meetingEvents(id: string, query?: MeetingEventQueryInput): Promise<MeetingEventPage>;
  /**
   * The bot's meeting events from `after` on, live, until it has ended (or `signal` aborts): the SSE
   * stream's equivalent. A lost Redis connection is retried, resuming after the last event given,
   * so nothing is skipped or given twice; a `BotServiceError` (404) ends it with that error.
   */
  followMeetingEvents(id: string, options?: FollowMeetingEventsOptions): AsyncIterable<MeetingEvent>;
  /** `GET /v1/bots/:id/participants`: the attendance as the bot saw it. */
  participants(id: string): Promise<ParticipantItem[]>;
  /**
   * `POST /v1/bots/:id/chat`: throws `NotInMeetingError` (409) unless the bot is `in_meeting`, and
   * `ChatRateLimitedError` (429) past `chatPerBotPerMin` messages to the bot within a minute.
   */
  chat(id: string, text: string, options?: { to?: number }): Promise<{ requestId: string }>;
  /** Closes the client's Redis connection. Idempotent. */
  close(): Promise<void>;
}

export interface FollowMeetingEventsOptions {
  /** Events after this `seq` (default 0: every event kept). */
  after?: number;
  signal?: AbortSignal;
}

/** Waits after a failed read before following again: ioredis reconnects meanwhile. */
const FOLLOW_RETRY_MS = [250, 500, 1_000, 2_000, 5_000] as const;

/**
 * The producer library (`zoom-bot-runner/client`): queue bots from another Node service straight
 * into the runner's Redis, with the validation and answers of the HTTP API (both wrap `BotService`).
 * Opens one Redis connection, lazily, on the first call; the job-data key is resolved then too.
 */
export function createBotClient(options: BotClientOptions): BotClient {
  const tenant = tenantNameSchema.safeParse(options.tenant ?? DEFAULT_TENANT);
  if (!tenant.success)
    throw new BotRequestError('tenant', tenant.error.issues[0]?.message ?? 'not a tenant name');
  const caller = trustedPrincipal(tenant.data);
  // `lazyConnect`: creating a client does no I/O, so it can be built at module load.
  const redis = newRedis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  // A failing call rejects with the error; without a listener ioredis would also print every
  // reconnect attempt of an outage into the host service's output.
  redis.on('error', () => {});
  const layer = createQueueLayer({
    redis,
    prefix: options.queuePrefix ?? 'zbr',
    jobEncryptionKey: options.jobEncryptionKey,
    serviceUser: options.serviceUser,
    webhookUrl: options.webhookUrl,
    chatPerBotPerMin: options.chatPerBotPerMin,
  });
  const { service, meetings } = layer;
  let closing: Promise<void> | undefined;
  async function* followMeetingEvents(
    id: string,
    options: FollowMeetingEventsOptions = {},
  ): AsyncGenerator<MeetingEvent> {
    let after = options.after ?? 0;
    let failures = 0;
    for (;;) {
      try {
        for await (const item of meetings.follow(caller, id, { after, signal: options.signal })) {
          if (item.kind !== 'event') continue;
          failures = 0;
          after = item.event.seq;
          yield item.event;
        }
        return;
      } catch (error) {
        if (isBotServiceError(error) || options.signal?.aborted || closing) throw error;
        const wait = FOLLOW_RETRY_MS[Math.min(failures, FOLLOW_RETRY_MS.length - 1)];
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
  return {
    enqueue: (request) => service.enqueue(caller, request),
    get: (id) => service.get(caller, id),
    events: (id) => service.events(caller, id),
    list: (query) => service.list(caller, query),
    leave: (id) => service.leave(caller, id),
    meetingEvents: (id, query) => meetings.events(caller, id, query),
    followMeetingEvents,
    participants: async (id) => (await meetings.participants(caller, id)).items,
    chat: (id, text, options = {}) =>
      meetings.chat(caller, id, { text, ...(options.to !== undefined ? { to: options.to } : {}) }),
    close: () => {
      closing ??= (async () => {
        try {
          await layer.close();
        } catch {
          // Closing what never connected can fail; the connection below still closes.
        }
        try {
          await redis.quit();
        } catch {
          redis.disconnect();
        }
      })();
      return closing;
    },
  };
}
