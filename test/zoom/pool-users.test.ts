import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  PoolExhaustedError,
  ZoomUserBusyError,
  ZoomUserExistsError,
  ZoomUserNotFoundError,
} from '../../runner/zoom/zoom-errors.js';
import { joinSim, useZoomKit } from './zoom-kit.js';

/** A 2×2 PNG of one colour: a distinct, valid picture per pool user. */
function solidPng(r: number, g: number, b: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = [0, r, g, b, r, g, b];
  const pixels = deflateSync(Buffer.from([...row, ...row]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('bot-pool users', () => {
  const kit = useZoomKit();

  it('creates a pool user with a picture, whose ZAK joins showing that avatar', async () => {
    const zoom = await kit.clients();
    const email = `pool-${randomUUID()}@example.com`;
    const user = await zoom.poolUsers.create({ email, firstName: 'Pool', lastName: 'Bot' });
    expect(user).toMatchObject({ email, type: 1 });
    await expect(zoom.poolUsers.create({ email })).rejects.toBeInstanceOf(ZoomUserExistsError);
    const picture = solidPng(200, 30, 30);
    await zoom.poolUsers.setPicture(user.id, picture, 'image/png');
    await zoom.reservations.add([user.id]);

    const number = await kit.createMeeting({ requireAuth: true });
    const chosen = await zoom.reservations.reserve(number, 'bot-a', 'pool');
    expect(chosen).toBe(user.id);
    const zak = await zoom.meetingTokens.mintZak(chosen);
    kit.secrets.add(zak);
    const participant = await joinSim(kit.sim.url, {
      signature: await zoom.signatures.sign(number),
      meetingNumber: number,
      userName: 'Red Bot',
      zak,
      customerKey: 'bot-a',
    });
    try {
      expect(await participant.joinResult()).toMatchObject({ ok: true });
      const avatar = participant.self?.avatar ?? '';
      expect(avatar).toContain(encodeURIComponent(user.id));
      const served = Buffer.from(await (await fetch(avatar)).arrayBuffer());
      expect(served.equals(picture)).toBe(true);
    } finally {
      await participant.close();
      await zoom.reservations.release(number, 'bot-a');
    }
  });

  it('lists across pages and deletes', async () => {
    const zoom = await kit.clients();
    const emails = Array.from({ length: 3 }, () => `list-${randomUUID()}@example.com`);
    const created = [];
    for (const email of emails) created.push(await zoom.poolUsers.create({ email }));
    const listed = await zoom.poolUsers.list({ pageSize: 2 });
    expect(listed.map((u) => u.email)).toEqual(expect.arrayContaining(emails));
    expect(new Set(listed.map((u) => u.id)).size).toBe(listed.length);
    const [first] = created;
    if (!first) throw new Error('no user');
    await zoom.poolUsers.delete(first.id);
    await expect(zoom.poolUsers.get(first.id)).rejects.toBeInstanceOf(ZoomUserNotFoundError);
  });

  it('never gives one user twice in a meeting, and picks the least loaded', async () => {
    const zoom = await kit.clients();
    const r = zoom.reservations;
    await r.add(['u1', 'u2', 'u3']);
    // u1 and u2 already serve bots in other meetings.
    expect(await r.reserve('111111111', 'x1', 'u1')).toBe('u1');
    expect(await r.reserve('222222222', 'x2', 'u1')).toBe('u1');
    expect(await r.reserve('222222222', 'x3', 'u2')).toBe('u2');
    const picked = [
      await r.reserve('333333333', 'b1', 'pool'),
      await r.reserve('333333333', 'b2', 'pool'),
      await r.reserve('333333333', 'b3', 'pool'),
    ];
    expect(picked).toEqual(['u3', 'u2', 'u1']);
    // The same bot asking again gets its user back; a fourth bot finds the pool used up here.
    expect(await r.reserve('333333333', 'b2', 'pool')).toBe('u2');
    await expect(r.reserve('333333333', 'b4', 'pool')).rejects.toBeInstanceOf(PoolExhaustedError);
    // Named users too: the service user once per meeting, any number of meetings.
    const service = kit.credentials.serviceUser.email;
    await r.reserve('333333333', 'svc-1', service);
    await expect(r.reserve('333333333', 'svc-2', service.toUpperCase())).rejects.toBeInstanceOf(
      ZoomUserBusyError,
    );
    await r.reserve('444444444', 'svc-3', service);
    expect(await r.release('333333333', 'b2')).toBe('u2');
    expect(await r.reserve('333333333', 'b4', 'pool')).toBe('u2');
    const loads = Object.fromEntries((await r.members()).map((m) => [m.userId, m.load]));
    expect(loads).toEqual({ u1: 3, u2: 2, u3: 1 });
    // The service user is held per meeting but never joins the pool.
    expect(Object.keys(loads)).not.toContain(service);
    expect(await r.release('999999999', 'nobody')).toBeUndefined();
  });
});
