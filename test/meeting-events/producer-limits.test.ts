import { describe, expect, it } from 'vitest';
import { ChatRateLimitedError } from '../../runner/meeting-events/meeting-errors.js';
import { createQueueLayer } from '../../runner/queue/queue-layer.js';
import { trustedPrincipal } from '../../runner/tenants/principal.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { ACME_KEY, BETA_KEY, openSse, useMeetingRig } from './meeting-rig.js';

/**
 * docs/contract.md §11 (as built): a producer cannot flood a meeting of people through its bot
 * (CHAT_PER_BOT_PER_MIN, fleet-wide) nor hold an api process's sockets with idle streams
 * (SSE_MAX_PER_TENANT). Real worker (sim-client), real HTTP, real Redis.
 */
const rig = useMeetingRig({ CHAT_PER_BOT_PER_MIN: '3', SSE_MAX_PER_TENANT: '2' });
const { sim } = rig;

interface ChatEntry {
  from: number;
  text: string;
}

async function botMessages(meeting: string, botParticipant: number): Promise<string[]> {
  const { items } = (await sim.call('GET', `/_sim/meetings/${meeting}/chat`)) as unknown as {
    items: ChatEntry[];
  };
  return items.filter((m) => m.from === botParticipant).map((m) => m.text);
}

async function sseClients(): Promise<number> {
  return (await rig.apiMetrics.meetingEventStreams.get()).values[0]?.value ?? 0;
}

/** A bot of tenant beta in `meeting`, queued (its stream is served while it joins). */
async function enqueueAsBeta(meeting: string): Promise<string> {
  const response = await rig.call('/v1/bots', {
    method: 'POST',
    key: BETA_KEY,
    json: { meetingNumber: meeting, displayName: 'Beta Bot', auth: { type: 'none' } },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const chat = (id: string, text: string) =>
  rig.call(`/v1/bots/${id}/chat`, { method: 'POST', json: { text } });

describe('what one producer may ask of the fleet', { timeout: 60_000 }, () => {
  it('chat: at most CHAT_PER_BOT_PER_MIN messages per bot per minute, across api processes; 429 with Retry-After, nothing more said', async () => {
    const meeting = (await sim.createMeeting()).number;
    const talker = await rig.botInMeeting(meeting);
    const neighbour = await rig.botInMeeting(meeting);
    const self = await sim.botParticipant(meeting, talker.id);

    for (const n of [1, 2, 3]) expect((await chat(talker.id, `message ${n}`)).status).toBe(202);
    const refused = await chat(talker.id, 'message 4');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Another api process (its own connection and queue layer) spends the same budget.
    const otherRedis = connectTestRedis();
    const other = createQueueLayer({ redis: otherRedis, prefix: rig.prefix, chatPerBotPerMin: 3 });
    try {
      await expect(
        other.meetings.chat(trustedPrincipal('acme'), talker.id, { text: 'message 5' }),
      ).rejects.toBeInstanceOf(ChatRateLimitedError);
    } finally {
      await other.close();
      otherRedis.disconnect();
    }

    // The budget is the bot's: its neighbour in the same meeting, same tenant, still speaks.
    expect((await chat(neighbour.id, 'neighbour speaks')).status).toBe(202);

    // Each message is its own pub/sub request: their order in the meeting is not what is checked here.
    await expect
      .poll(async () => (await botMessages(meeting, self.id)).sort(), { timeout: 10_000 })
      .toEqual(['message 1', 'message 2', 'message 3']);
    const metrics = await rig.apiMetrics.chatSends.get();
    expect(metrics.values.find((v) => v.labels.outcome === 'rate_limited')?.value).toBe(1);
    // No bot left behind: both leave and end.
    for (const bot of [talker, neighbour]) {
      expect((await rig.call(`/v1/bots/${bot.id}`, { method: 'DELETE' })).status).toBe(202);
      await expect.poll(async () => (await rig.bot(bot.id)).state, { timeout: 20_000 }).toBe('ended');
    }
  });

  it('streams: at most SSE_MAX_PER_TENANT open per tenant on one api process; 429 too_many_streams, another tenant unaffected, a closed one frees its place', async () => {
    const meeting = (await sim.createMeeting()).number;
    const bot = await rig.botInMeeting(meeting);
    const betaBot = await enqueueAsBeta(meeting);
    const streamUrl = (id: string) => `${rig.url}/v1/bots/${id}/meeting-events/stream`;
    const acme = { Authorization: `Bearer ${ACME_KEY}` };
    const opened = [await openSse(streamUrl(bot.id), acme), await openSse(streamUrl(bot.id), acme)];
    try {
      for (const stream of opened) expect(stream.response.status).toBe(200);
      const third = await rig.call(`/v1/bots/${bot.id}/meeting-events/stream`);
      expect(third.status).toBe(429);
      expect(await third.json()).toMatchObject({ error: { code: 'too_many_streams' } });

      // Beta's count is its own.
      const beta = await openSse(streamUrl(betaBot), { Authorization: `Bearer ${BETA_KEY}` });
      opened.push(beta);
      expect(beta.response.status).toBe(200);
      await expect.poll(sseClients, { timeout: 5_000 }).toBe(3);

      // A stream that closes gives its place back.
      await opened[0]?.close();
      await expect.poll(sseClients, { timeout: 5_000 }).toBe(2);
      const again = await openSse(streamUrl(bot.id), acme);
      opened.push(again);
      expect(again.response.status).toBe(200);
    } finally {
      for (const stream of opened) await stream.close();
    }
    await expect.poll(sseClients, { timeout: 5_000 }).toBe(0);
    for (const [id, key] of [
      [bot.id, ACME_KEY],
      [betaBot, BETA_KEY],
    ] as const) {
      expect((await rig.call(`/v1/bots/${id}`, { method: 'DELETE', key })).status).toBe(202);
    }
    await expect.poll(async () => (await rig.bot(bot.id)).state, { timeout: 20_000 }).toBe('ended');
  });
});
