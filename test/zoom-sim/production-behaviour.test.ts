import { describe, expect, it } from 'vitest';
import type { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import { participantIn, useSim } from '../helpers/sim-harness.js';

/** docs/zoom.md §1: what teams running ZAK bots at scale report from production. Each its own test. */
const sim = useSim();

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function idOf(participant: SimParticipant): Promise<number> {
  const result = await participant.joinResult();
  if (!result.ok) throw new Error(`refused ${result.errorCode}`);
  return result.participantId;
}

describe('production behaviour (docs/zoom.md §1)', () => {
  it("one service user's ZAKs join many meetings at the same time", async () => {
    const meetings = await Promise.all([1, 2, 3, 4, 5].map(() => sim.createMeeting({ requireAuth: true })));
    const bots = await Promise.all(
      meetings.map(async (m) => sim.joinConnected(m.number, { zak: await sim.mintZak() })),
    );
    for (const [i, bot] of bots.entries()) {
      const meeting = meetings[i];
      if (!meeting) throw new Error('missing meeting');
      expect(participantIn(await sim.meeting(meeting.number), await idOf(bot))).toMatchObject({
        userId: sim.credentials.serviceUser.id,
        state: 'in_meeting',
      });
    }
  });

  it('minting a new ZAK does not invalidate older ones: several valid ZAKs join at once', async () => {
    const zaks = [await sim.mintZak(), await sim.mintZak(), await sim.mintZak()];
    const meetings = await Promise.all(zaks.map(() => sim.createMeeting({ requireAuth: true })));
    // The oldest ZAK is used last, after two newer ones were minted.
    const bots = await Promise.all(
      zaks.reverse().map((zak, i) => sim.joinConnected(meetings[i]?.number ?? '', { zak })),
    );
    const tokenIds = await Promise.all(
      bots.map(
        async (bot, i) =>
          participantIn(await sim.meeting(meetings[i]?.number ?? ''), await idOf(bot)).tokenId,
      ),
    );
    expect(new Set(tokenIds).size).toBe(3);
  });

  it('a ZAK expiring removes nobody already in the meeting', async () => {
    const { number } = await sim.createMeeting({ requireAuth: true });
    const bot = await sim.joinConnected(number, { zak: await sim.mintZak() });
    expect((await sim.request('POST', '/_sim/tokens/expire')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bot.closed).toBe(false);
    expect(participantIn(await sim.meeting(number), await idOf(bot)).state).toBe('in_meeting');
  });

  it('minting a new ZAK removes nobody already in the meeting', async () => {
    const { number } = await sim.createMeeting({ requireAuth: true });
    const bot = await sim.joinConnected(number, { zak: await sim.mintZak() });
    await sim.mintZak();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bot.closed).toBe(false);
    expect(participantIn(await sim.meeting(number), await idOf(bot)).state).toBe('in_meeting');
  });

  it('a bot that disconnects needs a fresh ZAK to rejoin: the expired one is refused (3623)', async () => {
    const { number } = await sim.createMeeting({ requireAuth: true });
    const zak = await sim.mintZak();
    const bot = await sim.joinConnected(number, { zak });
    await sim.call('POST', '/_sim/tokens/expire');
    await sim.participantControl(number, await idOf(bot), 'drop');
    await bot.waitForClose();
    expect(await sim.joinRefused(number, { zak })).toBe(3623);
    const back = await sim.joinConnected(number, { zak: await sim.mintZak() });
    const [before, after] = [
      participantIn(await sim.meeting(number), await idOf(bot)),
      participantIn(await sim.meeting(number), await idOf(back)),
    ];
    expect(after.tokenId).not.toBe(before.tokenId);
  });

  it('the display name is set per join (userName), for the same Zoom user', async () => {
    const a = await sim.createMeeting();
    const b = await sim.createMeeting();
    const first = await sim.joinConnected(a.number, { zak: await sim.mintZak(), userName: 'Sales Notes' });
    const second = await sim.joinConnected(b.number, { zak: await sim.mintZak(), userName: 'Réunion 記録' });
    expect(first.self?.userName).toBe('Sales Notes');
    expect(second.self?.userName).toBe('Réunion 記録');
    expect(participantIn(await sim.meeting(b.number), await idOf(second)).userName).toBe('Réunion 記録');
  });

  it("the avatar comes from the Zoom user's profile: a pool user with its own picture", async () => {
    const { number } = await sim.createMeeting();
    const poolUser = await sim.createUser(`pool-${Date.now()}@example.com`);
    const form = new FormData();
    form.set('pic_file', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'avatar.png');
    const upload = await fetch(`${sim.sim.url}/v2/users/${poolUser}/picture`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await sim.bearer()}` },
      body: form,
    });
    expect(upload.status).toBe(201);

    const pooled = await sim.joinConnected(number, { zak: await sim.mintZak(poolUser), userName: 'Bot' });
    const service = await sim.joinConnected(number, { zak: await sim.mintZak(), userName: 'Bot' });
    const anonymous = await sim.joinConnected(number, { userName: 'Bot' });
    const view = await sim.meeting(number);
    const pooledAvatar = participantIn(view, await idOf(pooled)).avatarUrl;
    expect(pooledAvatar).toContain(poolUser);
    expect(pooled.self?.avatar).toBe(pooledAvatar);
    expect(participantIn(view, await idOf(service)).avatarUrl).not.toBe(pooledAvatar);
    expect(participantIn(view, await idOf(anonymous)).avatarUrl).toBeNull();
    expect(anonymous.self?.avatar).toBe('');
    expect(anonymous.self?.isGuest).toBe(true);

    const picture = await fetch(pooledAvatar ?? '');
    expect(picture.status).toBe(200);
    expect(Buffer.from(await picture.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('customerKey is recorded on the participant', async () => {
    const { number } = await sim.createMeeting();
    const bot = await sim.joinConnected(number, { customerKey: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    expect(participantIn(await sim.meeting(number), await idOf(bot)).customerKey).toBe(
      '0f8fad5b-d9cb-469f-a165-70867728950e',
    );
  });
});
