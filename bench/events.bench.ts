import type { Redis } from 'ioredis';
import { createApiApp } from '../runner/api/api-app.js';
import { loadConfig } from '../runner/config/load-config.js';
import { redisReadiness } from '../runner/http/health-routes.js';
import { startHttpServer } from '../runner/http/http-server.js';
import { createLogger } from '../runner/log/logger.js';
import { RunnerMetrics } from '../runner/metrics/runner-metrics.js';
import { createQueueLayer } from '../runner/queue/queue-layer.js';
import type { BotView } from '../shared/bot-view.js';
import type { MeetingEvent } from '../shared/meeting-events.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../testkit/redis.js';
import { startTestSim } from '../testkit/sim.js';
import { spawnWorker } from '../testkit/worker-process.js';
import { benchOptions, positiveInt } from './lib/bench-args.js';
import { type BenchReport, missedTargetNotes, target } from './lib/bench-result.js';
import { describeLoad, LoadSampler } from './lib/load-sampler.js';
import { round, spread } from './lib/stats.js';

/**
 * `events` (docs/contract.md §11): `--bots` bots in one meeting, a participant chatting `--rate`
 * messages a second for `--seconds` through the sim's control API, and one SSE client per bot on the
 * api. Each message's latency runs from the sim's own send timestamp to its arrival at each SSE
 * client; `lost` counts (bot, message) pairs that never arrived. Bots run in a sim-client worker
 * (its own process, no Chromium: the page's part is the browser's, not the runner's); the sim, the
 * API and the SSE clients share this process.
 */
const API_KEY = 'bench-events-key-0123456789abcdef';

interface Arrival {
  text: string;
  /** When its SSE frame arrived. */
  at: number;
}

