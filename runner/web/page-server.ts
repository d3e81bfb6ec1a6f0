import { Hono } from 'hono';
import { type RunningHttpServer, startHttpServer } from '../http/http-server.js';
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
  const server: RunningHttpServer = await startHttpServer(app, {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
  });
  return { origin: server.url, close: () => server.close() };
}
