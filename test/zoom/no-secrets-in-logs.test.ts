import { describe, expect, it } from 'vitest';
import { useZoomKit } from './zoom-kit.js';

describe('no secret in any log line or thrown error', () => {
  const kit = useZoomKit();

  it('logs from OAuth, minting, retries, 429s and refusals carry no secret value', async () => {
    const zoom = await kit.clients();
    const user = kit.credentials.serviceUser.email;
    const number = await kit.createMeeting();
    kit.secrets.add(await zoom.accessTokens.get());
    kit.secrets.add(await zoom.meetingTokens.mintZak(user));
    await kit.addHuman(number, 'Authoriser', kit.credentials.serviceUser.id);
    kit.secrets.add(await zoom.meetingTokens.mintObf(user, number));
    kit.secrets.add(await zoom.signatures.sign(number));
    // 429s make the client log its waits.
    await kit.setLimits({ light: { perSecond: 1 } });
    try {
      const zaks = await Promise.all([zoom.meetingTokens.mintZak(user), zoom.meetingTokens.mintZak(user)]);
      for (const zak of zaks) kit.secrets.add(zak);
    } finally {
      await kit.setLimits({ plan: 'pro' });
    }
    // An unreachable Zoom makes the HTTP layer log its retries; the error must not quote the URL.
    const dead = 'secret-for-a-dead-zoom-000';
    kit.secrets.add(dead);
    const down = await kit.clients({
      ZOOM_SIM_URL: 'http://127.0.0.1:9',
      ZOOM_ACCOUNT_ID: 'acct-dead',
      ZOOM_CLIENT_ID: 'client-dead',
      ZOOM_CLIENT_SECRET: dead,
      ZOOM_SDK_KEY: 'sdk-dead',
      ZOOM_SDK_SECRET: 'sdk-secret-for-a-dead-zoom',
    });
    const unreachable = await down.accessTokens.get().catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ code: 'zoom_unavailable', retryable: true });
    const errorText = JSON.stringify(unreachable) + String((unreachable as Error).message);
    expect(errorText).not.toContain(dead);
    expect(errorText).not.toContain('acct-dead');
    expect(kit.lines.length).toBeGreaterThan(2);
    const joined = kit.lines.join('\n');
    for (const secret of [...kit.secrets, kit.credentials.clientSecret, kit.credentials.sdkSecret]) {
      expect(joined).not.toContain(secret);
    }
  });
});
