import { setTimeout as sleep } from 'node:timers/promises';
import { processTree } from '../../runner/browser/chromium-processes.js';
import { createBotClient } from '../../runner/client/producer-client.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../testkit/redis.js';
import { spawnWorker } from '../../testkit/worker-process.js';
import { reapLeftovers } from './leftover-processes.js';
import { readPssBytes } from './pss.js';
import { type SampledPss, type SampleOptions, sampleTreePss } from './pss-samples.js';

export interface SimWorkerDensityOptions {
  bots: number;
  /** The worker's BOTS_PER_BROWSER. */
  botsPerBrowser: number;
  /** A started zoom-sim. */
  simUrl: string;
  sampling: SampleOptions;
  /** The worker's CHROMIUM_ARGS. */
  chromiumArgs: string;
  /** Longest wait for every bot to be `in_meeting`. */
  joinTimeoutMs: number;
}

export interface SimWorkerDensityRun {
  bots: number;
  botsPerBrowser: number;
  /** The worker's Chromium tree: its bots' pages plus the one warm page a worker keeps ready. */
  chromium: SampledPss;
  /** The worker process's own PSS (Node: BullMQ, supervisors, Puppeteer, page server), in bytes. */
  workerBytes: number;
  /** The worker's PSS before any bot joined (its warm page already open), in bytes. */
  idleWorkerBytes: number;
  /** Enqueue to the last bot `in_meeting`. */
  allInMs: number;
  leftoverProcesses: number;
}

export class SimDensityError extends Error {
  constructor(
    readonly reason: 'bots_not_in_meeting' | 'sim_refused',
    message: string,
  ) {
    super(message);
    this.name = 'SimDensityError';
  }
}

/** The median of a few reads of one process's PSS. */
async function medianPss(pid: number, samples: number, intervalMs: number): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(intervalMs);
    values.push((await readPssBytes(pid)) ?? 0);
  }
  values.sort((a, b) => a - b);
  return values[Math.floor((values.length - 1) / 2)] ?? 0;
}

async function simCall(simUrl: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${simUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const body = (await response.text()).slice(0, 500);
    throw new SimDensityError('sim_refused', `zoom-sim answered ${path} with ${response.status} ${body}`);
  }
  return (await response.json()) as Record<string, unknown>;
}

/**
 * A real worker process (`zoom-bot-runner worker`, sim mode, its own QUEUE_PREFIX) runs `bots` bots in
 * one sim meeting with a human host; once all are `in_meeting`, the PSS of its Chromium tree and of the
 * worker itself. The meeting is ended and the worker stopped afterwards; its keys are deleted.
 */
export async function measureSimWorkerDensity(
  options: SimWorkerDensityOptions,
): Promise<SimWorkerDensityRun> {
  const prefix = uniquePrefix();
  const meeting = await simCall(options.simUrl, '/_sim/meetings', {});
  const number = String(meeting.number);
  // A human in the meeting: bots alone with each other would leave (`alone`).
  await simCall(options.simUrl, `/_sim/meetings/${number}/humans`, { userName: 'Host' });
  const worker = spawnWorker({
    ZOOM_SIM_URL: options.simUrl,
    QUEUE_PREFIX: prefix,
    API_PORT: '0',
    WORKER_MIN_FREE_MEMORY_MB: '0',
    WORKER_CONCURRENCY: String(Math.max(options.bots, 1)),
    BOTS_PER_BROWSER: String(options.botsPerBrowser),
    SHUTDOWN_GRACE_SEC: '5',
    CHROMIUM_ARGS: options.chromiumArgs,
  });
  const workerPid = worker.child.pid;
  const client = createBotClient({ redisUrl: TEST_REDIS_URL, queuePrefix: prefix });
  const chromiumPids = () => (workerPid === undefined ? [] : processTree([workerPid]).slice(1));
  let tree: number[] = [];
  let run: Omit<SimWorkerDensityRun, 'leftoverProcesses'>;
  let leftoverProcesses = 0;
  try {
    if (workerPid === undefined) throw new Error('the worker process did not start');
    await worker.ready;
    // The worker warms a page as it starts: let that finish before the idle reading.
    await sleep(3_000);
    const idleWorkerBytes = await medianPss(workerPid, 3, 200);
    const startedAt = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < options.bots; i++) {
      const { bot } = await client.enqueue({
        meetingNumber: number,
        displayName: `Density ${i + 1}`,
        auth: { type: 'none' },
      });
      ids.push(bot.id);
    }
    const deadline = startedAt + options.joinTimeoutMs;
    let inMeeting = 0;
    for (;;) {
      const views = await Promise.all(ids.map((id) => client.get(id)));
      inMeeting = views.filter((view) => view.state === 'in_meeting').length;
      if (inMeeting === ids.length) break;
      if (Date.now() > deadline) {
        throw new SimDensityError(
          'bots_not_in_meeting',
          `${inMeeting} of ${ids.length} bots in the meeting after ${options.joinTimeoutMs} ms`,
        );
      }
      await sleep(250);
    }
    const allInMs = Date.now() - startedAt;
    const chromium = await sampleTreePss(chromiumPids, options.sampling);
    const workerBytes = await medianPss(workerPid, options.sampling.samples, options.sampling.intervalMs);
    tree = chromiumPids();
    run = {
      bots: options.bots,
      botsPerBrowser: options.botsPerBrowser,
      chromium,
      workerBytes,
      idleWorkerBytes,
      allInMs,
    };
  } finally {
    if (tree.length === 0) tree = chromiumPids();
    await simCall(options.simUrl, `/_sim/meetings/${number}/end`, {}).catch(() => {});
    worker.child.kill('SIGTERM');
    const exited = await Promise.race([worker.exited.then(() => true), sleep(20_000).then(() => false)]);
    if (!exited) worker.child.kill('SIGKILL');
    leftoverProcesses = await reapLeftovers(tree);
    await client.close();
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
  return { ...run, leftoverProcesses };
}
