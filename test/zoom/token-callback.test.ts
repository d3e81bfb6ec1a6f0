import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress, OutboundUrlPolicy } from '../../runner/http/outbound-url-policy.js';
import {
  SIGNATURE_HEADER,
  signatureHeader,
  verifySignatureHeader,
} from '../../runner/http/signed-request.js';
import { UrlNotAllowedError } from '../../runner/http/url-not-allowed-error.js';
import { createLogger } from '../../runner/log/logger.js';
import { TokenCallbacks } from '../../runner/zoom/token-callback.js';
import { TokenCallbackFailedError } from '../../runner/zoom/zoom-errors.js';
import { changingLookup, PUBLIC_ADDRESS, resolverAtConnect, tcpCounter } from '../helpers/outbound-stubs.js';

const SECRET = 'callback-secret-for-tests-0123456789';

type Handler = (body: string, req: IncomingMessage, res: ServerResponse) => void;

/** A tiny receiver, as a deployment that owns the Zoom users would run. */
function useReceiver() {
  let handler: Handler = (_b, _q, res) => res.end('{}');
  const received: { body: string; signature: string | undefined }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += String(chunk);
    });
    req.on('end', () => {
      received.push({ body, signature: req.headers[SIGNATURE_HEADER] as string | undefined });
      handler(body, req, res);
    });
  });
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterEach(() => {
    received.length = 0;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    received,
    get origin() {
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    handle(h: Handler) {
      handler = h;
    },
  };
}

/** Answers like a correct receiver: checks the signature, then hands out a token of the asked type. */
const honestReceiver =
  (secret: string): Handler =>
  (body, req, res) => {
    if (!verifySignatureHeader(secret, req.headers[SIGNATURE_HEADER] as string, body)) {
      res.statusCode = 401;
      res.end('{"error":"bad signature"}');
      return;
    }
    const request = JSON.parse(body) as { type: string };
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify(
        request.type === 'zak' ? { zak: 'zak-from-callback' } : { obfToken: 'obf-from-callback' },
      ),
    );
  };

