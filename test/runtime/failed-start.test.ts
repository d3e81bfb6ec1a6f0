import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree } from '../../runner/browser/chromium-processes.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { resolveMode } from '../../runner/config/mode.js';
import { freeLoopbackPort } from '../../runner/redis/private-redis-server.js';
import { declareApiProcess } from '../../runner/runtime/api-process.js';
import type { Runtime } from '../../runner/runtime/runtime.js';
import { declareStartProcess } from '../../runner/runtime/start-process.js';
import { declareWorkerProcess } from '../../runner/runtime/worker-process.js';
import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { type PrivateRedis, startPrivateRedis } from '../helpers/private-redis.js';

/**
 * A start that fails part-way must give back everything it took: sockets, servers, timers, child
 * processes and Redis connections. Each case runs the real process declaration in this process, on a
 * redis-server of its own (so CLIENT LIST counts only its connections), and compares what is open
 * afterwards with what was open before.
 */

const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'ProcessWrap', 'PipeWrap', 'TTYWrap'];

function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) {
    if (WATCHED.includes(type)) counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

function leftOver(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [type, count] of Object.entries(after)) {
    if (count > (before[type] ?? 0)) extra[type] = count - (before[type] ?? 0);
  }
  return extra;
}

async function redisClients(observer: Redis): Promise<number> {
  const list = (await observer.client('LIST')) as string;
  // The observer itself is one of them.
  return list.trim().split('\n').length - 1;
}

function children(): number[] {
  return processTree([process.pid]).filter((pid) => pid !== process.pid);
}

describe('a start that fails part-way leaves nothing open', { timeout: 60_000 }, () => {
  let redis: PrivateRedis;
  let observer: Redis;
  let sim: RunningSim;
  let heldPort: Server;
  let port: number;
  let dir: string;
  let brokenChromium: string;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    observer = new Redis(redis.url);
    sim = await startTestSim();
    port = await freeLoopbackPort();
    heldPort = createServer();
    await new Promise<void>((resolve) => heldPort.listen(port, '0.0.0.0', resolve));
    dir = mkdtempSync(path.join(tmpdir(), 'zbr-failed-start-'));
    // Passes the "is it an executable file" check, then fails to launch: a broken Chromium install.
    brokenChromium = path.join(dir, 'chromium');
    writeFileSync(brokenChromium, '#!/bin/sh\necho "chromium: cannot open shared libraries" >&2\nexit 127\n');
    chmodSync(brokenChromium, 0o755);
  });

  afterAll(async () => {
    await new Promise((resolve) => heldPort?.close(resolve));
    observer?.disconnect();
    await sim?.close();
    await redis?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `runtime` expecting `code`, then waits for handles, connections and children to be back. */
  async function expectCleanFailure(runtime: Runtime, code: string, message: RegExp, prefix?: string) {
    const handlesBefore = openHandles();
    const clientsBefore = await redisClients(observer);
    const childrenBefore = children();
    await expect(runtime.start()).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    // ioredis and sockets close on the next turns of the loop: give them a moment, then require all gone.
    await expect
      .poll(() => leftOver(handlesBefore, openHandles()), { timeout: 5_000, interval: 100 })
      .toEqual({});
    await expect.poll(() => redisClients(observer), { timeout: 5_000, interval: 100 }).toBe(clientsBefore);
    expect(children().filter((pid) => !childrenBefore.includes(pid))).toEqual([]);
    // A lease still held would keep every other process from reporting the queue depth for 15 s.
    if (prefix !== undefined) expect(await observer.exists(`${prefix}:metrics:leader`)).toBe(0);
    // Closing again (a signal arriving after the failure) is harmless.
    await runtime.close();
  }

  const env = (extra: Record<string, string>) => ({
    REDIS_URL: redis.url,
    QUEUE_PREFIX: `zbr-failed-${Math.random().toString(36).slice(2, 8)}`,
    ZOOM_SIM_URL: sim.url,
    API_PORT: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  });

  it('api: the port is taken after Redis, the Zoom credentials and the queue layer started', async () => {
    const config = loadConfig(env({ API_PORT: String(port) }));
    const api = declareApiProcess({
      config,
      mode: { kind: 'sim', simUrl: sim.url },
      logger: captureLogger('fatal').logger,
    });
    await expectCleanFailure(api.runtime, 'port_in_use', new RegExp(`API_PORT=${port} cannot be served`));
  });

  it('api: Redis refuses connections', async () => {
    const closed = await freeLoopbackPort();
    const config = loadConfig(env({ REDIS_URL: `redis://127.0.0.1:${closed}` }));
    const api = declareApiProcess({
      config,
      mode: { kind: 'sim', simUrl: sim.url },
      logger: captureLogger('fatal').logger,
    });
    await expectCleanFailure(api.runtime, 'redis_unreachable', /does not answer \(.*ECONNREFUSED/);
  });

  it('worker: Chromium cannot launch, after Redis, HTTP, webhooks and the queue-depth lease started', async () => {
    const config = loadConfig(env({ CHROMIUM_PATH: brokenChromium }));
    const worker = declareWorkerProcess({
      config,
      mode: { kind: 'sim', simUrl: sim.url },
      logger: captureLogger('fatal').logger,
    });
    await expectCleanFailure(
      worker.runtime,
      'chromium_unusable',
      new RegExp(`Chromium at CHROMIUM_PATH=${brokenChromium} could not be launched`),
      config.QUEUE_PREFIX,
    );
  });

  it('worker: the port is taken', async () => {
    const config = loadConfig(env({ API_PORT: String(port) }));
    const worker = declareWorkerProcess({
      config,
      mode: { kind: 'sim', simUrl: sim.url },
      logger: captureLogger('fatal').logger,
    });
    await expectCleanFailure(worker.runtime, 'port_in_use', /cannot be served/);
  });

  it('start (embedded default): the port is taken after its zoom-sim and demo meeting started; its keys are removed', async () => {
    const given = { REDIS_URL: redis.url, API_PORT: String(port), LOG_LEVEL: 'warn' };
    const config = loadConfig(given);
    const start = declareStartProcess({
      env: given,
      config,
      mode: resolveMode(config),
      logger: captureLogger('fatal').logger,
      name: 'failed-start',
      say: () => {},
      warn: () => {},
    });
    expect(start.prefix).toMatch(/^zbr-start-[0-9a-f]{8}$/);
    await expectCleanFailure(start.runtime, 'port_in_use', /cannot be served/);
    expect(await observer.keys(`${start.prefix}:*`)).toEqual([]);
  });

  it('start (sim mode): Chromium cannot launch after everything else started', async () => {
    const given = env({ CHROMIUM_PATH: brokenChromium });
    const config = loadConfig(given);
    const start = declareStartProcess({
      env: given,
      config,
      mode: resolveMode(config),
      logger: captureLogger('fatal').logger,
      name: 'failed-start',
      say: () => {},
      warn: () => {},
    });
    expect(start.prefix).toBe(given.QUEUE_PREFIX);
    await expectCleanFailure(start.runtime, 'chromium_unusable', /could not be launched/, start.prefix);
  });
});
