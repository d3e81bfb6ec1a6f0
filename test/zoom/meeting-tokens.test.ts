import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  SdkSignatures,
  SIGNATURE_MAX_TTL_SEC,
  SIGNATURE_MIN_TTL_SEC,
} from '../../runner/zoom/sdk-signature.js';
import {
  InvalidMeetingNumberError,
  InvalidZoomUserError,
  ZoomUserNotFoundError,
} from '../../runner/zoom/zoom-errors.js';
import { joinSim, useZoomKit } from './zoom-kit.js';

describe('ZAK, OBF and SDK signatures, checked by zoom-sim at join', () => {
  const kit = useZoomKit();

  it('a minted ZAK joins a meeting that requires authentication, as the service user', async () => {
    const zoom = await kit.clients();
    const number = await kit.createMeeting({ requireAuth: true });
    const before = await kit.stats();
    const zak = await zoom.meetingTokens.mintZak(kit.credentials.serviceUser.email);
    kit.secrets.add(zak);
    const signature = await zoom.signatures.sign(number);
    const participant = await joinSim(kit.sim.url, {
      signature,
      meetingNumber: number,
      userName: 'Note Bot',
      zak,
    });
    try {
      const result = await participant.joinResult();
      expect(result).toMatchObject({ ok: true });
      expect(participant.self?.userName).toBe('Note Bot');
      expect((await kit.stats()).zakMinted - before.zakMinted).toBe(1);
    } finally {
      await participant.close();
    }
  });

  it('mints a distinct ZAK per call, with the short default ttl', async () => {
    const zoom = await kit.clients();
    const user = kit.credentials.serviceUser.id;
    const [a, b] = await Promise.all([zoom.meetingTokens.mintZak(user), zoom.meetingTokens.mintZak(user)]);
    kit.secrets.add(a);
    kit.secrets.add(b);
    expect(a).not.toBe(b);
  });

  it('an OBF token joins on behalf of a user who is in the meeting', async () => {
    const zoom = await kit.clients();
    const number = await kit.createMeeting({ requireAuth: true });
    await kit.addHuman(number, 'Authoriser', kit.credentials.serviceUser.id);
    const obfToken = await zoom.meetingTokens.mintObf(kit.credentials.serviceUser.email, number);
    kit.secrets.add(obfToken);
    const signature = await zoom.signatures.sign(number);
    const participant = await joinSim(kit.sim.url, {
      signature,
      meetingNumber: number,
      userName: 'OBF Bot',
      obfToken,
    });
    try {
      expect(await participant.joinResult()).toMatchObject({ ok: true });
    } finally {
      await participant.close();
    }
  });

  it("refuses 'me' and malformed users before asking Zoom; an unknown user is zoom_user_not_found", async () => {
    const zoom = await kit.clients();
    const before = await kit.stats();
    await expect(zoom.meetingTokens.mintZak('me')).rejects.toBeInstanceOf(InvalidZoomUserError);
    await expect(zoom.meetingTokens.mintZak('a/b')).rejects.toBeInstanceOf(InvalidZoomUserError);
    await expect(zoom.meetingTokens.mintObf('x@example.com', '12')).rejects.toBeInstanceOf(
      InvalidMeetingNumberError,
    );
    expect((await kit.stats()).zakMinted).toBe(before.zakMinted);
    const error = await zoom.meetingTokens.mintZak('nobody@example.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoomUserNotFoundError);
    expect(error).toMatchObject({ code: 'zoom_user_not_found', zoomCode: 1001, retryable: false });
    expect((error as ZoomUserNotFoundError).endDetail).toContain('Zoom 1001');
  });

  it('signs within the 30 min – 48 h window, role 0, iat in the past; bad numbers refused', async () => {
    const signer = new SdkSignatures({ sdkKey: 'key-1', sdkSecret: 'secret-1-long-enough' });
    const now = Math.floor(Date.now() / 1000);
    const claims = decodeJwt(await signer.sign('812 3456 7890'));
    expect(claims).toMatchObject({ appKey: 'key-1', sdkKey: 'key-1', mn: '81234567890', role: 0 });
    expect(claims.iat).toBeLessThan(now);
    expect(claims.tokenExp).toBe(claims.exp);
    const short = decodeJwt(await signer.sign('123456789', { ttlSec: 60 }));
    expect((short.exp ?? 0) - (short.iat ?? 0)).toBe(SIGNATURE_MIN_TTL_SEC);
    const long = decodeJwt(await signer.sign('123456789', { ttlSec: 10 * 86_400 }));
    expect((long.exp ?? 0) - (long.iat ?? 0)).toBe(SIGNATURE_MAX_TTL_SEC);
    await expect(signer.sign('12345')).rejects.toBeInstanceOf(InvalidMeetingNumberError);
    await expect(signer.sign('12345678901234')).rejects.toBeInstanceOf(InvalidMeetingNumberError);
  });

  it('the sim refuses a tampered signature (3712) and an expired one (3705)', async () => {
    const zoom = await kit.clients();
    const number = await kit.createMeeting();
    const good = await zoom.signatures.sign(number);
    const [header, payload, mac] = good.split('.') as [string, string, string];
    // Same MAC, different claims: someone turning a bot signature into a host (role 1) one.
    const otherClaims = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 1 }),
    ).toString('base64url');
    const tampered = `${header}.${otherClaims}.${mac}`;
    const expiredSigner = new SdkSignatures(
      { sdkKey: kit.credentials.sdkKey, sdkSecret: kit.credentials.sdkSecret },
      () => Date.now() - 3 * 3600 * 1000,
    );
    const expired = await expiredSigner.sign(number, { ttlSec: 1800 });
    const results: unknown[] = [];
    for (const signature of [tampered, expired, good]) {
      const participant = await joinSim(kit.sim.url, {
        signature,
        meetingNumber: number,
        userName: 'Sig Bot',
      });
      try {
        results.push(await participant.joinResult());
      } finally {
        await participant.close();
      }
    }
    expect(results[0]).toMatchObject({ ok: false, errorCode: 3712 });
    expect(results[1]).toMatchObject({ ok: false, errorCode: 3705 });
    expect(results[2]).toMatchObject({ ok: true });
  });
});
