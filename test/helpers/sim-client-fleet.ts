import { afterAll, expect, onTestFinished } from 'vitest';
import { type BotClient, createBotClient } from '../../runner/client/producer-client.js';
import type { BotView } from '../../shared/bot-view.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../testkit/redis.js';
import { spawnWorker, type WorkerProcess } from '../../testkit/worker-process.js';
import type { useSim } from './sim-harness.js';

/**
 * Real `zoom-bot-runner worker` processes with `WORKER_PAGE_DRIVER=sim-client` (no Chromium: cheap
 * enough to kill and start in a node test) on a queue of their own, with a producer. Each `fleet()`
 * is closed after its test; the prefixes are deleted after the file.
 */
export function useSimClientFleet(sim: ReturnType<typeof useSim>) {
  const redis = connectTestRedis();
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(redis, prefix);
    redis.disconnect();
  }, 30_000);

  return function fleet(env: Record<string, string> = {}) {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const bots: BotClient = createBotClient({ redisUrl: TEST_REDIS_URL, queuePrefix: prefix });
    const workers: WorkerProcess[] = [];
    onTestFinished(async () => {
      for (const worker of workers) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) {
          worker.child.kill('SIGTERM');
          await worker.exited;
        }
      }
      await bots.close();
    });
    return {
      bots,
      prefix,
      workers,
      async startWorker(): Promise<WorkerProcess> {
        const worker = spawnWorker({ ...simClientWorkerEnv(sim.sim.url, prefix), ...env });
        workers.push(worker);
        await worker.ready;
        return worker;
      },
    };
  };
}

/** A `zoom-bot-runner worker` on the test Redis with the sim-client driver: no Chromium, a 5 s grace. */
export function simClientWorkerEnv(simUrl: string, prefix: string): Record<string, string> {
  return {
    ZOOM_SIM_URL: simUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    API_PORT: '0',
    WORKER_PAGE_DRIVER: 'sim-client',
    WORKER_MIN_FREE_MEMORY_MB: '0',
    CHROMIUM_PATH: '/nonexistent/chromium',
    SHUTDOWN_GRACE_SEC: '5',
  };
}

/** When the view first entered `state` at or after event `from`. */
export function eventAt(view: BotView, state: string, from = 0): number {
  const event = view.events.slice(from).find((e) => e.state === state);
  if (!event) throw new Error(`no ${state} event: ${view.events.map((e) => e.state).join(' → ')}`);
  return Date.parse(event.at);
}

/** Enqueues one zak bot and waits until it is `in_meeting`. */
export async function botInMeeting(
  bots: BotClient,
  meetingNumber: string,
  displayName = 'Fleet Bot',
): Promise<{ id: string; firstIn: number }> {
  const { bot } = await bots.enqueue({ meetingNumber, displayName, auth: { type: 'zak' } });
  await expect.poll(async () => (await bots.get(bot.id)).state, { timeout: 20_000 }).toBe('in_meeting');
  return { id: bot.id, firstIn: eventAt(await bots.get(bot.id), 'in_meeting') };
}
