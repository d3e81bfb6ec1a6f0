import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runner/config/load-config.js';
import { type ApiProcess, declareApiProcess } from '../../runner/runtime/api-process.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';
import { startTestSim } from '../../testkit/sim.js';
import { captureLogger } from '../helpers/capture-logger.js';

const API_KEY = 'api-queue-depth-test-key';

describe('the api process, with no worker running', () => {
  const prefix = uniquePrefix();
  let sim: Awaited<ReturnType<typeof startTestSim>>;
  let api: ApiProcess;

  beforeAll(async () => {
    sim = await startTestSim();
    const config = loadConfig({
      QUEUE_PREFIX: prefix,
      API_PORT: '0',
      API_KEYS: API_KEY,
      ZOOM_SIM_URL: sim.url,
      LOG_LEVEL: 'warn',
    });
    api = declareApiProcess({
      config,
      mode: { kind: 'sim', simUrl: sim.url },
      logger: captureLogger('warn').logger,
    });
    await api.runtime.start();
  });

  afterAll(async () => {
    await api?.runtime.close();
    await sim?.close();
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('exports the queue depth, so an autoscaler can start the first worker', async () => {
    const queued = (await fetch(`${api.http.url}/metrics`).then((r) => r.text())).match(
      /^zbr_queue_jobs\{.*$/gm,
    );
    expect(queued ?? []).not.toContainEqual(expect.stringMatching(/ [1-9]\d*$/));
    for (const meetingNumber of ['12345678901', '12345678902']) {
      const created = await fetch(`${api.http.url}/v1/bots`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ meetingNumber, displayName: 'Depth bot', auth: { type: 'zak' } }),
      });
      expect(created.status).toBe(201);
    }
    // Read on the reporter's next round (every 5 s), from the lease this process holds.
    const waiting = async () => {
      const text = await fetch(`${api.http.url}/metrics`).then((r) => r.text());
      return text
        .split('\n')
        .filter((line) => line.startsWith('zbr_queue_jobs{'))
        .reduce(
          (sum, line) =>
            sum + (/state="(waiting|prioritized)"/.test(line) ? Number(line.split(' ').pop()) : 0),
          0,
        );
    };
    await expect.poll(waiting, { timeout: 15_000, interval: 500 }).toBe(2);
  });
});
