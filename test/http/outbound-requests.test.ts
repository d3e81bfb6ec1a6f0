import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPublicAddress, type LookupAll, OutboundUrlPolicy } from '../../runner/http/outbound-url-policy.js';
import {
  MAX_RESPONSE_BYTES,
  postSigned,
  ResponseTooLargeError,
  SIGNATURE_HEADER,
  verifySignatureHeader,
} from '../../runner/http/signed-request.js';
import { UrlNotAllowedError } from '../../runner/http/url-not-allowed-error.js';
import {
  changingLookup,
  PUBLIC_ADDRESS as PUBLIC,
  resolverAtConnect,
  tcpCounter,
} from '../helpers/outbound-stubs.js';

const SECRET = 'outbound-test-secret';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

describe('outbound URL policy: literal addresses in odd forms', () => {
  const neverAsked: LookupAll = async () => {
    throw new Error('a literal address must not be looked up');
  };
  const policy = new OutboundUrlPolicy({ lookup: neverAsked });

  it.each([
    // What the WHATWG URL parser makes of them, as the policy sees them.
    ['https://0x7f.1/x', '127.0.0.1'],
    ['https://2130706433/x', '127.0.0.1'],
    ['https://0177.0.0.1/x', '127.0.0.1'],
    ['https://127.1/x', '127.0.0.1'],
    ['https://0x7f000001/x', '127.0.0.1'],
    ['https://%31%32%37.0.0.1/x', '127.0.0.1'],
    ['https://0/x', '0.0.0.0'],
    ['https://0xa9fea9fe/latest', '169.254.169.254'],
    ['https://[::]/x', '[::]'],
    ['https://[0:0:0:0:0:0:0:1]/x', '[::1]'],
    ['https://[::ffff:127.0.0.1]/x', '[::ffff:7f00:1]'],
    ['https://[::127.0.0.1]/x', '[::7f00:1]'],
    ['https://[64:ff9b::10.0.0.1]/x', '[64:ff9b::a00:1]'],
  ])('%s (parsed as %s) is refused', async (url, hostname) => {
    expect(new URL(url).hostname).toBe(hostname);
    const error = await policy.check(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UrlNotAllowedError);
    expect(error).toMatchObject({ code: 'url_not_allowed', message: expect.stringContaining('private') });
    expect(() => policy.checkWithoutLookup(url)).toThrow(UrlNotAllowedError);
  });

  it('refuses local names with a trailing dot', async () => {
    await expect(policy.check('https://localhost./x')).rejects.toThrow('local host');
  });
});

describe('outbound URL policy: IPv6 special ranges', () => {
  const specials = [
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:0:127.0.0.1', // IPv4-translated
    '::127.0.0.1', // IPv4-compatible
    '::8.8.8.8', // IPv4-compatible, deprecated whatever it carries
    '64:ff9b::127.0.0.1', // NAT64 of a private address
    '64:ff9b::169.254.169.254',
    '64:ff9b:1::808:808', // local-use NAT64
    '2002:7f00:1::1', // 6to4 of 127.0.0.1
    '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
    '2002:c0a8:101::1', // 6to4 of 192.168.1.1
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    '2001:2::1', // benchmarking
    'fc00::1',
    'fd00:ec2::254', // AWS metadata over IPv6
    'fe80::1',
    'fe80::1%eth0',
    'fec0::1', // site-local
    'ff02::1',
    '2001:db8::1',
    '3fff::1',
    '100::1', // discard-only
  ];

  it.each(specials)('%s is not public, as a literal or as a DNS answer', async (address) => {
    expect(isPublicAddress(address)).toBe(false);
    if (!address.includes('%')) {
      const literal = new OutboundUrlPolicy();
      await expect(literal.check(`https://[${address}]/x`)).rejects.toBeInstanceOf(UrlNotAllowedError);
    }
    const dns = new OutboundUrlPolicy({ lookup: changingLookup([PUBLIC, address]).lookup });
    await expect(dns.check('https://hooks.example.com/x')).rejects.toBeInstanceOf(UrlNotAllowedError);
  });

  it.each([
    '2606:2800:21f:cb07::1',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8', // what DNS64 answers for a public IPv4-only host
    '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('IPv4 special ranges', () => {
    for (const address of ['0.1.2.3', '100.64.0.1', '100.100.100.200', '169.254.169.254', '192.0.0.192']) {
      expect(isPublicAddress(address)).toBe(false);
    }
    for (const address of ['192.0.2.1', '198.51.100.1', '203.0.113.1', '198.18.0.1', '255.255.255.255']) {
      expect(isPublicAddress(address)).toBe(false);
    }
    expect(isPublicAddress(PUBLIC)).toBe(true);
  });
});