describe('token callbacks (docs/contract.md §7)', () => {
  const receiver = useReceiver();
  const lines: string[] = [];
  const callbacks = (options: { secret?: string; timeoutMs?: number; allowlist?: string[] } = {}) =>
    new TokenCallbacks({
      secret: options.secret ?? SECRET,
      policy: new OutboundUrlPolicy({ allowlist: options.allowlist ?? [receiver.origin] }),
      timeoutMs: options.timeoutMs ?? 1000,
      logger: createLogger({ level: 'trace', destination: { write: (l: string) => void lines.push(l) } }),
    });
  afterEach(() => {
    expect(lines.filter((l) => l.includes(SECRET) || l.includes('from-callback'))).toEqual([]);
    lines.length = 0;
  });

  it('posts a signed {botId, meetingNumber, type, audience} and returns {zak} or {obfToken}', async () => {
    receiver.handle(honestReceiver(SECRET));
    const zak = await callbacks().fetch(`${receiver.origin}/tokens?k=1`, {
      botId: 'bot-1',
      meetingNumber: '812-3456-7890',
      type: 'zak',
    });
    expect(zak).toEqual({ type: 'zak', zak: 'zak-from-callback' });
    const obf = await callbacks().fetch(`${receiver.origin}/tokens`, {
      botId: 'bot-2',
      meetingNumber: '123456789',
      type: 'obf',
    });
    expect(obf).toEqual({ type: 'obf', obfToken: 'obf-from-callback' });
    const first = receiver.received[0];
    expect(JSON.parse(first?.body ?? '')).toEqual({
      botId: 'bot-1',
      meetingNumber: '81234567890',
      type: 'zak',
      // The origin it was sent to: a receiver refuses a request signed for another one.
      audience: receiver.origin,
    });
    expect(first?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('fails as token_callback_failed (timeout, retryable) when the receiver is slow', async () => {
    receiver.handle((_b, _q, res) => {
      setTimeout(() => res.end('{"zak":"late"}'), 800);
    });
    const error = await callbacks({ timeoutMs: 200 })
      .fetch(`${receiver.origin}/slow`, { botId: 'b', meetingNumber: '123456789', type: 'zak' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenCallbackFailedError);
    expect(error).toMatchObject({ code: 'token_callback_failed', problem: 'timeout', retryable: true });
  });

  it('refuses a body without the asked token, or not JSON (bad_body, not retryable)', async () => {
    for (const answer of ['{"obfToken":"x"}', 'not json', '{"zak":""}']) {
      receiver.handle((_b, _q, res) => res.end(answer));
      const error = await callbacks()
        .fetch(`${receiver.origin}/t`, { botId: 'b', meetingNumber: '123456789', type: 'zak' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'token_callback_failed', problem: 'bad_body', retryable: false });
    }
  });

  it('a receiver refuses a bad signature; the runner reports the status', async () => {
    receiver.handle(honestReceiver(SECRET));
    const error = await callbacks({ secret: 'some-other-secret-value' })
      .fetch(`${receiver.origin}/t`, { botId: 'b', meetingNumber: '123456789', type: 'zak' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'token_callback_failed', problem: 'status', status: 401 });
    expect((error as TokenCallbackFailedError).endDetail).toBe('token_callback_failed (status 401)');
  });

  it('signatures verify only for the exact body, the right secret and a recent time', () => {
    const body = '{"botId":"b","meetingNumber":"123456789","type":"zak"}';
    const now = 1_780_000_000;
    const header = signatureHeader(SECRET, body, now);
    expect(verifySignatureHeader(SECRET, header, body, { nowSec: now })).toBe(true);
    expect(verifySignatureHeader(SECRET, header, body.replace('zak', 'obf'), { nowSec: now })).toBe(false);
    expect(verifySignatureHeader('wrong', header, body, { nowSec: now })).toBe(false);
    expect(verifySignatureHeader(SECRET, header, body, { nowSec: now + 3600 })).toBe(false);
    expect(verifySignatureHeader(SECRET, undefined, body)).toBe(false);
  });

  it('does not follow a redirect, and reads at most 64 KiB of an answer', async () => {
    receiver.handle((_b, _q, res) => res.writeHead(302, { location: `${receiver.origin}/elsewhere` }).end());
    const redirected = await callbacks()
      .fetch(`${receiver.origin}/t`, { botId: 'b', meetingNumber: '123456789', type: 'zak' })
      .catch((e: unknown) => e);
    expect(redirected).toMatchObject({ code: 'token_callback_failed', problem: 'status', status: 302 });
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['zak']);
    receiver.handle((_b, _q, res) => res.end(`{"zak":"${'z'.repeat(1024 * 1024)}"}`));
    const large = await callbacks()
      .fetch(`${receiver.origin}/t`, { botId: 'b', meetingNumber: '123456789', type: 'zak' })
      .catch((e: unknown) => e);
    expect(large).toMatchObject({ code: 'token_callback_failed', problem: 'bad_body', retryable: false });
  });

  it('connects to the address it checked, not to a later DNS answer (127.0.0.1)', async () => {
    const loopback = await tcpCounter();
    const { asked, lookup } = changingLookup([PUBLIC_ADDRESS], ['127.0.0.1']);
    resolverAtConnect(lookup);
    const error = await new TokenCallbacks({
      secret: SECRET,
      policy: new OutboundUrlPolicy({ lookup }),
      timeoutMs: 500,
    })
      .fetch(`https://rebind.test:${loopback.port}/t`, {
        botId: 'b',
        meetingNumber: '123456789',
        type: 'zak',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenCallbackFailedError);
    expect(asked).toEqual(['rebind.test']);
    expect(loopback.seen).toHaveLength(0);
  });

  it('refuses URLs outside the allowlist before sending anything', async () => {
    receiver.handle(honestReceiver(SECRET));
    const notListed = await callbacks({ allowlist: ['https://tokens.example.com'] })
      .fetch(`${receiver.origin}/t`, { botId: 'b', meetingNumber: '123456789', type: 'zak' })
      .catch((e: unknown) => e);
    expect(notListed).toBeInstanceOf(UrlNotAllowedError);
    expect(notListed).toMatchObject({ code: 'url_not_allowed', retryable: false });
    // No allowlist: only https to public addresses.
    const byDefault = await callbacks({ allowlist: [] })
      .fetch(`${receiver.origin}/t`, { botId: 'b', meetingNumber: '123456789', type: 'zak' })
      .catch((e: unknown) => e);
    expect(byDefault).toBeInstanceOf(UrlNotAllowedError);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('outbound URL policy without an allowlist', () => {
  const resolvingTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it.each([
    ['http://hooks.example.com/x', 'only https'],
    ['https://localhost/x', 'local host'],
    ['https://127.0.0.1/x', 'private'],
    ['https://10.1.2.3/x', 'private'],
    ['https://100.64.0.1/x', 'private'],
    ['https://169.254.169.254/latest', 'private'],
    ['https://[::1]/x', 'private'],
    ['https://[fd00::1]/x', 'private'],
    ['https://[fe80::1]/x', 'private'],
    ['https://[::ffff:192.168.1.1]/x', 'private'],
    ['https://user:pw@hooks.example.com/x', 'credentials'],
  ])('refuses %s', async (url, why) => {
    const policy = new OutboundUrlPolicy({ lookup: resolvingTo('93.184.215.14') });
    await expect(policy.check(url)).rejects.toThrow(why);
  });

  it('checks every address a name resolves to', async () => {
    const mixed = new OutboundUrlPolicy({ lookup: resolvingTo('93.184.215.14', '192.168.0.10') });
    await expect(mixed.check('https://hooks.example.com/x')).rejects.toBeInstanceOf(UrlNotAllowedError);
    const rebinding = new OutboundUrlPolicy({ lookup: resolvingTo('127.0.0.1') });
    await expect(rebinding.check('https://evil.example.com/x')).rejects.toBeInstanceOf(UrlNotAllowedError);
    const publicOnly = new OutboundUrlPolicy({
      lookup: resolvingTo('93.184.215.14', '2606:2800:21f:cb07::1'),
    });
    await expect(publicOnly.check('https://hooks.example.com/x?k=1')).resolves.toMatchObject({
      url: expect.any(URL),
      connectTo: [{ address: '93.184.215.14' }, { address: '2606:2800:21f:cb07::1' }],
    });
  });

  it('classifies addresses', () => {
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('172.20.0.1')).toBe(false);
    expect(isPublicAddress('::ffff:7f00:1')).toBe(false);
    expect(isPublicAddress('2001:4860:4860::8888')).toBe(true);
    expect(isPublicAddress('not-an-ip')).toBe(false);
  });
});
