import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { BOT_STATES } from '../../shared/bot-states.js';

/**
 * Every metric of one process, on its own registry (not prom-client's global one), so tests and
 * several components in one process never collide.
 */
export class RunnerMetrics {
  readonly registry = new Registry();

  readonly botsByState = new Gauge({
    name: 'zbr_bots',
    help: 'Bots held by this process, by state.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly joinSeconds = new Histogram({
    name: 'zbr_join_seconds',
    help: 'From a bot starting to mint to in_meeting.',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly rejoinGapSeconds = new Histogram({
    name: 'zbr_rejoin_gap_seconds',
    help: 'From losing the meeting to in_meeting again.',
    buckets: [0.25, 0.5, 1, 1.5, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly rejoins = new Counter({
    name: 'zbr_rejoins_total',
    help: 'Returns to a meeting after a drop.',
    registers: [this.registry],
  });
  readonly rejoinReasons = new Counter({
    name: 'zbr_rejoin_reasons_total',
    help: 'Bots that went to rejoining, by why (drop, page_crashed, lock_lost, handoff, resume...).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly ends = new Counter({
    name: 'zbr_bot_ends_total',
    help: 'Bots ended, by end reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly zoomApiCalls = new Counter({
    name: 'zbr_zoom_api_calls_total',
    help: 'Zoom API calls, by operation and HTTP status.',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'zbr_webhook_deliveries_total',
    help: 'Webhook events per receiver by what became of each try: delivered, retry, gave_up, rejected, refused, malformed; same_as_global is no try (a bot URL that is the WEBHOOK_URL, sent on that lane).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookDropped = new Counter({
    name: 'zbr_webhook_dropped_total',
    help: 'Webhook deliveries dropped unsent, by reason: backlog_full (their receiver origin had more pending than WEBHOOK_ORIGIN_BACKLOG; the oldest go).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly zoomApiRateLimited = new Counter({
    name: 'zbr_zoom_api_rate_limited_total',
    help: 'Zoom API answers 429 (rate limited), by operation.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({
    name: 'zbr_queue_jobs',
    help: 'Bot jobs in the queue by BullMQ state; reported by one process per deployment (the lease holder).',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly reconcilerActions = new Counter({
    name: 'zbr_reconciler_actions_total',
    help: 'What the reconciler fixed: job_lost, too_many_stalls, job_failed, orphan_job_removed, orphan_job_left, reservation_released, pool_recomputed, tenant_index_backfilled (pre-tenant views indexed by the one-off backfill).',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly pagesHung = new Counter({
    name: 'zbr_pages_hung_total',
    help: 'Bot pages found hung (no beat or no answer for 10 s), by what was killed: page (its context) or browser (its whole Chromium).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  readonly meetingEvents = new Counter({
    name: 'zbr_meeting_events_total',
    help: 'Meeting events recorded in bot logs (docs/contract.md §11), by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly meetingEventsDropped = new Counter({
    name: 'zbr_meeting_events_dropped_total',
    help: 'Meeting events never recorded, by kind: what pages dropped (participant, speaker, chat, caption, recording, malformed) and backlog (a log writer too far behind).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly meetingEventStreams = new Gauge({
    name: 'zbr_meeting_event_sse_clients',
    help: 'Clients of GET /v1/bots/:id/meeting-events/stream connected to this process.',
    registers: [this.registry],
  });
  readonly chatSends = new Counter({
    name: 'zbr_chat_sends_total',
    help: 'Chat messages by outcome: accepted, not_in_meeting or rate_limited (API), sent or failed (the worker holding the bot).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly chromiumMemoryBytes = new Gauge({
    name: 'zbr_chromium_memory_bytes',
    help: 'Resident memory of this process’s Chromium process trees.',
    registers: [this.registry],
  });

  /** Run before each scrape, so sampled values (Chromium memory) are current without a timer. */
  private readonly samplers: (() => Promise<void>)[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'zbr_process_' });
    for (const state of BOT_STATES) this.botsByState.set({ state }, 0);
  }

  sampleOnScrape(sample: () => Promise<void>): void {
    this.samplers.push(sample);
  }

  /** Counts one Zoom HTTP exchange (`ZoomHttp`'s `onCall`); `status` is `error` when none came back. */
  countZoomCall(operation: string, status: number | 'error'): void {
    this.zoomApiCalls.inc({ operation, status: String(status) });
    if (status === 429) this.zoomApiRateLimited.inc({ operation });
  }

  async text(): Promise<string> {
    // A failing sampler leaves its metric at the last value rather than failing the whole scrape.
    await Promise.allSettled(this.samplers.map((sample) => sample()));
    return this.registry.metrics();
  }
}
