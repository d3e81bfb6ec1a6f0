import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { isProcessRunning, processTree } from '../../runner/browser/chromium-processes.js';
import { type BotClient, createBotClient } from '../../runner/client/producer-client.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { requireConfiguredMode } from '../../runner/config/mode.js';
import { createLogger } from '../../runner/log/logger.js';
import {
  type WorkerProcess as InProcessWorker,
  startWorkerProcess,
} from '../../runner/runtime/worker-process.js';
import { ensurePageBuilds } from '../../runner/web/page-build.js';
import { deletePrefix } from '../../testkit/redis.js';
import { startTestSim } from '../../testkit/sim.js';
import { spawnWorker, type WorkerProcess } from '../../testkit/worker-process.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { BotEventLog } from './bot-event-log.js';
import { SimControl } from './sim-control.js';
import { WorkerLog } from './worker-log.js';

export const BENCH_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** For the notes: the extra Chromium flags the workers ran with (they change page cost). */
export function describeChromiumArgs(): string {
  const args = process.env.CHROMIUM_ARGS?.trim();
  return args ? `Workers ran with CHROMIUM_ARGS=${args}.` : 'Workers ran without CHROMIUM_ARGS.';
}

/**
 * What every runner benchmark stands on: a real zoom-sim on a free port, Redis under a QUEUE_PREFIX of
 * its own, the producer library to enqueue with, the bot-events log to timestamp transitions, and
 * real workers (in this process, or child processes that can be killed with -9). `close()` stops the
 * workers and their Chromium, the sim, and deletes the prefix.
 */
export class BenchFleet {
  private readonly runtimes = new Set<InProcessWorker>();
  /** Each in-process worker's log (on to stderr), for its count of failed page warm-ups. */
  private readonly logs = new Map<InProcessWorker, WorkerLog>();
  private readonly children = new Set<WorkerProcess>();
  private readonly killChildrenOnExit = () => {
    for (const worker of this.children) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  };

  private constructor(
    readonly prefix: string,
    readonly sim: RunningSim,
    readonly control: SimControl,
    readonly events: BotEventLog,
    readonly bots: BotClient,
    /** Settings every worker of this fleet gets (WORKER_CONCURRENCY, BOTS_PER_BROWSER...). */
    private readonly baseEnv: Record<string, string>,
  ) {
    // A benchmark stopped with Ctrl-C must not leave a worker (and its Chromium) behind.
    process.once('exit', this.killChildrenOnExit);
  }

  static async open(workerEnv: Record<string, string> = {}): Promise<BenchFleet> {
    await ensurePageBuilds(['sim']);
    const prefix = `zbr-bench-${randomUUID().slice(0, 8)}`;
    const sim = await startTestSim();
    const events = await BotEventLog.open(BENCH_REDIS_URL, prefix);
    const bots = createBotClient({ redisUrl: BENCH_REDIS_URL, queuePrefix: prefix });
    const control = new SimControl(sim.url);
    await warmProducer(bots, control);
    return new BenchFleet(prefix, sim, control, events, bots, workerEnv);
  }