describe('outbound requests connect to the addresses the policy checked', () => {
  it('check answers the checked addresses of a name, and none for a literal or an allowlisted origin', async () => {
    const { asked, lookup } = changingLookup([PUBLIC, '2606:2800:21f:cb07::1']);
    const target = await new OutboundUrlPolicy({ lookup }).check('https://hooks.example.com/x?k=1');
    expect(target.url.href).toBe('https://hooks.example.com/x?k=1');
    expect(target.connectTo).toEqual([
      { address: PUBLIC, family: 4 },
      { address: '2606:2800:21f:cb07::1', family: 6 },
    ]);
    expect(asked).toEqual(['hooks.example.com']);
    expect((await new OutboundUrlPolicy({ lookup }).check(`https://${PUBLIC}/x`)).connectTo).toBeUndefined();
    const allowlisted = new OutboundUrlPolicy({ allowlist: ['http://127.0.0.1:9000'], lookup });
    expect((await allowlisted.check('http://127.0.0.1:9000/x')).connectTo).toBeUndefined();
    expect(asked).toHaveLength(1);
  });

  it('a name whose answer turns to 127.0.0.1 after the check: the loopback receiver is never reached', async () => {
    const receiver = await tcpCounter();
    const { asked, lookup } = changingLookup([PUBLIC], ['127.0.0.1']);
    resolverAtConnect(lookup);
    const policy = new OutboundUrlPolicy({ lookup });
    const target = await policy.check(`https://rebind.test:${receiver.port}/hook`);
    expect(target.connectTo).toEqual([{ address: PUBLIC, family: 4 }]);
    // Whatever happens at the public address (no answer, a refused connection), it is not loopback.
    const send = (connectTo: typeof target.connectTo) =>
      postSigned({
        url: target.url.href,
        connectTo,
        body: { hello: 1 },
        secret: SECRET,
        timeoutMs: 500,
      }).catch(() => undefined);
    await send(target.connectTo);
    expect(asked).toEqual(['rebind.test']);
    expect(receiver.seen).toHaveLength(0);
    // The control: a request that resolves the name again lands on the loopback receiver.
    await send(undefined);
    expect(asked).toEqual(['rebind.test', 'rebind.test']);
    expect(receiver.seen).toHaveLength(1);
  });

  it('a pinned request connects to the pinned address; Host and TLS SNI stay the host name', async () => {
    const requests: { host: string | undefined; body: string; signature: string | undefined }[] = [];
    const http = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        requests.push({ host: req.headers.host, body, signature: req.headers[SIGNATURE_HEADER] as string });
        res.end('ok');
      });
    });
    const port = await listen(http);
    // `.invalid` never resolves: the request can only arrive through the pinned address.
    const answer = await postSigned({
      url: `http://pinned.invalid:${port}/hook`,
      connectTo: [{ address: '127.0.0.1', family: 4 }],
      body: { a: 1 },
      secret: SECRET,
      timeoutMs: 2000,
    });
    expect(answer).toEqual({ status: 200, text: 'ok' });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.host).toBe(`pinned.invalid:${port}`);
    expect(verifySignatureHeader(SECRET, requests[0]?.signature, requests[0]?.body ?? '')).toBe(true);

    const tls = await tcpCounter();
    await expect(
      postSigned({
        url: `https://pinned.invalid:${tls.port}/hook`,
        connectTo: [{ address: '127.0.0.1', family: 4 }],
        body: {},
        secret: SECRET,
        timeoutMs: 2000,
      }),
    ).rejects.toThrow();
    expect(tls.seen).toHaveLength(1);
    // The ClientHello names the host (SNI), so the certificate is checked against it.
    expect(tls.seen[0]?.includes('pinned.invalid')).toBe(true);
  });
});

describe('signed posts: no redirects, at most 64 KiB read', () => {
  it('a 302 to another host is returned as it is, not followed', async () => {
    let stolen = 0;
    const other = await listen(
      createHttpServer((_req, res) => {
        stolen += 1;
        res.end('{"zak":"stolen"}');
      }),
    );
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(302, { location: `http://127.0.0.1:${other}/stolen` }).end();
      }),
    );
    const answer = await postSigned({
      url: `http://127.0.0.1:${port}/hook`,
      body: {},
      secret: SECRET,
      timeoutMs: 2000,
    });
    expect(answer.status).toBe(302);
    expect(stolen).toBe(0);
  });

  it('a 1 MiB answer is cut at 64 KiB, without the rest being read', async () => {
    expect(MAX_RESPONSE_BYTES).toBe(64 * 1024);
    let written = 0;
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        // Chunked, no length: the cap must hold while streaming. Slowly, so the cut shows.
        res.writeHead(200, { 'content-type': 'application/json' });
        const more = () => {
          if (res.destroyed || written >= 1024 * 1024) return void res.end();
          written += chunk.length;
          res.write(chunk);
          setTimeout(more, 5);
        };
        more();
      }),
    );
    const error = await postSigned({
      url: `http://127.0.0.1:${port}/big`,
      body: {},
      secret: SECRET,
      timeoutMs: 5000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ code: 'response_too_large', maxBytes: 64 * 1024, status: 200 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(written).toBeLessThan(512 * 1024);
  });

  it('an answer declaring more than 64 KiB is refused before its body is read', async () => {
    const port = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-length': String(1024 * 1024) });
        res.write('{"zak":"');
      }),
    );
    const started = Date.now();
    await expect(
      postSigned({ url: `http://127.0.0.1:${port}/big`, body: {}, secret: SECRET, timeoutMs: 5000 }),
    ).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
