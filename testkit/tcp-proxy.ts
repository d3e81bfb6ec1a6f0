import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `redis://127.0.0.1:<port>` style address of the proxy's listening side. */
  readonly port: number;
  /**
   * Cuts the link without closing it, as a network partition does: nothing passes either way, and
   * every connection stays open. What was sent meanwhile arrives after `heal`, as TCP retransmits would.
   */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real server (Redis), for partition tests: a worker given the proxy's
 * address can be cut off while everything else keeps talking to the server directly.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let isCut = false;
  const pairs = new Set<[Socket, Socket]>();
  const waiting: Array<() => void> = [];
  const server: Server = createServer((client) => {
    const open = () => {
      const upstream = createConnection(target);
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const drop = () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      if (isCut) {
        client.pause();
        upstream.pause();
      }
    };
    // A connection attempted during the cut gets through only once it heals.
    if (isCut) {
      client.pause();
      waiting.push(open);
    } else open();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('proxy has no port');
  return {
    port: address.port,
    cut() {
      isCut = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    heal() {
      isCut = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        upstream.resume();
      }
      for (const open of waiting.splice(0)) open();
    },
    close: async () => {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
