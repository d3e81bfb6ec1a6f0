import type { Redis } from 'ioredis';
import type { BotRequest } from '../../shared/bot-request.js';
import type { PageMeetingEvent } from '../../shared/bridge.js';
import type { DropKind } from '../../shared/meeting-event-bounds.js';
import {
  type MeetingEventCategory,
  type MeetingEventType,
  meetingEventCategory,
} from '../../shared/meeting-events.js';
import type { Logger } from '../log/logger.js';
import { BOT_EVENTS_STREAM_MAXLEN } from '../queue/bot-store.js';
import { queueKeys } from '../queue/queue-names.js';
import type { SealedWebhookUrl } from '../queue/sealed-webhook-url.js';
import { evalScript } from '../redis/eval-script.js';
import { isTransientRedisError } from '../redis/transient-error.js';
import type { MeetingEventSink, OurBots } from '../supervisor/ports.js';
import { Attendance, type AttendanceRow, attendanceRowSchema, type ParticipantEvent } from './attendance.js';
import { type MeetingEventKeys, meetingEventKeys } from './meeting-event-keys.js';
import type { MeetingEventMetrics } from './meeting-event-metrics.js';
import { APPEND_SCRIPT } from './meeting-event-scripts.js';

/** MEETING_EVENTS_MAX's default: events kept per bot. */
export const DEFAULT_MEETING_EVENTS_MAX = 10_000;
/**
 * How long a rejoin's new page may take to list everyone present. The SDK sends its roster in the
 * first second after a join (the sim in one message); whoever is still missing then has left.
 */
const RESYNC_MS = 3_000;
/** Events one script call appends: a few ms of Redis time, so other bots' writes never wait long. */
const BATCH_MAX = 1_000;
/** Events waiting for Redis per bot; past it (Redis slow or away under a flood) new ones are dropped. */
const BACKLOG_MAX = 5_000;
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 5_000;

export interface MeetingLogSettings {
  redis: Redis;
  prefix: string;
  /** MEETING_EVENTS_MAX. */
  max?: number | undefined;
  /** This process's WEBHOOK_URL: the global destination of the webhooks it records (docs/contract.md §7). */
  globalWebhookUrl?: string | undefined;
  ourBots: OurBots;
  metrics?: MeetingEventMetrics | undefined;
  logger: Logger;
  /** For tests. */
  resyncMs?: number;
  backlogMax?: number;
}

/** The worker's side of docs/contract.md §11: one `MeetingLog` per bot it holds. */
export class MeetingLogs {
  private readonly keys: MeetingEventKeys;

  constructor(private readonly settings: MeetingLogSettings) {
    this.keys = meetingEventKeys(settings.prefix);
  }

  /**
   * `lockToken`: the bot job's lock, which fences every append (the bot may pass to another worker).
   * `webhook`: the request's `webhookUrl` sealed (runner/queue/sealed-webhook-url.ts), as the
   * bot-events stream keeps it.
   */
  open(
    botId: string,
    request: BotRequest,
    lockToken: string | undefined,
    webhook?: SealedWebhookUrl | undefined,
  ): MeetingLog {
    return new MeetingLog(this.settings, this.keys, botId, request, lockToken, webhook);
  }
}

type Item =
  | { kind: 'events'; pageSeq: number; events: readonly PageMeetingEvent[]; at: number }
  | { kind: 'closed'; pageSeq: number; at: number }
  | { kind: 'resync-end'; token: number; at: number };

interface Batch {
  events: Array<{ type: MeetingEventType; json: string }>;
  people: AttendanceRow[];
  meta: Array<[string, string]>;
}

/**
 * One bot's meeting-event log writer, in the worker holding the bot. Page reports are queued as they
 * come and written in order, one script per batch (`APPEND_SCRIPT`, fenced by the job lock), never
 * holding up the supervisor. On the way: participants go through the attendance table (a rejoin
 * does not make everyone join again), `ours` is decided (the page itself, or one of our bots in this
 * meeting), and speaker and recording changes are recorded only when the value changed, across
 * rejoins and workers (the last values live in the meta hash).
 */
