import type { Handler } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { ErrorBody } from '../../shared/error-body.js';
import { TooManyStreamsError } from '../meeting-events/meeting-errors.js';
import type { MeetingEventMetrics } from '../meeting-events/meeting-event-metrics.js';
import type { MeetingEventService } from '../meeting-events/meeting-event-service.js';
import { BotRequestError } from '../queue/bot-errors.js';
import { type KeyExistence, watchKeyStillValid } from './key-still-valid.js';

/** A comment line this often keeps proxies from closing a quiet stream. */
export const SSE_HEARTBEAT_MS = 15_000;

export interface MeetingEventStreamOptions {
  metrics?: MeetingEventMetrics | undefined;
  /** Default `SSE_HEARTBEAT_MS`. */
  heartbeatMs?: number | undefined;
  /** Where a stream opened with a key in Redis re-checks, once a second, that its key still exists. */
  keys: KeyExistence;
  /** SSE_MAX_PER_TENANT: streams one tenant may hold open on this process; default `DEFAULT_SSE_MAX_PER_TENANT`. */
  maxPerTenant?: number | undefined;
}

/** SSE_MAX_PER_TENANT's default: enough for a dashboard per bot, not for a flood of idle sockets. */
export const DEFAULT_SSE_MAX_PER_TENANT = 100;

/** The last frame of a stream whose key was revoked while it was open: §6's error body, then close. */
const KEY_REVOKED: ErrorBody = {
  error: { code: 'unauthorized', message: 'The API key of this stream was revoked' },
};

/**
 * `GET /v1/bots/:id/meeting-events/stream` → `text/event-stream` (docs/contract.md §11): one SSE event per
 * meeting event (`id:` its `seq`, `data:` the event), from `Last-Event-ID` (or `?after=`) on, a
 * `: heartbeat` comment when quiet, and `event: end` once the bot has ended and its last event was
 * sent; then the stream closes. 404 (before any stream) for another tenant's bot. A stream opened
 * with a key in Redis ends within about a second of that key's revocation, with `event: error`.
 * A tenant holding `maxPerTenant` streams open on this process gets a 429 `too_many_streams` (each
 * open stream holds a socket, a Redis subscription's share and a key check).
 */
export function streamMeetingEvents(
  meetings: MeetingEventService,
  options: MeetingEventStreamOptions,
): Handler {
  const maxPerTenant = options.maxPerTenant ?? DEFAULT_SSE_MAX_PER_TENANT;
  const open = new Map<string, number>();
  const release = (tenant: string) => {
    const left = (open.get(tenant) ?? 1) - 1;
    if (left > 0) open.set(tenant, left);
    else open.delete(tenant);
  };
  return async (c) => {
    const principal = c.get('principal');
    const id = c.req.param('id') ?? '';
    const lastEventId = c.req.header('Last-Event-ID');
    const after =
      lastEventId !== undefined
        ? resumePoint(lastEventId, 'Last-Event-ID')
        : resumePoint(c.req.query('after'), 'after');
    // Answered as JSON errors before the stream starts: a 404 is a 404, not an empty stream.
    await meetings.bot(principal, id);
    // Counted and taken with no await in between: concurrent opens cannot all pass the check.
    const tenant = principal.tenant;
    const holding = open.get(tenant) ?? 0;
    if (holding >= maxPerTenant) throw new TooManyStreamsError(tenant, maxPerTenant);
    open.set(tenant, holding + 1);
    let released = false;
    const releaseOnce = () => {
      if (released) return;
      released = true;
      release(tenant);
    };
    try {
      return streamSSE(c, (stream) => serve(stream).finally(releaseOnce));
    } catch (error) {
      releaseOnce();
      throw error;
    }

    async function serve(stream: SSEStreamingApi): Promise<void> {
      const gone = new AbortController();
      stream.onAbort(() => gone.abort());
      const key = watchKeyStillValid(principal, options.keys, { onRevoked: () => gone.abort() });
      options.metrics?.meetingEventStreams.inc();
      try {
        // Sent at once, so a client knows it is connected before the first event.
        await stream.write(': connected\n\n');
        const follow = meetings.follow(principal, id, {
          after,
          signal: gone.signal,
          idleMs: options.heartbeatMs ?? SSE_HEARTBEAT_MS,
        });
        for await (const item of follow) {
          // `follow` gives a whole page before it looks at the signal: nothing more once revoked.
          if (gone.signal.aborted) break;
          if (item.kind === 'idle') await stream.write(': heartbeat\n\n');
          else await stream.writeSSE({ id: String(item.event.seq), data: JSON.stringify(item.event) });
        }
        if (key.revoked) await stream.writeSSE({ event: 'error', data: JSON.stringify(KEY_REVOKED) });
        else if (!gone.signal.aborted)
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ state: 'ended' }) });
      } finally {
        key.stop();
        options.metrics?.meetingEventStreams.dec();
      }
    }
  };
}

/** A `seq` to resume after: a non-negative integer; absent is 0. */
function resumePoint(raw: string | undefined, field: string): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,15}$/.test(raw))
    throw new BotRequestError(field, 'must be a meeting event seq (an integer ≥ 0)');
  return Number(raw);
}
