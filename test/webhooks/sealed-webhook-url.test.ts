import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveJobCrypto } from '../../runner/queue/job-crypto.js';
import { queueKeys } from '../../runner/queue/queue-names.js';
import type { BotView } from '../../shared/bot-view.js';
import { useMeetingRig } from '../meeting-events/meeting-rig.js';
import { dumpPrefix } from '../queue/queue-fixture.js';
import { createRig, type Rig, startReceiver, types, until } from './webhook-fixture.js';

/**
 * A receiver's webhook URL is often its credential (a token in its path or query). docs/contract.md
 * §7 (as built): it is sealed wherever Redis keeps it, not only in the job: the bot record, the
 * bot-events stream and the webhook lanes; it is opened only to deliver.
 */
describe('a bot’s webhook URL at rest', () => {
  describe('end to end: api, sim-client worker, dispatcher', { timeout: 60_000 }, () => {
    const rig = useMeetingRig();
    const { sim } = rig;

    it('is delivered to, state changes and meeting events alike, and appears nowhere in Redis or the logs', async () => {
      const path = '/hooks/acme-SECRET-path-77?token=tok-SECRET-88';
      const meeting = (await sim.createMeeting()).number;
      const human = await sim.addHuman(meeting, 'Ada');
      const bot = await rig.botInMeeting(meeting, {
        meetingEvents: ['chat'],
        webhookUrl: `${rig.hookOrigin}${path}`,
      });
      await sim.call('POST', `/_sim/meetings/${meeting}/chat`, { from: human, text: 'hello bot' });
      await rig.waitForEvent(bot.id, (e) => e.type === 'chat.received');
      // Everything is in Redis now (lanes included) while the bot is still live.
      await expect
        .poll(() => rig.hooks.filter((h) => h.body.type === 'meeting.chat.received').length, {
          timeout: 10_000,
        })
        .toBe(1);
      const whileLive = await dumpPrefix(rig.redis, rig.prefix);

      expect((await rig.call(`/v1/bots/${bot.id}`, { method: 'DELETE' })).status).toBe(202);
      await expect.poll(async () => (await rig.bot(bot.id)).state, { timeout: 20_000 }).toBe('ended');
      await expect
        .poll(() => rig.hooks.filter((h) => h.path === path && h.body.type === 'bot.ended').length, {
          timeout: 10_000,
        })
        .toBe(1);

      const mine = rig.hooks.filter(
        (h) => (h.body as { bot?: BotView }).bot?.id === bot.id || h.body.botId === bot.id,
      );
      expect(mine.every((h) => h.path === path)).toBe(true);
      expect(mine.map((h) => h.body.type)).toEqual(
        expect.arrayContaining(['bot.queued', 'bot.in_meeting', 'meeting.chat.received', 'bot.ended']),
      );
      for (const dump of [whileLive, await dumpPrefix(rig.redis, rig.prefix), rig.logLines.join('')]) {
        expect(dump).toContain(bot.id);
        expect(dump).not.toContain('SECRET-path');
        expect(dump).not.toContain('tok-SECRET');
      }
    });
  });

  describe('deliveries from the stream', () => {
    it('still delivers an entry recorded before URLs were sealed (URL in clear, no origin)', async () => {
      const rig = createRig();
      const receiver = await startReceiver();
      rig.start({ origin: receiver.origin });
      const id = randomUUID();
      // Give the pump its cursor first: a first start begins at the stream's end.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await addEntry(rig, id, ['url', `${receiver.origin}/old?token=abc`, 'global', '']);
      await until(() => receiver.received.length === 1);
      expect(receiver.received[0]?.path).toBe('/old?token=abc');
      expect(types(receiver.received)).toEqual(['bot.queued']);
    });

    it('refuses, without sending anything, a URL sealed for another bot (pasted into this one)', async () => {
      const rig = createRig();
      const receiver = await startReceiver();
      rig.start({ origin: receiver.origin });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const crypto = await resolveJobCrypto({ redis: rig.redis, prefix: rig.prefix });
      const id = randomUUID();
      const url = `${receiver.origin}/pasted?token=abc`;
      const sealed = crypto.seal(randomUUID(), 'webhookUrl', url);
      await addEntry(rig, id, ['url', sealed, 'global', '', 'origin', receiver.origin]);
      await until(() => rig.logLines.join('').includes('sealed with another JOB_ENCRYPTION_KEY'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toEqual([]);
      expect(rig.logLines.join('')).toContain(id);
      expect(rig.logLines.join('')).not.toContain('token=abc');
    });
  });
});

/** A `queued` entry in the bot-events stream as a store script writes one, `destination` its fields. */
async function addEntry(rig: Rig, id: string, destination: string[]): Promise<void> {
  const event = JSON.stringify(stateEvent(id));
  await rig.redis.xadd(queueKeys(rig.prefix).eventsStream, '*', 'id', id, 'event', event, ...destination);
}

/** A `queued` state change as the store publishes it. */
function stateEvent(id: string) {
  const at = new Date().toISOString();
  return {
    id,
    state: 'queued',
    at,
    view: {
      id,
      tenant: 'default',
      state: 'queued',
      meetingNumber: '123456789',
      displayName: 'Old Bot',
      attempts: 0,
      rejoins: 0,
      createdAt: at,
      updatedAt: at,
      events: [{ at, state: 'queued' }],
    },
  };
}
