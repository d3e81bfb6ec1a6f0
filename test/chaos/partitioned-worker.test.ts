import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { TEST_REDIS_URL } from '../../testkit/redis.js';
import { startTcpProxy, type TcpProxy } from '../../testkit/tcp-proxy.js';
import { isAlive, spawnWorker } from '../../testkit/worker-process.js';
import { liveCopies, oneBotPerMeeting } from '../helpers/bots-in-meetings.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * docs/contract.md §12: a worker cut off from Redis (a proxy that stops passing anything, the
 * connections left open as a real partition leaves them) takes its bots out of their meetings itself
 * before their locks can pass to another worker; the other worker brings them back; when the link
 * heals, what the cut-off worker still says is refused (fenced by its lost lock tokens).
 */
const checks = useChaosChecks();
const rig = useWorkerRig({}, { startWorker: false });
let proxy: TcpProxy;

beforeAll(async () => {
  const target = new URL(TEST_REDIS_URL);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
});

afterAll(async () => {
  await proxy?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a worker cut off from Redis', () => {
  it('its bots leave within 8 s, come back from another worker, never two copies; its late writes are refused', async () => {
    const { service, close } = await rig.openProducer();
    const cutOff = spawnWorker(rig.env({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` }));
    try {
      await cutOff.ready;
      const meetings = [await checks.createMeeting(rig.sim), await checks.createMeeting(rig.sim)];
      const { bots, firstCopies } = await oneBotPerMeeting(
        service,
        rig.sim,
        meetings.map((m) => m.number),
        meetings.map((_, i) => `Cut ${i}`),
      );
      const live = (bot: BotView) => liveCopies(rig.sim, bot);
      // A second worker, on Redis directly, with nothing to do yet.
      await rig.startWorker();

      const cutAt = Date.now();
      proxy.cut();
      // The cut-off worker cannot renew the locks: within 7 s (+ its 1 s watchdog) its copies leave.
      for (const [i, bot] of bots.entries()) {
        await expect
          .poll(async () => (await live(bot)).filter((p) => firstCopies[i]?.includes(p.id)), {
            timeout: 9_000 - (Date.now() - cutAt),
            interval: 200,
          })
          .toEqual([]);
      }
      const leftAfterMs = Date.now() - cutAt;
      expect(leftAfterMs).toBeLessThanOrEqual(9_000);

      // The locks lapse (10 s) and the other worker resumes each bot: exactly one live copy, a new one.
      for (const [i, bot] of bots.entries()) {
        await expect
          .poll(async () => (await live(bot)).map((p) => p.id), { timeout: 25_000, interval: 300 })
          .toEqual([expect.not.toBeOneOf(firstCopies[i] ?? [])]);
      }
      await sleep(Math.max(0, 20_000 - (Date.now() - cutAt)));
      proxy.heal();
      // What the cut-off worker still sends once it hears Redis again is fenced: the views stay true.
      await sleep(4_000);
      for (const bot of bots) {
        expect(await live(bot)).toHaveLength(1);
        expect(await service.get(OPERATOR, bot.id)).toMatchObject({ state: 'in_meeting' });
      }
      expect(isAlive(cutOff.child.pid ?? 0)).toBe(true);

      cutOff.child.kill('SIGTERM');
      expect(await cutOff.exited).toBe(0);
      for (const bot of bots) {
        expect(await live(bot)).toHaveLength(1);
        await service.leave(OPERATOR, bot.id);
        await expect
          .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 20_000 })
          .toBe('ended');
      }
    } finally {
      if (cutOff.child.exitCode === null) cutOff.child.kill('SIGKILL');
      await close();
    }
  }, 150_000);
});
