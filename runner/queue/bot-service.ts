import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type BotRequest, botRequestSchema } from '../../shared/bot-request.js';
import { botStateSchema } from '../../shared/bot-states.js';
import type { BotEvent, BotView } from '../../shared/bot-view.js';
import { tenantNameSchema } from '../../shared/tenant.js';
import { firstFieldIssue } from '../../shared/validation.js';
import type { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import { UrlNotAllowedError } from '../http/url-not-allowed-error.js';
import { type RateBudget, retryAfterSec } from '../redis/rate-budget.js';
import { type BotScope, canSee, type Principal } from '../tenants/principal.js';
import { zoomUserToCheck } from '../tenants/zoom-user-allowlist.js';
import {
  BotNotFoundError,
  BotRequestError,
  QuotaExceededError,
  RateLimitedError,
  SameUserInMeetingError,
  ZoomUserNotAllowedError,
} from './bot-errors.js';
import type { BotListPage } from './bot-list.js';
import { decodeCursor } from './bot-list.js';
import { addBotJob, type BotQueue } from './bot-queue.js';
import type { BotStore } from './bot-store.js';
import type { JobCrypto } from './job-crypto.js';
import { buildJobData } from './job-data.js';
import type { LeaveChannel } from './leave-channel.js';
import { claimedZoomUser } from './same-user.js';
import { sealWebhookUrl } from './sealed-webhook-url.js';

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
  /** Each tenant's fleet-wide enqueue rate (docs/contract.md §10); callers without a rate skip it. */
  rateLimiter?: RateBudget | undefined;
  /** MAX_JOIN_AHEAD_SEC: a `joinAt` further ahead is a 422 (default 30 days). */
  maxJoinAheadSec?: number | undefined;
  now?: () => number;
  newId?: () => string;
}

export interface EnqueueResult {
  /** false: a live bot already held the request's `dedupeKey`, and this is that bot. */
  created: boolean;
  /** The HTTP status of docs/contract.md §6 for this answer. */
  status: 201 | 200;
  bot: BotView;
}

/** `GET /v1/bots` query; numbers may arrive as strings from a URL. */
export const listQuerySchema = z.strictObject({
  state: botStateSchema.optional(),
  /** Admin keys: only this tenant's bots (others may name only their own). */
  tenant: tenantNameSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});
export type BotListInput = z.input<typeof listQuerySchema>;

const botIdSchema = z.string().min(1).max(36);

/** MAX_JOIN_AHEAD_SEC's default, for callers that do not read the configuration (the producer library). */
export const DEFAULT_MAX_JOIN_AHEAD_SEC = 30 * 24 * 3600;

/**
 * The bot operations of docs/contract.md §6, shared by the HTTP API and the producer library so both give
 * the same answers. Errors are `BotServiceError`s (422, 404, 409, 403, 429) carrying their code and field.
 *
 * Every operation takes its caller (docs/contract.md §10): a new bot belongs to the caller's tenant,
 * and a bot of a tenant the caller may not see is not found, by the same path and with the same
 * answer as a bot that does not exist.
 */
