import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../../zoom-sim/server.js';
import { api, control, startRestSim } from './rest-helpers.js';

interface Stats {
  zakMinted: number;
  obfMinted: number;
}

describe('zoom-sim ZAK and OBF tokens (GET /v2/users/:userId/token)', () => {
  let sim: RunningSim;
  let bearer: string;
  let userId: string;
  beforeAll(async () => {
    ({ sim, bearer } = await startRestSim());
    userId = sim.context.users.serviceUser.id;
  });
  afterAll(() => sim.close());

  const stats = async () => (await (await control(sim, 'GET', '/stats')).json()) as Stats;
  const mint = (query: string, user = userId) =>
    api(sim, bearer, `/users/${encodeURIComponent(user)}/token${query}`);

  it('mints a ZAK the sim can verify, with the default ttl of 7200 s', async () => {
    const before = Date.now();
    const res = await mint('?type=zak');
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const check = sim.context.tokens.check(token, 'zak');
    expect(check.ok).toBe(true);
    if (check.ok) {
      expect(check.record.userId).toBe(userId);
      expect(check.record.expiresAt).toBeGreaterThanOrEqual(before + 7200_000);
      expect(check.record.expiresAt).toBeLessThanOrEqual(Date.now() + 7200_000);
    }
  });

  it('keeps several ZAKs of one user valid at once: distinct tokens, distinct ids, both counted', async () => {
    const { zakMinted } = await stats();
    const a = ((await (await mint('?type=zak')).json()) as { token: string }).token;
    const b = ((await (await mint('?type=zak')).json()) as { token: string }).token;
    expect(a).not.toBe(b);
    const [ca, cb] = [sim.context.tokens.check(a, 'zak'), sim.context.tokens.check(b, 'zak')];
    expect(ca.ok && cb.ok).toBe(true);
    if (ca.ok && cb.ok) expect(ca.record.tokenId).not.toBe(cb.record.tokenId);
    expect((await stats()).zakMinted).toBe(zakMinted + 2);
  });

  it('honours ttl for a ZAK', async () => {
    const { token } = (await (await mint('?type=zak&ttl=60')).json()) as { token: string };
    const check = sim.context.tokens.check(token, 'zak');
    expect(check.ok && check.record.expiresAt <= Date.now() + 60_000).toBe(true);
  });

  it('accepts the longest ttl (one year) and refuses a longer one with 400 code 300', async () => {
    expect((await mint('?type=zak&ttl=31536000')).status).toBe(200);
    const res = await mint('?type=zak&ttl=31536001');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 300, errors: [{ field: 'ttl' }] });
  });

  it('refuses a ttl that is not a whole number', async () => {
    for (const ttl of ['abc', '1.5', '0', '-5']) {
      const res = await mint(`?type=zak&ttl=${ttl}`);
      expect(res.status, ttl).toBe(400);
      expect(((await res.json()) as { code: number }).code).toBe(300);
    }
  });

  it('mints a ZAK for a user named by email', async () => {
    const res = await mint('?type=zak', sim.context.users.serviceUser.email);
    expect(res.status).toBe(200);
  });

  it('mints an OBF token bound to its meeting and counts it', async () => {
    const { obfMinted } = await stats();
    const res = await mint('?type=onbehalf&meeting_id=123456789');
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const check = sim.context.tokens.check(token, 'obf');
    expect(check.ok && check.record.meetingNumber).toBe('123456789');
    expect((await stats()).obfMinted).toBe(obfMinted + 1);
  });

  it('refuses an OBF token without a meeting_id, or with one that is not a meeting number', async () => {
    for (const query of [
      '?type=onbehalf',
      '?type=onbehalf&meeting_id=12',
      '?type=onbehalf&meeting_id=abc123456',
    ]) {
      const res = await mint(query);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ code: 300, errors: [{ field: 'meeting_id' }] });
    }
  });

  it('refuses a missing or unsupported type with 400 code 300', async () => {
    for (const query of ['', '?type=token', '?type=ZAK']) {
      const res = await mint(query);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ code: 300, errors: [{ field: 'type' }] });
    }
  });

  it('answers 404 code 1001 for an unknown user', async () => {
    const res = await mint('?type=zak', 'nobody@example.com');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 1001, message: 'User does not exist: nobody@example.com.' });
  });

  it("refuses 'me' (an S2S token has no user of its own) with a clear 400", async () => {
    const res = await mint('?type=zak', 'me');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 300, errors: [{ field: 'userId' }] });
  });

  it('POST /_sim/tokens/expire expires every ZAK and OBF minted so far', async () => {
    const zak = ((await (await mint('?type=zak')).json()) as { token: string }).token;
    const obf = ((await (await mint('?type=onbehalf&meeting_id=987654321')).json()) as { token: string })
      .token;
    const res = await control(sim, 'POST', '/tokens/expire');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { expired: number }).expired).toBeGreaterThanOrEqual(2);
    expect(sim.context.tokens.check(zak, 'zak')).toEqual({ ok: false, problem: 'expired' });
    expect(sim.context.tokens.check(obf, 'obf')).toEqual({ ok: false, problem: 'expired' });
    // A token minted afterwards is valid again.
    const fresh = ((await (await mint('?type=zak')).json()) as { token: string }).token;
    expect(sim.context.tokens.check(fresh, 'zak').ok).toBe(true);
  });
});
