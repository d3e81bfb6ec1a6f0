import { Redis } from 'ioredis';
import type { BotRequestInput } from '../../shared/bot-request.js';
import type { BotEvent, BotView } from '../../shared/bot-view.js';
import type { BotListPage } from '../queue/bot-list.js';
import type { BotListInput, EnqueueResult } from '../queue/bot-service.js';
import { createQueueLayer } from '../queue/queue-layer.js';

export type { BotRequestInput } from '../../shared/bot-request.js';
export type { BotState } from '../../shared/bot-states.js';
export type { BotEvent, BotView } from '../../shared/bot-view.js';
export type { EndReason } from '../../shared/end-reasons.js';
export {
  BotNotFoundError,
  BotRequestError,
  BotServiceError,
  isBotServiceError,
  SameUserInMeetingError,
} from '../queue/bot-errors.js';
export type { BotListPage } from '../queue/bot-list.js';
export type { BotListInput, EnqueueResult } from '../queue/bot-service.js';
export { JobKeyMismatchError } from '../queue/job-crypto.js';

export interface BotClientOptions {
  /** The runner's REDIS_URL. */
  redisUrl: string;
  /** The runner's QUEUE_PREFIX (default `zbr`). */
  queuePrefix?: string;
  /**
   * The runner's JOB_ENCRYPTION_KEY. Required when the runner has one (always in Zoom mode): a
   * client without it is refused at its first call rather than queueing bots no worker can read.
   */
  jobEncryptionKey?: string;
  /** ZOOM_BOT_USER, if the runner sets it: the default ZAK user then claims that user's seat (contract §3). */
  serviceUser?: string;
}

export interface BotClient {
  /** `POST /v1/bots`: throws `BotRequestError` (422, field named) or `SameUserInMeetingError` (409). */
  enqueue(request: BotRequestInput): Promise<EnqueueResult>;
  /** `GET /v1/bots/:id`: throws `BotNotFoundError` (404). */
  get(id: string): Promise<BotView>;
  /** `GET /v1/bots/:id/events`. */
  events(id: string): Promise<BotEvent[]>;
  /** `GET /v1/bots?state=&limit=&cursor=`. */
  list(query?: BotListInput): Promise<BotListPage>;
  /** `DELETE /v1/bots/:id`: the view, `ended` if it had not joined yet, else `leaving`. */
  leave(id: string): Promise<BotView>;
  /** Closes the client's Redis connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * The producer library (`zoom-bot-runner/client`): queue bots from another Node service straight
 * into the runner's Redis, with the validation and answers of the HTTP API (both wrap `BotService`).
 * Opens one Redis connection, lazily, on the first call; the job-data key is resolved then too.
 */
export function createBotClient(options: BotClientOptions): BotClient {
  // `lazyConnect`: creating a client does no I/O, so it can be built at module load.
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const layer = createQueueLayer({
    redis,
    prefix: options.queuePrefix ?? 'zbr',
    jobEncryptionKey: options.jobEncryptionKey,
    serviceUser: options.serviceUser,
  });
  const { service } = layer;
  let closing: Promise<void> | undefined;
  return {
    enqueue: (request) => service.enqueue(request),
    get: (id) => service.get(id),
    events: (id) => service.events(id),
    list: (query) => service.list(query),
    leave: (id) => service.leave(id),
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