export class MeetingLog implements MeetingEventSink {
  private readonly inbox: Item[] = [];
  private queuedEvents = 0;
  private draining = false;
  private readonly idleWaiters: (() => void)[] = [];
  private loaded = false;
  private attendance = new Attendance();
  private speakers: string | undefined;
  private recording: string | undefined;
  private resyncToken = 0;
  private resyncTimer: NodeJS.Timeout | undefined;
  private fenced = false;
  private closed = false;
  private readonly hooks: ReadonlySet<MeetingEventCategory>;
  private readonly max: number;
  private readonly logger: Logger;

  constructor(
    private readonly settings: MeetingLogSettings,
    private readonly keys: MeetingEventKeys,
    private readonly botId: string,
    private readonly request: BotRequest,
    private readonly lockToken: string | undefined,
    private readonly webhook: SealedWebhookUrl | undefined,
  ) {
    this.hooks = new Set(request.meetingEvents ?? []);
    this.max = settings.max ?? DEFAULT_MEETING_EVENTS_MAX;
    this.logger = settings.logger.child({ botId });
  }

  report(pageSeq: number, events: readonly PageMeetingEvent[]): void {
    if (this.closed || this.fenced || events.length === 0) return;
    if (this.queuedEvents + events.length > (this.settings.backlogMax ?? BACKLOG_MAX)) {
      this.settings.metrics?.meetingEventsDropped.inc({ kind: 'backlog' }, events.length);
      return;
    }
    this.queuedEvents += events.length;
    this.push({ kind: 'events', pageSeq, events, at: Date.now() });
  }

  dropped(counts: Readonly<Partial<Record<DropKind, number>>>, _truncated: number): void {
    for (const [kind, count] of Object.entries(counts)) {
      if (count) this.settings.metrics?.meetingEventsDropped.inc({ kind: kind as DropKind }, count);
    }
  }

  pageClosed(pageSeq: number): void {
    if (this.closed || this.fenced) return;
    this.push({ kind: 'closed', pageSeq, at: Date.now() });
  }

  async claimOnJoin(): Promise<boolean> {
    return (await this.settings.redis.hsetnx(this.keys.meta(this.botId), 'onJoin', '1')) === 1;
  }

  async releaseOnJoin(): Promise<void> {
    await this.settings.redis.hdel(this.keys.meta(this.botId), 'onJoin');
  }

