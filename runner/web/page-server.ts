import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { registerPageRoutes } from './page-routes.js';

export interface RunningPageServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves only the bot pages; the API server mounts the same routes next to /v1. */
export async function startPageServer(options: {
  buildDir: string;
  host?: string;
  port?: number;
}): Promise<RunningPageServer> {
  const app = new Hono();
  registerPageRoutes(app, { buildDir: options.buildDir });
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