export class BotService {
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly options: BotServiceOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  /**
   * Validates and queues a bot for `caller`'s tenant. A live bot of that tenant holding the same
   * `dedupeKey` is returned instead (`created: false`); a live bot of the same meeting and Zoom user
   * is a 409; a Zoom user off the caller's allowlist a 403; the tenant's rate or live-bot limit a
   * 429. The dedupe, same-user and live-bot checks and the new view are one Redis script
   * (`BotStore.create`), so of two concurrent requests exactly one wins.
   */
  async enqueue(caller: Principal, input: unknown): Promise<EnqueueResult> {
    const parsed = botRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = firstFieldIssue(parsed.error);
      throw new BotRequestError(issue.field, issue.message);
    }
    const request = parsed.data;
    this.checkOutboundUrls(request);
    this.checkJoinAt(request);
    const user = zoomUserToCheck(request.auth);
    if (user !== undefined && !caller.zoomUsers.allows(user)) throw new ZoomUserNotAllowedError(user);
    await this.takeRate(caller);
    const crypto = await this.options.crypto();
    // A fresh UUID never collides in practice; the retry only covers a bad `newId` or a hand-made id.
    for (let attempt = 0; attempt < 3; attempt++) {
      const createdMs = this.now();
      const joinAtMs = request.joinAt === undefined ? undefined : Date.parse(request.joinAt);
      const id = this.newId();
      const outcome = await this.options.store.create({
        id,
        tenant: caller.tenant,
        maxLiveBots: caller.maxLiveBots,
        meetingNumber: request.meetingNumber,
        displayName: request.displayName,
        state: joinAtMs !== undefined && joinAtMs > createdMs ? 'scheduled' : 'queued',
        createdMs,
        dedupeKey: request.dedupeKey,
        zoomUser: claimedZoomUser(request.auth, this.options.serviceUser),
        webhook:
          request.webhookUrl === undefined ? undefined : sealWebhookUrl(crypto, id, request.webhookUrl),
      });
      if (outcome.kind === 'exists') continue;
      if (outcome.kind === 'conflict') {
        // The seat is fleet-wide, but another tenant's bot is never named (docs/contract.md §10).
        const holder = await this.options.store.get(outcome.existingId);
        const visible = holder !== undefined && canSee(caller, holder.tenant);
        throw new SameUserInMeetingError(request.meetingNumber, visible ? outcome.existingId : undefined);
      }
      if (outcome.kind === 'quota')
        throw new QuotaExceededError(caller.tenant, caller.maxLiveBots ?? outcome.live);
      if (outcome.kind === 'duplicate') {
        const existing = await this.options.store.get(outcome.existingId);
        // Ended (and released) between the script and this read: try again, as a new bot.
        if (existing === undefined || existing.state === 'ended') continue;
        return { created: false, status: 200, bot: existing };
      }
      await this.addJob(id, request, caller, crypto, createdMs, joinAtMs);
      return { created: true, status: 201, bot: outcome.view };
    }
    throw new Error('Could not allocate a bot id after 3 tries');
  }

  /** One enqueue from the tenant's fleet-wide budget; callers without a rate (trusted ones) skip it. */
  private async takeRate(caller: Principal): Promise<void> {
    const { rateLimiter } = this.options;
    if (caller.ratePerSec === undefined || !rateLimiter) return;
    const decision = await rateLimiter.take(caller.tenant, caller.ratePerSec);
    if (!decision.allowed) {
      throw new RateLimitedError(caller.tenant, caller.ratePerSec, retryAfterSec(decision.retryAfterMs));
    }
  }

  /** A job delayed for months would sit in Redis (its secrets with it) long after anyone wants it. */
  private checkJoinAt(request: BotRequest): void {
    if (request.joinAt === undefined) return;
    const maxSec = this.options.maxJoinAheadSec ?? DEFAULT_MAX_JOIN_AHEAD_SEC;
    if (Date.parse(request.joinAt) - this.now() > maxSec * 1000) {
      throw new BotRequestError('joinAt', `must be at most ${maxSec} s ahead (MAX_JOIN_AHEAD_SEC)`);
    }
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

  /**
   * The view, if `scope` may see it. Another tenant's bot takes the very path of a missing one (one
   * read, then the same error), so neither the answer nor its timing tells them apart.
   */
  async get(scope: BotScope, id: string): Promise<BotView> {
    const view = botIdSchema.safeParse(id).success ? await this.options.store.get(id) : undefined;
    if (view === undefined || !canSee(scope, view.tenant)) throw new BotNotFoundError(id);
    return view;
  }

  async events(scope: BotScope, id: string): Promise<BotEvent[]> {
    return (await this.get(scope, id)).events;
  }

  /** Newest first, from the tenant's own indexes (an admin: every tenant's, or the one it names). */
  async list(scope: BotScope, input: BotListInput = {}): Promise<BotListPage> {
    const parsed = listQuerySchema.safeParse(input);
    if (!parsed.success) {
      const issue = firstFieldIssue(parsed.error);
      throw new BotRequestError(issue.field, issue.message);
    }
    const { state, limit, cursor, tenant } = parsed.data;
    if (!scope.admin && tenant !== undefined && tenant !== scope.tenant)
      throw new BotRequestError('tenant', 'only an admin key lists the bots of another tenant');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined)
      throw new BotRequestError('cursor', 'not a cursor from a previous page');
    return this.options.store.list({ state, limit, after, tenant: scope.admin ? tenant : scope.tenant });
  }

  /**
   * docs/contract.md §6 `DELETE`: a bot no worker holds (queued, scheduled, or parked between rejoins) has
   * its job removed and ends `left_by_request` at once; a bot a worker holds (its job is locked) is
   * flagged and its worker told, and it answers `leaving` until that worker has left the meeting.
   * The flag is set in both cases, so a worker that took the job in the same instant still leaves.
   */
  async leave(scope: BotScope, id: string): Promise<BotView> {
    const view = await this.get(scope, id);
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
    caller: Principal,
    crypto: JobCrypto,
    createdMs: number,
    joinAtMs: number | undefined,
  ): Promise<void> {
    const data = buildJobData(id, request, crypto, new Date(createdMs).toISOString(), {
      tenant: caller.tenant,
      keyId: caller.keyId,
    });
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
