import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { type BotClient, createBotClient } from '../../runner/client/producer-client.js';
import { type PrivateRedisServer, startPrivateRedisServer } from '../../runner/redis/private-redis-server.js';
import { deletePrefix } from '../../testkit/redis.js';
import { spawnSim, spawnWorker, type WorkerProcess } from '../../testkit/worker-process.js';
import { BotEventLog } from './bot-event-log.js';
import { FleetApi } from './fleet-api.js';
import { SimControl } from './sim-control.js';

export interface FleetRigOptions {
  workers: number;
  /** WORKER_CONCURRENCY of each worker. */
  concurrency: number;
  /** A Redis to use instead of a private one (its INFO then counts other clients too). */
  redisUrl?: string | undefined;
}

/** A worker child and the name BullMQ records on the jobs it takes (`pb`): `<host>-<pid>`. */
export interface FleetWorker {
  process: WorkerProcess;
  name: string;
}

/** Lines of a child's output kept for a failure message; the rest is dropped as it comes. */
const OUTPUT_TAIL = 100;

/**
 * Everything one fleet size runs on, each part a process of its own as in a deployment: a private
 * redis-server (so INFO counts only the fleet), `zoom-bot-runner sim`, `zoom-bot-runner api`,
 * and `workers` × `zoom-bot-runner worker` with WORKER_PAGE_DRIVER=sim-client. The benchmark reaches
 * the bots through the API; it reads state changes from the store's pub/sub and Redis's INFO.
 */
export class FleetRig {
  private constructor(
    readonly prefix: string,
    readonly redisUrl: string,
    private readonly privateRedis: PrivateRedisServer | undefined,
    /** The benchmark's own connection: INFO, and the job hashes' `pb`. */
    readonly redis: Redis,
    /** zoom-sim in a process of its own: the API timings are taken on this process's event loop. */
    readonly sim: WorkerProcess & { url: string },
    readonly control: SimControl,
    readonly events: BotEventLog,
    /** The producer library, for the ended views kept in the background (not timed). */
    readonly producer: BotClient,
    readonly api: FleetApi,
    readonly workers: FleetWorker[],
  ) {}

  static async open(options: FleetRigOptions): Promise<FleetRig> {
    // Whatever started is stopped again if a later step fails (a worker that never got ready...).
    const undo: Array<() => Promise<unknown> | unknown> = [];
    try {
      const privateRedis = options.redisUrl ? undefined : await startPrivateRedisServer();
      if (privateRedis) undo.push(() => privateRedis.stop());
      const redisUrl = options.redisUrl ?? (privateRedis as PrivateRedisServer).url;
      const prefix = `zbr-fleet-${Date.now().toString(36)}`;
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
      undo.push(() => redis.disconnect());
      const sim = await spawnSim();
      undo.push(() => stopChild(sim));
      const events = await BotEventLog.open(redisUrl, prefix);
      undo.push(() => events.close());
      const producer = createBotClient({ redisUrl, queuePrefix: prefix });
      undo.push(() => producer.close());
      const base = {
        ZOOM_SIM_URL: sim.url,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: prefix,
        API_PORT: '0',
        LOG_LEVEL: 'info',
        // Nothing here is about memory: never gate on the machine's free memory.
        WORKER_MIN_FREE_MEMORY_MB: '0',
        SHUTDOWN_GRACE_SEC: '5',
      };
      const api = await FleetApi.spawn({
        ...base,
        // The fleet is one tenant: its limits must not be what is measured.
        TENANT_MAX_LIVE_BOTS: '1000000',
        TENANT_RATE_PER_SEC: '100000',
      });
      undo.push(() => api.stop());
      const children = Array.from({ length: options.workers }, () => {
        const child = spawnWorker({
          ...base,
          WORKER_PAGE_DRIVER: 'sim-client',
          WORKER_CONCURRENCY: String(options.concurrency),
        });
        child.child.stdout?.on('data', () => {
          if (child.output.length > OUTPUT_TAIL) child.output.splice(0, child.output.length - OUTPUT_TAIL);
        });
        undo.push(() => stopChild(child));
        return child;
      });
      await Promise.all(children.map((child) => child.ready));
      const workers = children.map((child) => ({ process: child, name: `${hostname()}-${child.child.pid}` }));
      const rig = new FleetRig(
        prefix,
        redisUrl,
        privateRedis,
        redis,
        sim,
        new SimControl(sim.url),
        events,
        producer,
        api,
        workers,
      );
      process.once('exit', rig.killOnExit);
      return rig;
    } catch (error) {
      for (const step of undo.reverse())
        await Promise.resolve()
          .then(step)
          .catch(() => {});
      throw error;
    }
  }

  /** A benchmark stopped with Ctrl-C must not leave its workers behind. */
  private readonly killOnExit = () => {
    for (const { process: worker } of this.workers)
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  };

  /** The fleet's processes by role, for their CPU time. */
  pids(): Record<string, Array<number | undefined>> {
    return {
      workers: this.workers.map((w) => w.process.child.pid),
      api: [this.api.pid],
      redis: [this.privateRedis?.pid],
      sim: [this.sim.child.pid],
      benchmark: [process.pid],
    };
  }

  /** Which worker's name each bot's job carries (BullMQ's `pb`), read from the job hashes. */
  async holders(botIds: readonly string[]): Promise<Map<string, string | null>> {
    const pipeline = this.redis.pipeline();
    for (const id of botIds) pipeline.hget(`${this.prefix}:bots:${id}`, 'pb');
    const answers = (await pipeline.exec()) ?? [];
    return new Map(botIds.map((id, i) => [id, (answers[i]?.[1] as string | null | undefined) ?? null]));
  }

  /** `kill -9`: the worker and its sockets go at once, as a crashed container's would. */
  async kill(worker: FleetWorker): Promise<void> {
    worker.process.child.kill('SIGKILL');
    await worker.process.exited;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map(({ process: worker }) => stopChild(worker)));
    process.off('exit', this.killOnExit);
    await this.api.stop();
    await this.producer.close();
    await this.events.close();
    await stopChild(this.sim);
    if (!this.privateRedis) await deletePrefix(this.redis, this.prefix).catch(() => {});
    this.redis.disconnect();
    await this.privateRedis?.stop();
  }
}

/** SIGTERM (handoff), SIGKILL after 15 s. */
async function stopChild(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 15_000);
  await worker.exited;
  clearTimeout(timer);
}
