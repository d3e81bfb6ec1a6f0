import { describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { spawnWorker } from '../../testkit/worker-process.js';
import { liveCopies, oneBotPerMeeting } from '../helpers/bots-in-meetings.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * docs/contract.md §12: a worker frozen by the kernel (SIGSTOP, as a long GC pause or a stopped
 * container) while its Chromium lives on. Its pages, no longer touched, leave their meetings by
 * themselves before the locks can pass on; another worker brings the bots back; when the frozen
 * worker thaws it must not bring its own copies back, and what it says is refused.
 */
const checks = useChaosChecks();
const rig = useWorkerRig({}, { startWorker: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a worker frozen for 20 s', () => {
  it('its pages leave by themselves, another worker has the bots, and after SIGCONT it never overlaps them', async () => {
    const { service, close } = await rig.openProducer();
    const frozen = spawnWorker(rig.env());
    try {
      await frozen.ready;
      const meetings = [await checks.createMeeting(rig.sim), await checks.createMeeting(rig.sim)];
      const { bots, firstCopies } = await oneBotPerMeeting(
        service,
        rig.sim,
        meetings.map((m) => m.number),
        ['Frozen A', 'Frozen B'],
      );
      const live = (bot: BotView) => liveCopies(rig.sim, bot);
      await rig.startWorker();

      const frozenAt = Date.now();
      frozen.child.kill('SIGSTOP');
      // Untouched for 7 s, each page leaves its meeting (its Chromium still runs).
      for (const [i, bot] of bots.entries()) {
        await expect
          .poll(async () => (await live(bot)).filter((p) => firstCopies[i]?.includes(p.id)), {
            timeout: 10_000,
            interval: 200,
          })
          .toEqual([]);
      }
      // The locks lapse and the other worker brings each bot back: one live copy, a new one.
      for (const [i, bot] of bots.entries()) {
        await expect
          .poll(async () => (await live(bot)).map((p) => p.id), { timeout: 25_000, interval: 300 })
          .toEqual([expect.not.toBeOneOf(firstCopies[i] ?? [])]);
      }
      await sleep(Math.max(0, 20_000 - (Date.now() - frozenAt)));
      frozen.child.kill('SIGCONT');
      // Thawed, it finds its locks gone: it must neither rejoin nor overwrite the views.
      await sleep(8_000);
      for (const bot of bots) {
        expect(await live(bot)).toHaveLength(1);
        expect(await service.get(OPERATOR, bot.id)).toMatchObject({ state: 'in_meeting' });
      }
      frozen.child.kill('SIGTERM');
      expect(await frozen.exited).toBe(0);
      for (const bot of bots) {
        expect(await live(bot)).toHaveLength(1);
        await service.leave(OPERATOR, bot.id);
        await expect
          .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 20_000 })
          .toBe('ended');
      }
    } finally {
      if (frozen.child.exitCode === null) {
        frozen.child.kill('SIGCONT');
        frozen.child.kill('SIGKILL');
      }
      await close();
    }
  }, 150_000);
});
