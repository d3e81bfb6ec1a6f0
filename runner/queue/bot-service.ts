import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type BotRequest, botRequestSchema } from '../../shared/bot-request.js';
import { botStateSchema } from '../../shared/bot-states.js';
import type { BotEvent, BotView } from '../../shared/bot-view.js';
import { firstFieldIssue } from '../../shared/validation.js';
import type { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import { UrlNotAllowedError } from '../zoom/zoom-errors.js';
import { BotNotFoundError, BotRequestError, SameUserInMeetingError } from './bot-errors.js';
import type { BotListPage } from './bot-list.js';
import { decodeCursor } from './bot-list.js';
import { addBotJob, type BotQueue } from './bot-queue.js';
import type { BotStore } from './bot-store.js';
import type { JobCrypto } from './job-crypto.js';
import { buildJobData } from './job-data.js';
import type { LeaveChannel } from './leave-channel.js';
import { claimedZoomUser } from './same-user.js';

export interface BotServiceOptions {
  queue: BotQueue;
  store: BotStore;
  leaves: LeaveChannel;
  /** Resolved lazily by the caller when it needs Redis (see `resolveJobCrypto`). */
  crypto: () => Promise<JobCrypto>;
  /** ZOOM_BOT_USER, when known: the default ZAK user then claims that user's seat (see `claimedZoomUser`). */
  serviceUser?: string | undefined;
  /**
   * OUTBOUND_URL_ALLOWLIST's policy: webhook and callback URLs it refuses without DNS are a 422 at
   * once. Without one (the producer library, which may not know the allowlist) they are only checked
   * before each request.
   */
  urlPolicy?: OutboundUrlPolicy | undefined;
  now?: () => number;
  newId?: () => string;
}

export interface EnqueueResult {
  /** false: a live bot already held the request's `dedupeKey`, and this is that bot. */
  created: boolean;
  /** The HTTP status of contract §6 for this answer. */
  status: 201 | 200;
  bot: BotView;
}

/** `GET /v1/bots` query; numbers may arrive as strings from a URL. */
export const listQuerySchema = z.strictObject({
  state: botStateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});
export type BotListInput = z.input<typeof listQuerySchema>;

const botIdSchema = z.string().min(1).max(36);

/**
 * The bot operations of contract §6, shared by the HTTP API and the producer library so both give
 * the same answers. Errors are `BotServiceError`s (422, 404, 409) carrying their code and field.
 */
export class BotService {
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly options: BotServiceOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  /**
   * Validates and queues a bot. A live bot holding the same `dedupeKey` is returned instead
   * (`created: false`); a live bot of the same meeting and Zoom user is a 409. Both checks and the
   * new view are one Redis script (`BotStore.create`), so of two concurrent requests exactly one wins.
   */
  async enqueue(input: unknown): Promise<EnqueueResult> {
    const parsed = botRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = firstFieldIssue(parsed.error);
      throw new BotRequestError(issue.field, issue.message);
    }
    const request = parsed.data;
    this.checkOutboundUrls(request);
    const crypto = await this.options.crypto();
    // A fresh UUID never collides in practice; the retry only covers a bad `newId` or a hand-made id.
    for (let attempt = 0; attempt < 3; attempt++) {
      const createdMs = this.now();
      const joinAtMs = request.joinAt === undefined ? undefined : Date.parse(request.joinAt);
      const id = this.newId();
      const outcome = await this.options.store.create({
        id,
        meetingNumber: request.meetingNumber,
        displayName: request.displayName,
        state: joinAtMs !== undefined && joinAtMs > createdMs ? 'scheduled' : 'queued',
        createdMs,
        dedupeKey: request.dedupeKey,
        zoomUser: claimedZoomUser(request.auth, this.options.serviceUser),
        webhookUrl: request.webhookUrl,
      });
      if (outcome.kind === 'exists') continue;
      if (outcome.kind === 'conflict')
        throw new SameUserInMeetingError(request.meetingNumber, outcome.existingId);
      if (outcome.kind === 'duplicate') {
        const existing = await this.options.store.get(outcome.existingId);
        // Ended (and released) between the script and this read: try again, as a new bot.
        if (existing === undefined || existing.state === 'ended') continue;
        return { created: false, status: 200, bot: existing };
      }
      await this.addJob(id, request, crypto, createdMs, joinAtMs);
      return { created: true, status: 201, bot: outcome.view };
    }
    throw new Error('Could not allocate a bot id after 3 tries');
  }

  private checkOutboundUrls(request: BotRequest): void {
    const policy = this.options.urlPolicy;
    if (!policy) return;
    const urls: Array<[field: string, url: string | undefined]> = [
      ['webhookUrl', request.webhookUrl],
      ['auth.url', request.auth.type === 'callback' ? request.auth.url : undefined],
    ];
    for (const [field, url] of urls) {
      if (url === undefined) continue;
      try {
        policy.checkWithoutLookup(url);
      } catch (error) {
        if (error instanceof UrlNotAllowedError) throw new BotRequestError(field, error.message);
        throw error;
      }
    }
  }

  async get(id: string): Promise<BotView> {
    const view = botIdSchema.safeParse(id).success ? await this.options.store.get(id) : undefined;
    if (view === undefined) throw new BotNotFoundError(id);
    return view;
  }

  async events(id: string): Promise<BotEvent[]> {
    return (await this.get(id)).events;
  }

  async list(input: BotListInput = {}): Promise<BotListPage> {
    const parsed = listQuerySchema.safeParse(input);
    if (!parsed.success) {
      const issue = firstFieldIssue(parsed.error);
      throw new BotRequestError(issue.field, issue.message);
    }
    const { state, limit, cursor } = parsed.data;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined)
      throw new BotRequestError('cursor', 'not a cursor from a previous page');
    return this.options.store.list({ state, limit, after });
  }

  /**
   * Contract §6 `DELETE`: a bot no worker holds (queued, scheduled, or parked between rejoins) has
   * its job removed and ends `left_by_request` at once; a bot a worker holds (its job is locked) is
   * flagged and its worker told, and it answers `leaving` until that worker has left the meeting.
   * The flag is set in both cases, so a worker that took the job in the same instant still leaves.
   */
  async leave(id: string): Promise<BotView> {
    const view = await this.get(id);
    if (view.state === 'ended') return view;
    await this.options.leaves.request(id);
    const removed = await this.options.queue.remove(id);
    const notHeld = removed === 1 || (await this.options.queue.getJobState(id)) === 'unknown';
    const change = notHeld
      ? ({ state: 'ended', endReason: 'left_by_request', reason: 'left_by_request' } as const)
      : ({ state: 'leaving', reason: 'left_by_request' } as const);
    return (await this.options.store.apply(id, change)) ?? view;
  }

  private async addJob(
    id: string,
    request: BotRequest,
    crypto: JobCrypto,
    createdMs: number,
    joinAtMs: number | undefined,
  ): Promise<void> {
    const data = buildJobData(id, request, crypto, new Date(createdMs).toISOString());
    try {
      await addBotJob(this.options.queue, data, joinAtMs);
    } catch (error) {
      // Release the dedupe key and claim, and leave a trace of why this bot never ran.
      await this.options.store.apply(id, {
        state: 'ended',
        endReason: 'internal_error',
        endDetail: 'enqueue_failed',
      });
      throw error;
    }
    // A leave that came between the view and the job found no job and ended the bot: drop the job.
    if ((await this.options.store.get(id))?.state === 'ended') await this.options.queue.remove(id);
  }
}
