import { describe, expect, it } from 'vitest';
import { botViewSchema } from '../../shared/bot-view.js';
import { errorBodySchema } from '../../shared/error-body.js';
import { API_KEY, botRequest, startApi } from './api-fixture.js';

const PASSCODE = 'pc-Secret-4711';
const REGISTRANT_TOKEN = 'registrant-Token-0815';

describe('POST /v1/bots', () => {
  it('201 with the bot view; the same dedupeKey gives 200 and the same bot', async () => {
    const api = await startApi();
    const request = botRequest({ dedupeKey: 'standup-42' });
    const first = await api.call('/v1/bots', { method: 'POST', json: request });
    expect(first.status).toBe(201);
    const bot = botViewSchema.parse(await first.json());
    expect(bot).toMatchObject({ state: 'queued', meetingNumber: '12345678901', displayName: 'Notes bot' });
    const again = await api.call('/v1/bots', { method: 'POST', json: request });
    expect(again.status).toBe(200);
    expect(botViewSchema.parse(await again.json()).id).toBe(bot.id);
  });

  it('409 for a second live bot of the same Zoom user in the meeting', async () => {
    const api = await startApi();
    const request = botRequest({ auth: { type: 'zak', user: 'notes@example.com' } });
    expect((await api.call('/v1/bots', { method: 'POST', json: request })).status).toBe(201);
    const second = await api.call('/v1/bots', { method: 'POST', json: request });
    expect(second.status).toBe(409);
    expect(errorBodySchema.parse(await second.json()).error.code).toBe('same_user_in_meeting');
  });

  it.each([
    ['meetingNumber', { meetingNumber: '12ab' }],
    ['displayName', { displayName: '   ' }],
    ['auth.type', { auth: { type: 'password' } }],
    ['auth.user', { auth: { type: 'obf' } }],
    ['auth.url', { auth: { type: 'callback', url: 'ftp://example.com' } }],
    ['passcode', { passcode: 'x'.repeat(65) }],
    ['email', { email: 'not-an-email' }],
    ['joinAt', { joinAt: 'tomorrow' }],
    ['leave.aloneSec', { leave: { aloneSec: -1 } }],
    ['rejoin.max', { rejoin: { max: 1.5 } }],
    ['dedupeKey', { dedupeKey: '' }],
    ['webhookUrl', { webhookUrl: 'not a url' }],
    ['metadata.team', { metadata: { team: 7 } }],
    ['surprise', { surprise: true }],
  ])('422 naming %s', async (field, overrides) => {
    const api = await startApi();
    const response = await api.call('/v1/bots', { method: 'POST', json: botRequest(overrides) });
    expect(response.status).toBe(422);
    const { error } = errorBodySchema.parse(await response.json());
    expect(error).toMatchObject({ code: 'validation_failed', field });
  });

  it.each([
    ['webhookUrl', { webhookUrl: 'https://127.0.0.1/hooks' }, 'private, loopback or link-local'],
    ['webhookUrl', { webhookUrl: 'https://[::1]:8443/hooks' }, 'private, loopback or link-local'],
    ['webhookUrl', { webhookUrl: 'https://10.1.2.3/hooks' }, 'private, loopback or link-local'],
    ['webhookUrl', { webhookUrl: 'http://hooks.example.com/bots' }, 'only https'],
    ['webhookUrl', { webhookUrl: 'https://localhost/hooks' }, 'local host names'],
    ['auth.url', { auth: { type: 'callback', url: 'https://169.254.169.254/latest' } }, 'link-local'],
  ])('422 naming %s for a URL the runner would never call (%j)', async (field, overrides, why) => {
    const api = await startApi();
    const response = await api.call('/v1/bots', { method: 'POST', json: botRequest(overrides) });
    expect(response.status).toBe(422);
    const { error } = errorBodySchema.parse(await response.json());
    expect(error).toMatchObject({ code: 'validation_failed', field });
    expect(error.message).toContain(why);
    // Nothing was queued for it.
    expect(await api.layer.queue.count()).toBe(0);
  });

  it('422 naming the field that holds bytes that are not UTF-8, rather than a mangled name', async () => {
    const api = await startApi();
    const json = Buffer.from(JSON.stringify(botRequest({ displayName: 'Bad XX Name' })));
    const at = json.indexOf('XX');
    json[at] = 0xc3; // a lead byte …
    json[at + 1] = 0x28; // … followed by one that cannot continue it
    const response = await fetch(`${api.url}/v1/bots`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: json,
    });
    expect(response.status).toBe(422);
    expect(errorBodySchema.parse(await response.json()).error).toMatchObject({
      code: 'validation_failed',
      field: 'displayName',
    });
    expect(await api.layer.queue.count()).toBe(0);
  });

  it('a private receiver named in OUTBOUND_URL_ALLOWLIST is accepted; another origin is not', async () => {
    const api = await startApi({ OUTBOUND_URL_ALLOWLIST: 'http://10.0.0.5:9000' });
    const allowed = botRequest({ webhookUrl: 'http://10.0.0.5:9000/hooks' });
    expect((await api.call('/v1/bots', { method: 'POST', json: allowed })).status).toBe(201);
    const other = botRequest({ webhookUrl: 'https://hooks.example.com/bots', dedupeKey: 'other' });
    const response = await api.call('/v1/bots', { method: 'POST', json: other });
    expect(response.status).toBe(422);
    expect(errorBodySchema.parse(await response.json()).error.message).toContain('OUTBOUND_URL_ALLOWLIST');
  });

  it('422 naming the missing required field', async () => {
    const api = await startApi();
    const { displayName: _omit, ...request } = botRequest();
    const response = await api.call('/v1/bots', { method: 'POST', json: request });
    expect(response.status).toBe(422);
    expect(errorBodySchema.parse(await response.json()).error.field).toBe('displayName');
  });
});

