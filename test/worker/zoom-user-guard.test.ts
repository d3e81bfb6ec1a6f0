import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../runner/tenants/api-key-store.js';
import { envKeyId } from '../../runner/tenants/env-api-keys.js';
import { ZoomCredentialSource } from '../../runner/worker/credential-source.js';
import { guardedCredentials, ZoomUserGuard } from '../../runner/worker/zoom-user-guard.js';
import { type BotAuth, type BotRequest, botRequestSchema } from '../../shared/bot-request.js';
import { createSimClients, type SimClients } from '../../testkit/sim-clients.js';
import { useSim } from '../helpers/sim-harness.js';
import { BOT_ID, harness } from '../supervisor/fakes.js';

/**
 * docs/contract.md §10: the worker checks a job's Zoom user against its key's allowlist again before
 * every mint, with the real credential source against a started zoom-sim (no Chromium): a user no
 * longer allowed (the allowlist narrowed, the key revoked) gets nothing minted, and the bot ends
 * `auth_failed` with `zoom_user_not_allowed`.
 */
const sim = useSim();
let zoom: SimClients;
let keys: ApiKeyStore;
let userId: string;

beforeAll(async () => {
  zoom = await createSimClients(sim.sim);
  keys = new ApiKeyStore({ redis: zoom.redis, prefix: zoom.config.QUEUE_PREFIX });
  userId = (await zoom.clients.poolUsers.create({ email: 'notes@acme.test' })).id;
});

afterAll(async () => {
  await zoom?.close();
});

function request(meetingNumber: string, auth: BotAuth): BotRequest {
  return botRequestSchema.parse({ meetingNumber, displayName: 'Note Taker', auth });
}

async function minted(): Promise<{ zakMinted: number; obfMinted: number }> {
  return (await (await fetch(`${sim.sim.url}/_sim/stats`)).json()) as {
    zakMinted: number;
    obfMinted: number;
  };
}

async function acmeKey(zoomUsers: string[]) {
  return (await keys.create({ tenant: 'acme', admin: false, zoomUsers, maxLiveBots: 10, ratePerSec: 10 }))
    .record;
}

describe('the worker re-checks the Zoom user before minting', () => {
  it('mints for a user still on the key’s allowlist; a revoked key gets nothing minted', async () => {
    const meeting = await sim.createMeeting();
    const key = await acmeKey(['*@acme.test']);
    const guard = new ZoomUserGuard({ keys, tenantZoomUsers: {} });
    const source = guardedCredentials(new ZoomCredentialSource(zoom.clients), guard, {
      tenant: 'acme',
      keyId: key.id,
    });
    const req = request(meeting.number, { type: 'obf', user: 'Notes@Acme.test' });
    const credentials = await source.mint('bot-allowed', req);
    expect(sim.sim.context.tokens.check(credentials.obfToken ?? '', 'obf')).toMatchObject({
      ok: true,
      record: { userId, meetingNumber: meeting.number },
    });

    await keys.revoke(key.id);
    const before = await minted();
    await expect(source.mint('bot-allowed', req)).rejects.toMatchObject({
      code: 'zoom_user_not_allowed',
      retryable: false,
    });
    expect(await minted()).toEqual(before);
  });

  it('an API_KEYS key: checked against this worker’s TENANT_ZOOM_USERS, as narrowed since', async () => {
    const meeting = await sim.createMeeting();
    const owner = { tenant: 'acme', keyId: envKeyId('acme-key-0123456789abcdefghij') };
    const req = request(meeting.number, { type: 'zak', user: userId });
    const wide = new ZoomUserGuard({ keys, tenantZoomUsers: { acme: [userId] } });
    const zak = (
      await guardedCredentials(new ZoomCredentialSource(zoom.clients), wide, owner).mint('bot-env', req)
    ).zak;
    expect(sim.sim.context.tokens.check(zak ?? '', 'zak')).toMatchObject({ ok: true, record: { userId } });
    await zoom.clients.reservations.release(meeting.number, 'bot-env');

    // Another tenant's entry does not count; neither does the user's email for a request by id.
    const narrowed = new ZoomUserGuard({
      keys,
      tenantZoomUsers: { beta: [userId], acme: ['notes@acme.test'] },
    });
    const before = await minted();
    await expect(
      guardedCredentials(new ZoomCredentialSource(zoom.clients), narrowed, owner).mint('bot-env', req),
    ).rejects.toMatchObject({ code: 'zoom_user_not_allowed' });
    expect(await minted()).toEqual(before);
  });

  it('passes what names no user, and jobs of trusted producers (no key id), without asking Redis', async () => {
    const meeting = await sim.createMeeting();
    const guard = new ZoomUserGuard({
      keys: { getById: () => Promise.reject(new Error('no lookup expected')) },
      tenantZoomUsers: {},
    });
    await guard.check({ tenant: 'acme', keyId: 'key-0000000000000000' }, { type: 'zak' });
    await guard.check({ tenant: 'acme', keyId: 'key-0000000000000000' }, { type: 'zak', user: 'pool' });
    await guard.check({ tenant: 'acme' }, { type: 'obf', user: userId });
    const source = guardedCredentials(new ZoomCredentialSource(zoom.clients), guard, { tenant: 'default' });
    expect(
      (await source.mint('bot-trusted', request(meeting.number, { type: 'obf', user: userId }))).obfToken,
    ).toEqual(expect.any(String));
  });

  it('a bot whose key was revoked ends auth_failed, zoom_user_not_allowed, without a page or a mint', async () => {
    const meeting = await sim.createMeeting();
    const key = await acmeKey(['notes@acme.test']);
    await keys.revoke(key.id);
    const auth = { type: 'obf', user: 'notes@acme.test' } as const;
    const source = guardedCredentials(
      new ZoomCredentialSource(zoom.clients),
      new ZoomUserGuard({ keys, tenantZoomUsers: {} }),
      { tenant: 'acme', keyId: key.id },
    );
    const before = await minted();
    const h = harness({
      request: { meetingNumber: meeting.number, auth },
      mint: () => source.mint(BOT_ID, request(meeting.number, auth)),
    });
    expect(await h.run()).toEqual({ kind: 'ended', reason: 'auth_failed', detail: 'zoom_user_not_allowed' });
    expect(h.last()).toMatchObject({
      state: 'ended',
      endReason: 'auth_failed',
      endDetail: 'zoom_user_not_allowed',
    });
    expect(h.pages).toHaveLength(0);
    expect(await minted()).toEqual(before);
  });
});
