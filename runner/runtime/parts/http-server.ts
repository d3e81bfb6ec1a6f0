import type { Hono } from 'hono';
import { type RunningHttpServer, startHttpServer } from '../../http/http-server.js';
import { PrerequisiteError } from '../../lifecycle/prerequisite-error.js';
import { type Resource, resource } from '../resource.js';

/**
 * The process's one HTTP server on API_PORT. `app` is built when the server starts, after the parts
 * its routes use (queue layer, metrics) have started.
 */
export function httpServerPart(input: { port: number; app: () => Hono }): Resource<RunningHttpServer> {
  return resource('http server', async (defer) => {
    const app = input.app();
    let server: RunningHttpServer;
    try {
      server = await startHttpServer(app, { port: input.port });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        throw new PrerequisiteError(
          'port_in_use',
          `API_PORT=${input.port} cannot be served (${code}): another process holds it, or the port needs privileges. Stop that process or set API_PORT to a free port.`,
        );
      }
      throw error;
    }
    defer('close server', () => server.close());
    return server;
  });
}