export async function runEventsBench(args: string[]): Promise<BenchReport> {
  const options = benchOptions(args, { bots: '10', rate: '50', seconds: '30' });
  const botCount = positiveInt('bots', options.bots);
  const rate = positiveInt('rate', options.rate);
  const seconds = positiveInt('seconds', options.seconds);
  const prefix = uniquePrefix().replace('zbr-test', 'zbr-bench');
  const redis: Redis = connectTestRedis();
  const sim = await startTestSim();
  const worker = spawnWorker({
    ZOOM_SIM_URL: sim.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    API_PORT: '0',
    WORKER_PAGE_DRIVER: 'sim-client',
    WORKER_CONCURRENCY: String(botCount + 5),
    WORKER_MIN_FREE_MEMORY_MB: '0',
    CHROMIUM_PATH: '/nonexistent/chromium',
    SHUTDOWN_GRACE_SEC: '5',
  });
  const config = loadConfig({ QUEUE_PREFIX: prefix, API_KEYS: API_KEY, ZOOM_SIM_URL: sim.url });
  const layer = createQueueLayer({ redis, prefix });
  const http = await startHttpServer(
    createApiApp({
      layer,
      config,
      logger: createLogger({ level: 'warn' }),
      metrics: new RunnerMetrics(),
      pages: false,
      readiness: redisReadiness(redis),
    }),
    { port: 0, host: '127.0.0.1' },
  );
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${http.url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json', ...init.headers },
    });
  const streams: Array<{ close(): Promise<void> }> = [];
  const arrivals = new Map<string, Arrival[]>();
  /** Message text → the sim's timestamp of its send (known once the control API answered). */
  const sentTimes = new Map<string, number>();
  const load = new LoadSampler();
  try {
    await Promise.race([
      worker.ready,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('the worker was not ready in 60 s')), 60_000),
      ),
    ]);
    const meeting = (await (
      await fetch(`${sim.url}/_sim/meetings`, { method: 'POST', body: '{}' })
    ).json()) as {
      number: string;
    };
    const human = (await (
      await fetch(`${sim.url}/_sim/meetings/${meeting.number}/humans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userName: 'Chatty' }),
      })
    ).json()) as { id: number };
    const bots: string[] = [];
    for (let i = 0; i < botCount; i++) {
      const response = await api('/v1/bots', {
        method: 'POST',
        body: JSON.stringify({
          meetingNumber: meeting.number,
          displayName: `Bench ${i + 1}`,
          auth: { type: 'none' },
        }),
      });
      bots.push(((await response.json()) as BotView).id);
    }
    await waitUntil(async () => {
      const views = await Promise.all(
        bots.map(async (id) => (await (await api(`/v1/bots/${id}`)).json()) as BotView),
      );
      return views.every((v) => v.state === 'in_meeting');
    }, 60_000);
    progress(`${botCount} bots in meeting ${meeting.number}`);
    for (const id of bots) {
      arrivals.set(id, []);
      streams.push(
        await follow(`${http.url}/v1/bots/${id}/meeting-events/stream`, (event, at) => {
          if (event.type === 'chat.received') arrivals.get(id)?.push({ text: event.data.text, at });
        }),
      );
    }
    const total = rate * seconds;
    const started = Date.now();
    const posts: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const text = `bench message ${i + 1}`;
      posts.push(
        fetch(`${sim.url}/_sim/meetings/${meeting.number}/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ from: human.id, text }),
        }).then(async (response) => {
          const body = (await response.json()) as { at: string };
          // The sim's own timestamp of the send (same clock: the sim runs in this process).
          sentTimes.set(text, Date.parse(body.at));
        }),
      );
      if ((i + 1) % (rate * 5) === 0) progress(`${i + 1}/${total} messages sent`);
    }
    await Promise.all(posts);
    // What is still on its way: a few seconds at most.
    await waitUntil(
      async () => [...arrivals.values()].every((list) => list.length >= sentTimes.size),
      10_000,
    ).catch(() => {});
    for (const id of bots) await api(`/v1/bots/${id}`, { method: 'DELETE' });
  } finally {
    for (const stream of streams) await stream.close();
    await http.close();
    await layer.close();
    worker.child.kill('SIGTERM');
    await worker.exited;
    await sim.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
  const latencies = [...arrivals.values()].flatMap((list) =>
    list.flatMap((a) => {
      const sentAt = sentTimes.get(a.text);
      return sentAt === undefined ? [] : [a.at - sentAt];
    }),
  );
  const lost = [...arrivals.values()].reduce((sum, list) => {
    const got = new Set(list.map((a) => a.text));
    return sum + [...sentTimes.keys()].filter((text) => !got.has(text)).length;
  }, 0);
  const s = spread(latencies);
  const summary = {
    eventP50Ms: round(s.p50),
    eventP95Ms: round(s.p95),
    eventMaxMs: round(s.max),
    lost,
    bots: botCount,
    messages: sentTimes.size,
    deliveries: latencies.length,
  };
  const targets = {
    eventP50Ms: target('eventP50Ms', summary.eventP50Ms, '<=', 100, 'ms'),
    eventP95Ms: target('eventP95Ms', summary.eventP95Ms, '<=', 300, 'ms'),
    lost: target('lost', lost, '==', 0, 'events'),
  };
  return {
    summary,
    targets,
    notes: [
      describeLoad(load.stop()),
      `${botCount} bots in one meeting, ${rate} chat messages/s for ${seconds} s from one participant (sim control API), ` +
        'one SSE client per bot (GET /v1/bots/:id/meeting-events/stream).',
      'Bots run in a WORKER_PAGE_DRIVER=sim-client worker (its own process, no Chromium): the runner path is the ' +
        'real one from the participant socket on (meeting-event feed, per-bot log in Redis, pub/sub wake-up, SSE); ' +
        'the page’s own 25 ms batching is mirrored by the sim-client feed.',
      'Latency: from the sim’s timestamp of the send to the SSE frame’s arrival (sim, API and SSE clients share ' +
        'one process and clock).',
      ...missedTargetNotes(targets),
    ],
    table: [
      {
        measure: 'sim send → SSE client',
        count: s.count,
        p50: summary.eventP50Ms,
        p95: summary.eventP95Ms,
        max: summary.eventMaxMs,
      },
    ],
  };
}

/** One SSE client: `onEvent` with each meeting event and the time its frame arrived. */
async function follow(
  url: string,
  onEvent: (event: MeetingEvent, at: number) => void,
): Promise<{ close(): Promise<void> }> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${API_KEY}` },
    signal: abort.signal,
  });
  const reading = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const at = Date.now();
        buffer += decoder.decode(chunk, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (data && !frame.includes('\nevent: ') && !frame.startsWith('event: ')) {
            onEvent(JSON.parse(data.slice(6)) as MeetingEvent, at);
          }
        }
      }
    } catch {
      // Closed by us.
    }
  })();
  return {
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
