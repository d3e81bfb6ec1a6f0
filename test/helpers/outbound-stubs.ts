import { once } from 'node:events';
import { type AddressInfo, createServer, type LookupFunction } from 'node:net';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { onTestFinished } from 'vitest';
import type { LookupAll } from '../../runner/http/outbound-url-policy.js';

/** A public address (example.com's, once) a stub DNS answers; never a local one. */
export const PUBLIC_ADDRESS = '93.184.215.14';

/** A DNS stub for `OutboundUrlPolicy`: the answers in turn (the last one repeats), counting the questions. */
export function changingLookup(...answers: string[][]) {
  const asked: string[] = [];
  const lookup: LookupAll = async (hostname) => {
    asked.push(hostname);
    const addresses = answers[Math.min(asked.length, answers.length) - 1] ?? [];
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { asked, lookup };
}

/**
 * Until the test ends, `lookup` stands in for the system resolver when undici's global dispatcher
 * opens a connection: what a request that resolved the name again (instead of connecting to the
 * addresses the policy checked) would be told.
 */
export function resolverAtConnect(lookup: LookupAll): void {
  const nodeLookup: LookupFunction = (hostname, options, callback) => {
    lookup(hostname).then(
      (answers) => {
        const [first] = answers;
        if (options.all) callback(null, answers);
        else callback(null, first?.address ?? '', first?.family ?? 4);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
  const previous = getGlobalDispatcher();
  const agent = new Agent({ connect: { lookup: nodeLookup } });
  setGlobalDispatcher(agent);
  onTestFinished(async () => {
    setGlobalDispatcher(previous);
    await agent.destroy();
  });
}

/**
 * A loopback TCP server (closed when the test ends) that counts connections and keeps the first
 * bytes of each (an HTTP request line, a TLS ClientHello), then drops them.
 */
export async function tcpCounter() {
  const seen: Buffer[] = [];
  const server = createServer((socket) => {
    const index = seen.push(Buffer.alloc(0)) - 1;
    socket.on('data', (chunk: Buffer) => {
      seen[index] = Buffer.concat([seen[index] ?? Buffer.alloc(0), chunk]);
      socket.destroy();
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => void server.close());
  return { port: (server.address() as AddressInfo).port, seen };
}
