import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSim } from '../../zoom-sim/server.js';
import { api, control, startRestSim } from './rest-helpers.js';

interface ZoomError {
  code: number;
  message: string;
  errors?: { field: string; message: string }[];
}

describe('zoom-sim malformed requests: Zoom-shaped 4xx, never a 500, server still up', () => {
  let sim: RunningSim;
  let bearer: string;
  beforeAll(async () => {
    ({ sim, bearer } = await startRestSim());
  });
  afterAll(() => sim.close());

  const post = (path: string, body: string | Uint8Array<ArrayBuffer>, contentType = 'application/json') =>
    api(sim, bearer, path, { method: 'POST', headers: { 'content-type': contentType }, body });

  async function expectZoomError(res: Response, status: number, code: number): Promise<ZoomError> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as ZoomError;
    expect(body.code).toBe(code);
    expect(typeof body.message).toBe('string');
    return body;
  }

  afterEach(async () => {
    // The server is still up and answering after each malformed request.
    expect((await control(sim, 'GET', '/stats')).status).toBe(200);
  });

  it('bad JSON → 400 code 300', async () => {
    const body = await expectZoomError(await post('/users', '{"action": "custCreate", '), 400, 300);
    expect(body.message).toBe('Request Body should be a valid JSON object.');
  });

  it('JSON that is not an object (array, string, null) → 400 code 300', async () => {
    for (const text of ['[]', '"text"', 'null', '42'])
      await expectZoomError(await post('/users', text), 400, 300);
  });

  it('empty body → 400 code 300 naming the missing fields', async () => {
    const body = await expectZoomError(await post('/users', ''), 400, 300);
    expect(body.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(['action', 'user_info']));
  });

  it('missing field → 400 Validation Failed naming it', async () => {
    const body = await expectZoomError(
      await post('/users', JSON.stringify({ action: 'custCreate', user_info: { type: 1 } })),
      400,
      300,
    );
    expect(body.message).toBe('Validation Failed.');
    expect(body.errors).toEqual([{ field: 'user_info.email', message: expect.any(String) }]);
  });

  it('wrong type → 400 Validation Failed naming it', async () => {
    const body = await expectZoomError(
      await post('/users', JSON.stringify({ action: 42, user_info: { email: 'x@example.com', type: 1 } })),
      400,
      300,
    );
    expect(body.errors?.[0]?.field).toBe('action');
  });

  it('oversized JSON body → 413 Zoom-shaped', async () => {
    const huge = JSON.stringify({
      action: 'custCreate',
      user_info: { email: 'x@example.com', type: 1 },
      pad: 'x'.repeat(100_000),
    });
    await expectZoomError(await post('/users', huge), 413, 413);
  });

  it('oversized chunked body (no Content-Length) → 413 Zoom-shaped', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 10) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const res = await api(sim, bearer, '/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectZoomError(res, 413, 413);
  });

  it('binary garbage as JSON → 400 code 300', async () => {
    await expectZoomError(await post('/users', new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x80])), 400, 300);
  });

  it('unknown /v2 route → Zoom-shaped 404', async () => {
    await expectZoomError(await api(sim, bearer, '/no-such-thing'), 404, 404);
  });

  it('garbage OAuth body → OAuth-shaped 400, not a 500', async () => {
    const res = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${sim.context.config.clientId}:${sim.context.config.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '%%%&&&===',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  describe('PUT /_sim/limits', () => {
    it('bad JSON → 400 code 300', async () => {
      const res = await fetch(`${sim.url}/_sim/limits`, { method: 'PUT', body: '{light:' });
      await expectZoomError(res, 400, 300);
    });

    it('unknown field → 400 naming it', async () => {
      const body = await expectZoomError(
        await control(sim, 'PUT', '/limits', { lite: { perSecond: 1 } }),
        400,
        300,
      );
      expect(body.errors).toEqual([{ field: 'lite', message: 'Unknown field.' }]);
    });

    it('wrong type or out-of-range value → 400 naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ light: { perSecond: '5' } }, 'light.perSecond'],
        [{ medium: { perSecond: 0 } }, 'medium.perSecond'],
        [{ heavy: { perDay: 1.5 } }, 'heavy.perDay'],
        [{ latencyMs: -1 }, 'latencyMs'],
        [{ plan: 'gold' }, 'plan'],
      ];
      for (const [input, field] of cases) {
        const body = await expectZoomError(await control(sim, 'PUT', '/limits', input), 400, 300);
        expect(body.errors?.[0]?.field).toBe(field);
      }
    });

    it('a refused update changes nothing', async () => {
      const before = await (await control(sim, 'GET', '/limits')).json();
      await control(sim, 'PUT', '/limits', { light: { perSecond: 3 }, latencyMs: 'slow' });
      expect(await (await control(sim, 'GET', '/limits')).json()).toEqual(before);
    });
  });
});
