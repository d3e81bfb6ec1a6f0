import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freeLoopbackPort } from '../runner/redis/private-redis-server.js';

/**
 * A real Redis Sentinel setup on loopback for failover tests: one primary, one replica, three
 * sentinels (quorum 2), all redis-server processes of the test's own (`redis-server --sentinel` is
 * Debian's redis-sentinel). Failure detection is fast (1 s) so a failover takes a few seconds.
 */
export interface SentinelGroup {
  readonly name: string;
  /** `127.0.0.1:port` of each sentinel (REDIS_SENTINELS). */
  readonly sentinels: string[];
  /** The port of the primary the sentinels name now. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the server that is the primary now; resolves once it has exited. */
  killPrimary(): Promise<number>;
  /** Waits until the replica has every write the primary acknowledged so far. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const NAME = 'zbr-primary';

function startServer(args: string[]): ChildProcess {
  return spawn('redis-server', args, { stdio: 'ignore' });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`sentinel group: ${what} not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function client(port: number): Redis {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  return redis;
}

async function ask<T>(port: number, call: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = client(port);
  try {
    await redis.connect();
    return await call(redis);
  } finally {
    redis.disconnect();
  }
}

export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zbr-sentinel-'));
  const processes = new Map<number, ChildProcess>();
  const dataPorts = [await freeLoopbackPort(), await freeLoopbackPort()];
  const [first, second] = dataPorts as [number, number];
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  processes.set(first, startServer(['--port', String(first), '--dir', dir, ...common]));
  processes.set(
    second,
    startServer([
      '--port',
      String(second),
      '--dir',
      dir,
      ...common,
      '--replicaof',
      '127.0.0.1',
      String(first),
    ]),
  );
  await until('replication', () =>
    ask(second, async (r) =>
      (await r.info('replication')).includes('master_link_status:up') ? true : undefined,
    ),
  );
  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freeLoopbackPort();
    const conf = path.join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${NAME} 127.0.0.1 ${first} 2`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 5000`,
        `sentinel parallel-syncs ${NAME} 1`,
        '',
      ].join('\n'),
    );
    processes.set(port, spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    sentinelPorts.push(port);
  }
  // Sentinels find each other and the replica through the primary (hello messages every 2 s): a
  // failover needs them to know each other.
  for (const port of sentinelPorts) {
    await until('sentinel discovery', () =>
      ask(port, async (r) => {
        const fields = (await r.call('SENTINEL', 'MASTER', NAME)) as string[];
        const get = (key: string) => Number(fields[fields.indexOf(key) + 1]);
        return get('num-other-sentinels') === 2 && get('num-slaves') === 1 ? true : undefined;
      }),
    );
  }
  const primaryPort = () =>
    ask(sentinelPorts[0] as number, async (r) => {
      const [, port] = (await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as [string, string];
      return Number(port);
    });
  return {
    name: NAME,
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`),
    primaryPort,
    async killPrimary() {
      const port = await primaryPort();
      const child = processes.get(port);
      if (!child || child.exitCode !== null) throw new Error(`no running primary on ${port}`);
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
      return port;
    },
    async settle() {
      const port = await primaryPort();
      await ask(port, (r) => r.call('WAIT', '1', '2000'));
    },
    async close() {
      await Promise.all(
        [...processes.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
