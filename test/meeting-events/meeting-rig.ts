import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import { createApiApp } from '../../runner/api/api-app.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { requireConfiguredMode } from '../../runner/config/mode.js';
import { redisReadiness } from '../../runner/http/health-routes.js';
import { type RunningHttpServer, startHttpServer } from '../../runner/http/http-server.js';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import { createQueueLayer, type QueueLayer } from '../../runner/queue/queue-layer.js';
import { startWorkerProcess, type WorkerProcess } from '../../runner/runtime/worker-process.js';
import type { BotView } from '../../shared/bot-view.js';
import type { MeetingEvent } from '../../shared/meeting-events.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { useSim } from '../helpers/sim-harness.js';

export const ACME_KEY = 'acme-key-0123456789abcdefghij';
export const BETA_KEY = 'beta-key-0123456789abcdefghij';
export const WEBHOOK_SECRET = 'meeting-webhook-secret-0123';

export interface Hook {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; createdAt: string; botId?: string; event?: MeetingEvent };
}

/**
 * For one test file: a zoom-sim, a worker with `WORKER_PAGE_DRIVER=sim-client` (bots as sim
 * participant sockets, no Chromium) in this process, an API on its own Redis connection and queue
 * layer (another "api process" of the deployment) over a real socket, and a webhook receiver.
 * Tenants `acme` and `beta` each hold a key.
 */
export function useMeetingRig(env: Record<string, string> = {}) {
  const sim = useSim();
  const prefix = uniquePrefix();
  const { logger, lines } = captureLogger('info');
  const hooks: Hook[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      hooks.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(200).end();
    });
  });
  let worker: WorkerProcess | undefined;
  let http: RunningHttpServer | undefined;
  let layer: QueueLayer | undefined;
  let redis: Redis | undefined;
  let hookOrigin = '';
  const apiMetrics = new RunnerMetrics();

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const config = loadConfig({
      ZOOM_SIM_URL: sim.sim.url,
      QUEUE_PREFIX: prefix,
      API_PORT: '0',
      API_KEYS: `acme:${ACME_KEY},beta:${BETA_KEY}`,
      WORKER_PAGE_DRIVER: 'sim-client',
      WORKER_CONCURRENCY: '20',
      WORKER_MIN_FREE_MEMORY_MB: '0',
      RECONNECT_GRACE_MS: '3000',
      SHUTDOWN_GRACE_SEC: '5',
      WEBHOOK_SECRET,
      OUTBOUND_URL_ALLOWLIST: hookOrigin,
      ...env,
    });
    worker = await startWorkerProcess({ config, mode: requireConfiguredMode(config, 'test'), logger });
    redis = connectTestRedis();
    layer = createQueueLayer({ redis, prefix, chatPerBotPerMin: config.CHAT_PER_BOT_PER_MIN });
    const app = createApiApp({
      layer,
      config,
      logger,
      metrics: apiMetrics,
      pages: false,
      readiness: redisReadiness(redis),
      meetingEventHeartbeatMs: 300,
    });
    http = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await http?.close();
    await worker?.shutdown('handoff');
    await layer?.close();
    receiver.closeAllConnections();
    receiver.close();
    if (redis) {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  }, 60_000);

  const rig = {
    sim,
    prefix,
    hooks,
    logLines: lines,
    apiMetrics,
    get hookOrigin() {
      return hookOrigin;
    },
    get url() {
      if (!http) throw new Error('rig not started');
      return http.url;
    },
    get redis() {
      if (!redis) throw new Error('rig not started');
      return redis;
    },
    get worker() {
      if (!worker) throw new Error('rig not started');
      return worker;
    },

    call(path: string, init: RequestInit & { json?: unknown; key?: string } = {}): Promise<Response> {
      const { json, key, headers, ...rest } = init;
      return fetch(`${rig.url}${path}`, {
        ...rest,
        headers: {
          Authorization: `Bearer ${key ?? ACME_KEY}`,
          ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(headers as Record<string, string> | undefined),
        },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },

    async bot(id: string): Promise<BotView> {
      const response = await rig.call(`/v1/bots/${id}`);
      expect(response.status).toBe(200);
      return (await response.json()) as BotView;
    },

    /** A bot of tenant acme in `meetingNumber` (auth none: several can share a meeting), in the meeting. */
    async botInMeeting(meetingNumber: string, extra: Record<string, unknown> = {}): Promise<BotView> {
      const response = await rig.call('/v1/bots', {
        method: 'POST',
        json: { meetingNumber, displayName: 'Notes Bot', auth: { type: 'none' }, ...extra },
      });
      expect(response.status, await response.clone().text()).toBe(201);
      const { id } = (await response.json()) as BotView;
      await expect.poll(async () => (await rig.bot(id)).state, { timeout: 20_000 }).toBe('in_meeting');
      return rig.bot(id);
    },

    /** Every stored event of `id` (all pages), optionally of one type or group. */
    async events(id: string, type?: string): Promise<MeetingEvent[]> {
      const all: MeetingEvent[] = [];
      let after = 0;
      for (;;) {
        const query = new URLSearchParams({ after: String(after), limit: '1000', ...(type ? { type } : {}) });
        const response = await rig.call(`/v1/bots/${id}/meeting-events?${query}`);
        expect(response.status, await response.clone().text()).toBe(200);
        const page = (await response.json()) as { items: MeetingEvent[]; nextAfter: number };
        all.push(...page.items);
        if (page.nextAfter === after) return all;
        after = page.nextAfter;
      }
    },

    /** Waits until the bot's log holds an event matching `match`; answers it. */
    async waitForEvent(
      id: string,
      match: (event: MeetingEvent) => boolean,
      timeout = 10_000,
    ): Promise<MeetingEvent> {
      let found: MeetingEvent | undefined;
      await expect
        .poll(
          async () => {
            found = (await rig.events(id)).find(match);
            return found !== undefined;
          },
          { timeout, interval: 100 },
        )
        .toBe(true);
      return found as MeetingEvent;
    },

    async participants(id: string) {
      const response = await rig.call(`/v1/bots/${id}/participants`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { items: ParticipantItemJson[] }).items;
    },
  };
  return rig;
}
export type MeetingRig = ReturnType<typeof useMeetingRig>;

export interface ParticipantItemJson {
  participantId: number;
  name: string;
  role: string;
  ours: boolean;
  present: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
  presentSec: number;
}

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/**
 * A Server-Sent Events client over fetch: frames as they arrive (comments included), until the
 * server closes the stream or `close()` is called.
 */
export async function openSse(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const frames: SseFrame[] = [];
  let ended = false;
  const reading = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          frames.push(parseFrame(buffer.slice(0, cut)));
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
    ended = true;
  })();
  return {
    response,
    frames,
    get ended() {
      return ended;
    },
    /** The frames that carry a meeting event. */
    events: () => frames.filter((f) => f.data !== undefined && f.event === undefined),
    close: async () => {
      abort.abort();
      await reading;
    },
    finished: () => reading,
  };
}

function parseFrame(text: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else if (line.startsWith('id: ')) frame.id = line.slice(4);
    else if (line.startsWith('event: ')) frame.event = line.slice(7);
    else if (line.startsWith('data: '))
      frame.data = (frame.data === undefined ? '' : `${frame.data}\n`) + line.slice(6);
  }
  return frame;
}