describe('a bot by id', () => {
  it('GET, events, and DELETE of a queued bot: 202 and ended left_by_request', async () => {
    const api = await startApi();
    const created = botViewSchema.parse(
      await (await api.call('/v1/bots', { method: 'POST', json: botRequest() })).json(),
    );
    const got = await api.call(`/v1/bots/${created.id}`);
    expect(got.status).toBe(200);
    expect(botViewSchema.parse(await got.json()).id).toBe(created.id);
    const events = await api.call(`/v1/bots/${created.id}/events`);
    expect(await events.json()).toMatchObject({ id: created.id, events: [{ state: 'queued' }] });
    const left = await api.call(`/v1/bots/${created.id}`, { method: 'DELETE' });
    expect(left.status).toBe(202);
    expect(botViewSchema.parse(await left.json())).toMatchObject({
      state: 'ended',
      endReason: 'left_by_request',
    });
    const after = botViewSchema.parse(await (await api.call(`/v1/bots/${created.id}`)).json());
    expect(after.state).toBe('ended');
  });

  it('404 for an unknown bot on every route, and for an id too long to be one', async () => {
    const api = await startApi();
    for (const [path, method] of [
      ['/v1/bots/no-such-bot', 'GET'],
      ['/v1/bots/no-such-bot/events', 'GET'],
      ['/v1/bots/no-such-bot', 'DELETE'],
      [`/v1/bots/${'x'.repeat(300)}`, 'GET'],
    ] as const) {
      const response = await api.call(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(errorBodySchema.parse(await response.json()).error.code).toBe('not_found');
    }
  });
});

describe('GET /v1/bots', () => {
  it('pages with the cursor and filters by state', async () => {
    const api = await startApi();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = botRequest({ meetingNumber: `98765432${i}00` });
      ids.push(
        botViewSchema.parse(await (await api.call('/v1/bots', { method: 'POST', json: body })).json()).id,
      );
    }
    await api.call(`/v1/bots/${ids[0]}`, { method: 'DELETE' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '2', ...(cursor ? { cursor } : {}) });
      const page = (await (await api.call(`/v1/bots?${query}`)).json()) as {
        items: unknown[];
        nextCursor?: string;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => botViewSchema.parse(item).id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect([...seen].sort()).toEqual([...ids].sort());
    const ended = (await (await api.call('/v1/bots?state=ended')).json()) as { items: { id: string }[] };
    expect(ended.items.map((b) => b.id)).toEqual([ids[0]]);
    const queued = (await (await api.call('/v1/bots?state=queued&limit=100')).json()) as { items: unknown[] };
    expect(queued.items).toHaveLength(4);
  });

  it.each([
    ['state', 'state=sleeping'],
    ['limit', 'limit=0'],
    ['limit', 'limit=many'],
    ['cursor', 'cursor=garbage'],
    ['page', 'page=2'],
  ])('422 naming %s for %s', async (field, query) => {
    const api = await startApi();
    const response = await api.call(`/v1/bots?${query}`);
    expect(response.status).toBe(422);
    expect(errorBodySchema.parse(await response.json()).error.field).toBe(field);
  });
});

describe('no secret in any response', () => {
  it('a passcode and registrant token given on enqueue appear in no body', async () => {
    const api = await startApi();
    const request = botRequest({
      passcode: PASSCODE,
      registrantToken: REGISTRANT_TOKEN,
      dedupeKey: 'secret-check',
      auth: { type: 'zak', user: 'notes@example.com' },
    });
    const created = await api.call('/v1/bots', { method: 'POST', json: request });
    const bot = botViewSchema.parse(await created.clone().json());
    const bodies = [
      created,
      await api.call('/v1/bots', { method: 'POST', json: request }),
      await api.call('/v1/bots', { method: 'POST', json: { ...request, dedupeKey: 'other' } }),
      await api.call('/v1/bots', { method: 'POST', json: { ...request, passcode: 7 } }),
      await api.call('/v1/bots'),
      await api.call(`/v1/bots/${bot.id}`),
      await api.call(`/v1/bots/${bot.id}/events`),
      await api.call(`/v1/bots/${bot.id}`, { method: 'DELETE' }),
    ];
    expect(bodies.map((r) => r.status)).toEqual([201, 200, 409, 422, 200, 200, 200, 202]);
    for (const response of bodies) {
      const text = await response.text();
      expect(text).not.toContain(PASSCODE);
      expect(text).not.toContain(REGISTRANT_TOKEN);
      // As a key: a 422 may name the field `passcode`, never carry one.
      expect(text).not.toMatch(/"(passcode|registrantToken|token|zak|obfToken)":/);
    }
  });
});