  /** Resolves once everything reported so far is stored (or given up: fenced, or not retryable). */
  flush(): Promise<void> {
    if (!this.draining && this.inbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Takes no more reports and waits up to `timeoutMs` for the rest to be stored. Idempotent. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    clearTimeout(this.resyncTimer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private push(item: Item): void {
    this.inbox.push(item);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      if (!this.loaded) await this.retrying('load', () => this.load());
      while (this.inbox.length > 0 && !this.fenced) {
        const batch = this.take();
        if (batch.events.length === 0 && batch.people.length === 0 && batch.meta.length === 0) continue;
        await this.retrying('append', () => this.write(batch));
      }
    } finally {
      this.draining = false;
      if (this.inbox.length > 0 && !this.fenced && !this.closed) void this.drain();
      else for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** What an earlier worker left of this bot's meeting: the attendance, the last speakers and recording. */
  private async load(): Promise<void> {
    const { redis } = this.settings;
    const [[speakers, recording], people] = await Promise.all([
      redis.hmget(this.keys.meta(this.botId), 'speakers', 'recording'),
      redis.hgetall(this.keys.people(this.botId)),
    ]);
    const rows: AttendanceRow[] = [];
    for (const raw of Object.values(people)) {
      const row = attendanceRowSchema.safeParse(safeJson(raw));
      if (row.success) rows.push(row.data);
    }
    this.attendance = new Attendance(rows);
    this.attendance.closeStretches(Date.now());
    this.speakers = speakers ?? undefined;
    this.recording = recording ?? undefined;
    this.loaded = true;
  }

  /** Turns queued items into one batch (at most `BATCH_MAX` events), in order. Synchronous. */
  private take(): Batch {
    const batch: Batch = { events: [], people: [], meta: [] };
    const add = (type: MeetingEventType, at: number, data: unknown) =>
      batch.events.push({ type, json: JSON.stringify({ at: new Date(at).toISOString(), type, data }) });
    while (this.inbox.length > 0 && batch.events.length < BATCH_MAX) {
      const item = this.inbox.shift() as Item;
      if (item.kind === 'closed') {
        this.attendance.pageClosed(item.pageSeq, item.at);
        clearTimeout(this.resyncTimer);
        continue;
      }
      if (item.kind === 'resync-end') {
        if (item.token !== this.resyncToken) continue;
        for (const left of this.attendance.finishResync(item.at)) add(left.type, left.at, left.data);
        continue;
      }
      this.queuedEvents -= item.events.length;
      for (const event of item.events) this.process(item.pageSeq, event, item.at, batch, add);
    }
    batch.people = this.attendance.takeDirty();
    return batch;
  }

  private process(
    pageSeq: number,
    event: PageMeetingEvent,
    at: number,
    batch: Batch,
    add: (type: MeetingEventType, at: number, data: unknown) => void,
  ): void {
    switch (event.type) {
      case 'participant.joined':
      case 'participant.left':
      case 'participant.updated': {
        const { participantId, name, role, self, customerKey } = event.data;
        const ours =
          self ||
          this.settings.ourBots.isOurs(this.request.meetingNumber, {
            userId: participantId,
            userName: name,
            ...(customerKey !== undefined ? { customerKey } : {}),
          });
        const seen: ParticipantEvent = { type: event.type, data: { participantId, name, role, ours }, at };
        const outcome = this.attendance.apply(pageSeq, seen);
        if (outcome.resyncStarted) this.armResync();
        if (outcome.event) add(outcome.event.type, at, outcome.event.data);
        return;
      }
      case 'speaker.changed': {
        const key = [...event.data.participantIds].sort((a, b) => a - b).join(',');
        if (key === this.speakers) return;
        this.speakers = key;
        batch.meta.push(['speakers', key]);
        add(event.type, at, event.data);
        return;
      }
      case 'recording.changed':
        if (event.data.state === this.recording) return;
        this.recording = event.data.state;
        batch.meta.push(['recording', event.data.state]);
        add(event.type, at, event.data);
        return;
      default:
        add(event.type, at, event.data);
    }
  }

  private armResync(): void {
    clearTimeout(this.resyncTimer);
    const token = ++this.resyncToken;
    this.resyncTimer = setTimeout(() => {
      if (!this.fenced) this.push({ kind: 'resync-end', token, at: Date.now() });
    }, this.settings.resyncMs ?? RESYNC_MS);
    this.resyncTimer.unref();
  }

  private async write(batch: Batch): Promise<void> {
    const store = queueKeys(this.settings.prefix);
    const [outcome] = (await evalScript(
      this.settings.redis,
      APPEND_SCRIPT,
      6,
      this.keys.log(this.botId),
      this.keys.meta(this.botId),
      this.keys.people(this.botId),
      store.jobLock(this.botId),
      store.bot(this.botId),
      store.eventsStream,
      this.lockToken ?? '',
      this.max,
      JSON.stringify({
        events: batch.events.map((e) => [
          e.type,
          e.json,
          this.hooks.has(meetingEventCategory(e.type)) ? 1 : 0,
        ]),
        people: batch.people.map((row) => [String(row.participantId), JSON.stringify(row)]),
        meta: batch.meta,
      }),
      this.keys.appendedChannel,
      this.botId,
      this.webhook?.sealed ?? '',
      this.settings.globalWebhookUrl ?? '',
      BOT_EVENTS_STREAM_MAXLEN,
      this.webhook?.origin ?? '',
    )) as [string, number];
    if (outcome === 'fenced' || outcome === 'missing') {
      // The bot has another owner, or no view any more: what this worker still sees is not kept.
      this.fenced = true;
      this.inbox.length = 0;
      this.logger.warn(
        { outcome },
        outcome === 'fenced'
          ? 'meeting events fenced off: the bot has another worker'
          : 'meeting events not kept: the bot has no view any more',
      );
      return;
    }
    for (const event of batch.events) this.settings.metrics?.meetingEvents.inc({ type: event.type });
  }

  /** Runs `work` until it succeeds; a transient Redis error is retried with backoff, unless closed. */
  private async retrying(what: string, work: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await work();
        return;
      } catch (error) {
        if (!isTransientRedisError(error) || this.closed) {
          this.logger.warn({ err: (error as Error).message, what }, 'meeting events not stored');
          if (what === 'load') this.loaded = true;
          return;
        }
        await sleep(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt));
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
