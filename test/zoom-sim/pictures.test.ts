import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avatarUrl } from '../../zoom-sim/routes/avatars.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { api, startRestSim } from './rest-helpers.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);
// The first bytes of a JPEG (SOI + APP0 marker): the sim checks the type by magic bytes only.
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0rest-of-jpeg'),
]);

describe('zoom-sim profile pictures and avatars', () => {
  let sim: RunningSim;
  let bearer: string;
  beforeAll(async () => {
    ({ sim, bearer } = await startRestSim());
  });
  afterAll(() => sim.close());

  const newUser = () =>
    sim.context.users.create({ email: `u${Math.random()}@example.com`, type: 1, can_login: false });
  const upload = (userId: string, bytes: Buffer, field = 'pic_file', type = 'image/png') => {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(bytes)], { type }), 'avatar.png');
    return api(sim, bearer, `/users/${userId}/picture`, { method: 'POST', body: form });
  };

  it('the service user starts with a picture served at its avatar URL', async () => {
    const url = avatarUrl(sim.context, sim.context.users.serviceUser.id);
    expect(url).toMatch(new RegExp(`^${sim.url}/_sim/avatars/.+\\?v=1$`));
    const res = await fetch(url ?? '');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
  });

  it('a PNG upload answers 201 and becomes the avatar, with a new versioned URL', async () => {
    const user = newUser();
    expect(avatarUrl(sim.context, user.id)).toBeUndefined();
    const res = await upload(user.id, PNG);
    expect(res.status).toBe(201);
    const first = avatarUrl(sim.context, user.id);
    const served = await fetch(first ?? '');
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await upload(user.id, JPEG, 'pic_file', 'image/jpeg')).status).toBe(201);
    const second = avatarUrl(sim.context, user.id);
    expect(second).not.toBe(first);
    const jpeg = await fetch(second ?? '');
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
  });

  it('GET /v2/users/:id reports the picture as pic_url', async () => {
    const user = newUser();
    await upload(user.id, PNG);
    const view = (await (await api(sim, bearer, `/users/${user.id}`)).json()) as { pic_url?: string };
    expect(view.pic_url).toBe(avatarUrl(sim.context, user.id));
  });

  it('checks the type by magic bytes, not the declared content type', async () => {
    const user = newUser();
    const res = await upload(user.id, Buffer.from('GIF89a not allowed'), 'pic_file', 'image/png');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 300, errors: [{ field: 'pic_file' }] });
    expect(avatarUrl(sim.context, user.id)).toBeUndefined();
  });

  it('refuses a picture over 2 MB', async () => {
    const user = newUser();
    const big = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]);
    const res = await upload(user.id, big);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 300, errors: [{ field: 'pic_file' }] });
  });

  it('refuses a request body far over the limit with a Zoom-shaped 413', async () => {
    const user = newUser();
    const res = await upload(user.id, Buffer.concat([PNG, Buffer.alloc(3 * 1024 * 1024)]));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: number }).code).toBe(413);
  });

  it('refuses a form without pic_file, and a body that is not multipart', async () => {
    const user = newUser();
    expect((await upload(user.id, PNG, 'picture')).status).toBe(400);
    const res = await api(sim, bearer, `/users/${user.id}/picture`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(PNG),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 300, errors: [{ field: 'pic_file' }] });
  });

  it('answers 404 code 1001 for an upload to an unknown user', async () => {
    const res = await upload('nobody', PNG);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: number }).code).toBe(1001);
  });

  it('answers a Zoom-shaped 404 for a user without a picture, or no user', async () => {
    const user = newUser();
    for (const id of [user.id, 'nobody']) {
      const res = await fetch(`${sim.url}/_sim/avatars/${id}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: number }).code).toBe(1001);
    }
  });

  it('drops the picture with the user', async () => {
    const user = newUser();
    await upload(user.id, PNG);
    await api(sim, bearer, `/users/${user.id}?action=delete`, { method: 'DELETE' });
    expect(avatarUrl(sim.context, user.id)).toBeUndefined();
    expect((await fetch(`${sim.url}/_sim/avatars/${user.id}`)).status).toBe(404);
  });
});
