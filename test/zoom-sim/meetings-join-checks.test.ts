import { describe, expect, it } from 'vitest';
import { useSim } from '../helpers/sim-harness.js';

const sim = useSim();

describe('join checks, in Zoom order (refusal codes)', () => {
  it('3706: a meeting number that is not 9 to 12 digits', async () => {
    expect(await sim.joinRefused('12345')).toBe(3706);
    expect(await sim.joinRefused('abcdefghij')).toBe(3706);
  });

  it('3712: a signature that is not HS256 with the SDK secret', async () => {
    const { number } = await sim.createMeeting();
    expect(await sim.joinRefused(number, { signature: 'not-a-jwt' })).toBe(3712);
    expect(await sim.joinRefused(number, { signature: await sim.sign(number, { sdkSecret: 'wrong' }) })).toBe(
      3712,
    );
  });

  it('3712: a signature with another appKey, another meeting, or a lifetime Zoom refuses', async () => {
    const { number } = await sim.createMeeting();
    const other = await sim.createMeeting();
    expect(
      await sim.joinRefused(number, { signature: await sim.sign(number, { sdkKey: 'other-key' }) }),
    ).toBe(3712);
    expect(await sim.joinRefused(number, { signature: await sim.sign(other.number) })).toBe(3712);
    expect(await sim.joinRefused(number, { signature: await sim.sign(number, { lifetimeSec: 600 }) })).toBe(
      3712,
    );
    expect(
      await sim.joinRefused(number, { signature: await sim.sign(number, { lifetimeSec: 49 * 3600 }) }),
    ).toBe(3712);
  });

  it('3705: an expired signature', async () => {
    const { number } = await sim.createMeeting();
    const iat = Math.floor(Date.now() / 1000) - 7200;
    expect(
      await sim.joinRefused(number, { signature: await sim.sign(number, { iat, lifetimeSec: 3600 }) }),
    ).toBe(3705);
  });

  it('3001: a meeting that does not exist', async () => {
    expect(await sim.joinRefused('99999999999')).toBe(3001);
  });

  it('4004: a meeting that has ended', async () => {
    const { number } = await sim.createMeeting();
    await sim.control(number, 'end');
    expect(await sim.joinRefused(number)).toBe(4004);
  });

  it('3004: a wrong or missing passcode; the right one gets in', async () => {
    const { number } = await sim.createMeeting({ passcode: 's3cret' });
    expect(await sim.joinRefused(number)).toBe(3004);
    expect(await sim.joinRefused(number, { password: 'nope' })).toBe(3004);
    await sim.joinConnected(number, { password: 's3cret' });
  });

  it('4012: an anonymous join where authentication is required', async () => {
    const { number } = await sim.createMeeting({ requireAuth: true });
    expect(await sim.joinRefused(number)).toBe(4012);
    await sim.joinConnected(number, { zak: await sim.mintZak() });
  });

  it('3623: a bad ZAK, also where the meeting would let anonymous users in', async () => {
    const open = await sim.createMeeting();
    const closed = await sim.createMeeting({ requireAuth: true });
    expect(await sim.joinRefused(open.number, { zak: 'made-up' })).toBe(3623);
    expect(await sim.joinRefused(closed.number, { zak: 'made-up' })).toBe(3623);
  });

  it('4014: an unknown, used or expired OBF token, and zak with obfToken together', async () => {
    const { number } = await sim.createMeeting({ requireAuth: true });
    const authoriser = sim.credentials.serviceUser.id;
    await sim.addHuman(number, 'Alice', authoriser);
    expect(await sim.joinRefused(number, { obfToken: 'made-up' })).toBe(4014);

    const used = await sim.mintObf(authoriser, number);
    await sim.joinConnected(number, { obfToken: used });
    expect(await sim.joinRefused(number, { obfToken: used })).toBe(4014);

    const expired = await sim.mintObf(authoriser, number);
    await sim.call('POST', '/_sim/tokens/expire');
    expect(await sim.joinRefused(number, { obfToken: expired })).toBe(4014);

    const zak = await sim.mintZak();
    const obf = await sim.mintObf(authoriser, number);
    expect(await sim.joinRefused(number, { zak, obfToken: obf })).toBe(4014);
  });

  it('4015: an OBF token minted for another meeting', async () => {
    const { number } = await sim.createMeeting({ requireAuth: true });
    const other = await sim.createMeeting();
    const authoriser = sim.credentials.serviceUser.id;
    await sim.addHuman(number, 'Alice', authoriser);
    expect(await sim.joinRefused(number, { obfToken: await sim.mintObf(authoriser, other.number) })).toBe(
      4015,
    );
  });

  it('4017: OBF while its authoriser is absent, without using up the token', async () => {
    const { number } = await sim.createMeeting({ requireAuth: true });
    const authoriser = sim.credentials.serviceUser.id;
    const obfToken = await sim.mintObf(authoriser, number);
    expect(await sim.joinRefused(number, { obfToken })).toBe(4017);
    await sim.addHuman(number, 'Alice', authoriser);
    const bot = await sim.joinConnected(number, { obfToken });
    expect(bot.self?.userName).toBe('Note Taker');
  });

  it('3009: a user the host removed cannot come back', async () => {
    const { number } = await sim.createMeeting();
    const zak = await sim.mintZak();
    const first = await sim.joinConnected(number, { zak });
    const result = await first.joinResult();
    if (!result.ok) throw new Error('refused');
    await sim.participantControl(number, result.participantId, 'remove');
    expect(await sim.joinRefused(number, { zak: await sim.mintZak() })).toBe(3009);
  });

  it('4005: a meeting at capacity', async () => {
    const { number } = await sim.createMeeting({ capacity: 1 });
    await sim.joinConnected(number);
    expect(await sim.joinRefused(number)).toBe(4005);
  });

  it('4006: a locked meeting', async () => {
    const { number } = await sim.createMeeting();
    await sim.control(number, 'lock');
    expect(await sim.joinRefused(number)).toBe(4006);
    expect((await sim.meeting(number)).locked).toBe(true);
  });

  it('checks in order: the signature before the meeting, the passcode before authentication', async () => {
    expect(await sim.joinRefused('99999999998', { signature: 'bad' })).toBe(3712);
    const { number } = await sim.createMeeting({ passcode: 'pw', requireAuth: true, locked: true });
    expect(await sim.joinRefused(number)).toBe(3004);
    expect(await sim.joinRefused(number, { password: 'pw' })).toBe(4012);
    expect(await sim.joinRefused(number, { password: 'pw', zak: await sim.mintZak() })).toBe(4006);
  });

  it('counts accepted and refused joins in /_sim/stats', async () => {
    const before = await sim.stats();
    const { number } = await sim.createMeeting({ locked: true });
    await sim.joinRefused(number);
    const open = await sim.createMeeting();
    await sim.joinConnected(open.number);
    const after = await sim.stats();
    expect(after.joinsAccepted).toBe(before.joinsAccepted + 1);
    expect(after.joinsRefused['4006']).toBe((before.joinsRefused['4006'] ?? 0) + 1);
  });
});
