import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../../zoom-sim/server.js';
import { api, startRestSim } from './rest-helpers.js';

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('zoom-sim users (/v2/users)', () => {
  let sim: RunningSim;
  let bearer: string;
  beforeAll(async () => {
    ({ sim, bearer } = await startRestSim());
  });
  afterAll(() => sim.close());

  const createUser = (email: string, action = 'custCreate', extra: Record<string, unknown> = {}) =>
    api(sim, bearer, '/users', json({ action, user_info: { email, type: 1, ...extra } }));

  it('creates a user: 201 with id, email, names and type', async () => {
    const res = await createUser('pool-1@example.com', 'custCreate', {
      first_name: 'Pool',
      last_name: 'One',
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      id: expect.any(String),
      email: 'pool-1@example.com',
      first_name: 'Pool',
      last_name: 'One',
      type: 1,
    });
  });

  it('accepts every create action; custCreate users cannot log in, others can', async () => {
    for (const action of ['create', 'autoCreate', 'ssoCreate', 'custCreate']) {
      const res = await createUser(`${action.toLowerCase()}@example.com`, action);
      expect(res.status, action).toBe(201);
      const { id } = (await res.json()) as { id: string };
      expect(sim.context.users.get(id)?.can_login, action).toBe(action !== 'custCreate');
      const view = (await (await api(sim, bearer, `/users/${id}`)).json()) as { login_types: number[] };
      expect(view.login_types.length > 0, action).toBe(action !== 'custCreate');
    }
  });

  it('refuses a duplicate email with 409 code 1005 (case-insensitive)', async () => {
    await createUser('dup@example.com');
    const res = await createUser('DUP@example.com');
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ code: 1005, message: 'User already in the account: DUP@example.com' });
  });

  it('refuses an unknown action, a bad email and a bad type with 400 code 300 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ action: 'invent', user_info: { email: 'a@example.com', type: 1 } }, 'action'],
      [{ action: 'custCreate', user_info: { email: 'not-an-email', type: 1 } }, 'user_info.email'],
      [{ action: 'custCreate', user_info: { email: 'b@example.com', type: 7 } }, 'user_info.type'],
      [{ action: 'custCreate', user_info: { email: 'c@example.com', type: '1' } }, 'user_info.type'],
      [{ action: 'custCreate' }, 'user_info'],
    ];
    for (const [body, field] of cases) {
      const res = await api(sim, bearer, '/users', json(body));
      expect(res.status, field).toBe(400);
      const answer = (await res.json()) as { code: number; errors: { field: string }[] };
      expect(answer.code).toBe(300);
      expect(answer.errors.map((e) => e.field)).toContain(field);
    }
  });

  it('gets a user by id and by email, with Zoom fields and the picture URL', async () => {
    const service = sim.context.users.serviceUser;
    for (const key of [service.id, service.email]) {
      const res = await api(sim, bearer, `/users/${encodeURIComponent(key)}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ id: service.id, email: service.email, type: 2, status: 'active' });
      expect(body.account_id).toBe(sim.context.config.accountId);
      expect(body.pic_url).toMatch(new RegExp(`^${sim.url}/_sim/avatars/`));
    }
  });

  it('answers 404 code 1001 for an unknown user', async () => {
    const res = await api(sim, bearer, '/users/nobody');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 1001, message: 'User does not exist: nobody.' });
  });

  it("refuses 'me' with 400 code 300: an S2S token has no user", async () => {
    const res = await api(sim, bearer, '/users/me');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 300, errors: [{ field: 'userId' }] });
  });

  it('deletes a user with 204 (action delete or disassociate); then it is gone', async () => {
    for (const action of ['delete', 'disassociate']) {
      const { id } = (await (await createUser(`gone-${action}@example.com`)).json()) as { id: string };
      const res = await api(sim, bearer, `/users/${id}?action=${action}`, { method: 'DELETE' });
      expect(res.status, action).toBe(204);
      expect((await api(sim, bearer, `/users/${id}`)).status).toBe(404);
    }
  });

  it('deletes with the default action when none is given', async () => {
    const { id } = (await (await createUser('gone-default@example.com')).json()) as { id: string };
    expect((await api(sim, bearer, `/users/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('refuses an unknown delete action with 400, and an unknown user with 404', async () => {
    const { id } = (await (await createUser('stay@example.com')).json()) as { id: string };
    expect((await api(sim, bearer, `/users/${id}?action=destroy`, { method: 'DELETE' })).status).toBe(400);
    expect((await api(sim, bearer, `/users/${id}`)).status).toBe(200);
    expect((await api(sim, bearer, '/users/nobody?action=delete', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('zoom-sim user list paging (GET /v2/users)', () => {
  let sim: RunningSim;
  let bearer: string;
  beforeAll(async () => {
    ({ sim, bearer } = await startRestSim());
    // 44 created + the service user = 45 users.
    for (let i = 0; i < 44; i += 1) {
      sim.context.users.create({ email: `p${i}@example.com`, type: 1, can_login: false });
    }
  });
  afterAll(() => sim.close());

  interface Page {
    page_count: number;
    page_size: number;
    total_records: number;
    next_page_token: string;
    users: { id: string; email: string }[];
  }
  const list = async (query: string) => {
    const res = await api(sim, bearer, `/users${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };

  it('pages with the default page size of 30 and an empty token on the last page', async () => {
    const first = await list('');
    expect(first).toMatchObject({ page_size: 30, total_records: 45, page_count: 2 });
    expect(first.users).toHaveLength(30);
    expect(first.next_page_token).not.toBe('');
    const second = await list(`?next_page_token=${first.next_page_token}`);
    expect(second.users).toHaveLength(15);
    expect(second.next_page_token).toBe('');
    const ids = new Set([...first.users, ...second.users].map((u) => u.id));
    expect(ids.size).toBe(45);
  });

  it('walks every user exactly once with a small page size', async () => {
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await list(`?page_size=7${token ? `&next_page_token=${token}` : ''}`);
      expect(page.page_size).toBe(7);
      seen.push(...page.users.map((u) => u.id));
      token = page.next_page_token;
      pages += 1;
    } while (token);
    expect(pages).toBe(7);
    expect(new Set(seen).size).toBe(45);
  });

  it('caps page_size at 300', async () => {
    const page = await list('?page_size=1000');
    expect(page.page_size).toBe(300);
    expect(page.users).toHaveLength(45);
  });

  it('refuses a bad page_size or next_page_token with 400 code 300', async () => {
    for (const query of ['?page_size=0', '?page_size=abc', '?next_page_token=garbage']) {
      const res = await api(sim, bearer, `/users${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { code: number }).code).toBe(300);
    }
  });
});