  /** A worker's environment: this sim and prefix, the fleet's settings, then `extra`. */
  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ZOOM_SIM_URL: this.sim.url,
      REDIS_URL: BENCH_REDIS_URL,
      QUEUE_PREFIX: this.prefix,
      API_PORT: '0',
      // The machine's free memory is not what these benchmarks measure: never gate on it.
      WORKER_MIN_FREE_MEMORY_MB: '0',
      SHUTDOWN_GRACE_SEC: '5',
      LOG_LEVEL: 'warn',
      // The Chromium to run and its extra flags come from the caller's environment, as for a worker.
      ...pick(process.env, ['CHROMIUM_PATH', 'CHROMIUM_ARGS']),
      ...this.baseEnv,
      ...extra,
    };
  }

  /** A worker in this process (warnings to stderr); `warmPages` pages are kept loaded ahead of joins. */
  async startWorker(
    options: { env?: Record<string, string>; warmPages?: number } = {},
  ): Promise<InProcessWorker> {
    const config = loadConfig(this.workerEnv(options.env));
    const log = new WorkerLog();
    const runtime = await startWorkerProcess({
      config,
      mode: requireConfiguredMode(config, 'bench'),
      logger: createLogger({ level: config.LOG_LEVEL, name: 'bench-worker', destination: log }),
      ...(options.warmPages !== undefined ? { warmPages: options.warmPages } : {}),
    });
    this.runtimes.add(runtime);
    this.logs.set(runtime, log);
    return runtime;
  }

  /** Page warm-ups that failed in this process's workers while they ran (not while stopping). */
  get warmFailures(): number {
    return [...this.logs.values()].reduce((sum, log) => sum + log.warmFailures, 0);
  }

  async stopWorker(runtime: InProcessWorker): Promise<void> {
    this.runtimes.delete(runtime);
    const log = this.logs.get(runtime);
    if (log) log.stopping = true;
    await runtime.shutdown('handoff');
  }

  /** `zoom-bot-runner worker` as a child process; resolves once it logged that it is ready. */
  async spawnWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
    // Info level: the helper waits for the "worker ready" line.
    const worker = spawnWorker(this.workerEnv({ LOG_LEVEL: 'info', ...env }));
    this.children.add(worker);
    worker.child.stdout?.on('data', () => {
      // Keep only the tail: a long benchmark must not hold every log line in memory.
      if (worker.output.length > 200) worker.output.splice(0, worker.output.length - 200);
    });
    await worker.ready;
    return worker;
  }

  /** Every process of a child worker's tree (its Chromium included), read while it runs. */
  processTreeOf(worker: WorkerProcess): number[] {
    return worker.child.pid === undefined ? [] : processTree([worker.child.pid]);
  }

  /** Asks every bot to leave and waits until each has ended (so the next round starts from empty). */
  async leaveAll(botIds: readonly string[], timeoutMs = 30_000): Promise<void> {
    const since = Date.now();
    await Promise.all(botIds.map((id) => this.bots.leave(id).catch(() => undefined)));
    await Promise.all(
      botIds.map(async (id) => {
        if ((await this.bots.get(id)).state === 'ended') return;
        await this.events.waitFor(id, (e) => e.state === 'ended' && e.receivedMs >= since - 1000, timeoutMs);
      }),
    );
  }

  /** SIGTERM (handoff), SIGKILL after 10 s; then nothing of its process tree may remain. */
  async stopChild(worker: WorkerProcess): Promise<void> {
    const tree = this.processTreeOf(worker);
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGTERM');
      const graceful = await Promise.race([
        worker.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref()),
      ]);
      if (!graceful) worker.child.kill('SIGKILL');
      await worker.exited;
    }
    // Chromium dies with its worker (pipe); anything of its tree still there is killed by its own pid.
    for (const pid of tree) if (isProcessRunning(pid)) killQuietly(pid);
    this.children.delete(worker);
  }

  async close(): Promise<void> {
    for (const log of this.logs.values()) log.stopping = true;
    await Promise.allSettled([...this.runtimes].map((runtime) => runtime.shutdown('handoff')));
    this.runtimes.clear();
    for (const worker of [...this.children]) await this.stopChild(worker);
    process.off('exit', this.killChildrenOnExit);
    await this.bots.close();
    await this.events.close();
    await this.sim.close();
    const redis = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: 2 });
    try {
      await deletePrefix(redis, this.prefix);
    } finally {
      redis.disconnect();
    }
  }
}

/**
 * A producer's first call connects and resolves the job key: a long-running service pays that once,
 * so a benchmark pays it before its clocks start, with a bot scheduled an hour out and left at once.
 */
async function warmProducer(bots: BotClient, control: SimControl): Promise<void> {
  const { number } = await control.createMeeting();
  const { bot } = await bots.enqueue({
    meetingNumber: number,
    displayName: 'Warm-up',
    auth: { type: 'none' },
    joinAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  await bots.leave(bot.id);
}

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
