import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { OutboundUrlPolicy } from '../../runner/http/outbound-url-policy.js';
import { verifySignatureHeader } from '../../runner/http/signed-request.js';
import { deliver, type LaneItem } from '../../runner/webhooks/webhook-delivery.js';
import { changingLookup, PUBLIC_ADDRESS, resolverAtConnect, tcpCounter } from '../helpers/outbound-stubs.js';

const SECRET = 'webhook-delivery-secret';

/** A loopback receiver; `answer` writes the response. Closed when the test ends. */
async function receiver(answer: (res: import('node:http').ServerResponse) => void = (res) => res.end()) {
  const received: { raw: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += String(chunk);
    });
    req.on('end', () => {
      received.push({ raw, headers: req.headers });
      answer(res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function item(url: string): LaneItem {
  return {
    eventId: '1716200000000-0',
    url,
    event: {
      id: 'bot-1',
      state: 'queued',
      at: '2024-05-20T10:13:20.000Z',
      view: { id: 'bot-1', state: 'queued' } as Extract<LaneItem['event'], { view: unknown }>['view'],
    },
  };
}

/** Items here carry clear URLs (as the WEBHOOK_URL lane does): opened as they are. */
const options = (policy: OutboundUrlPolicy, timeoutMs = 2000) => ({
  policy,
  secret: SECRET,
  timeoutMs,
  openUrl: async (_botId: string, url: string) => url,
});

describe('webhook delivery (one POST)', () => {
  it('carries the receiver’s origin as `audience`, inside what is signed', async () => {
    const hooks = await receiver();
    const policy = new OutboundUrlPolicy({ allowlist: [hooks.origin] });
    const outcome = await deliver(item(`${hooks.origin}/hooks?token=abc`), options(policy));
    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
    const [request] = hooks.received;
    expect(JSON.parse(request?.raw ?? '')).toMatchObject({
      id: '1716200000000-0',
      type: 'bot.queued',
      audience: hooks.origin,
    });
    expect(
      verifySignatureHeader(SECRET, request?.headers['x-zbr-signature'] as string, request?.raw ?? ''),
    ).toBe(true);
  });

  it('a 302 to another host is not followed: rejected, not retried', async () => {
    const other = await receiver();
    const hooks = await receiver((res) => res.writeHead(302, { location: `${other.origin}/stolen` }).end());
    const policy = new OutboundUrlPolicy({ allowlist: [hooks.origin, other.origin] });
    expect(await deliver(item(`${hooks.origin}/h`), options(policy))).toEqual({
      kind: 'rejected',
      status: 302,
    });
    expect(hooks.received).toHaveLength(1);
    expect(other.received).toHaveLength(0);
  });

  it('an answer over 64 KiB is cut there and the delivery rejected', async () => {
    const hooks = await receiver((res) => res.end(Buffer.alloc(1024 * 1024, 'a')));
    const policy = new OutboundUrlPolicy({ allowlist: [hooks.origin] });
    expect(await deliver(item(`${hooks.origin}/h`), options(policy))).toEqual({
      kind: 'rejected',
      status: 200,
    });
  });

  it('a name that turns to 127.0.0.1 after the check never reaches the loopback receiver', async () => {
    const loopback = await tcpCounter();
    const { asked, lookup } = changingLookup([PUBLIC_ADDRESS], ['127.0.0.1']);
    resolverAtConnect(lookup);
    // No allowlist: the public-https default.
    const policy = new OutboundUrlPolicy({ lookup });
    const outcome = await deliver(item(`https://rebind.test:${loopback.port}/h`), options(policy, 500));
    expect(outcome.kind).toBe('retry');
    expect(asked).toEqual(['rebind.test']);
    expect(loopback.seen).toHaveLength(0);
  });

  it('an allowlist that does not name the receiver refuses it before sending', async () => {
    const hooks = await receiver();
    const policy = new OutboundUrlPolicy({ allowlist: ['https://hooks.example.com'] });
    expect(await deliver(item(`${hooks.origin}/h`), options(policy))).toMatchObject({ kind: 'refused' });
    expect(await deliver(item(`${hooks.origin}/h`), options(new OutboundUrlPolicy()))).toMatchObject({
      kind: 'refused',
    });
    expect(hooks.received).toHaveLength(0);
  });
});
