import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { MeetingRegistry } from './meetings/meeting-registry.js';
import { attachParticipantSockets } from './meetings/participant-socket.js';
import { registerAvatarRoutes } from './routes/avatars.js';
import { registerSimFaultRoutes } from './routes/injected-faults.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { registerSimAccountRoutes } from './routes/sim-account.js';
import { registerSimMeetingActivityRoutes } from './routes/sim-meeting-activity.js';
import { registerSimMeetingRoutes } from './routes/sim-meetings.js';
import { registerUserRoutes } from './routes/users.js';
import type { SimConfig } from './sim-config.js';
import type { SimContext } from './sim-context.js';
import { FaultInjector } from './store/faults.js';
import { RateLimiter } from './store/rate-limiter.js';
import { SimStats } from './store/stats.js';
import { TokenRegistry } from './store/tokens.js';
import { UserDirectory } from './store/users.js';
import { sendZoomError, ZoomApiError, zoomErrors } from './zoom-error.js';

export interface RunningSim {
  /** `http://127.0.0.1:<port>`: OAuth, REST (`/v2`), control (`/_sim`) and the participant WebSocket. */
  readonly url: string;
  readonly port: number;
  readonly context: SimContext;
  close(): Promise<void>;
}

export function createSimContext(config: SimConfig, baseUrl: () => string): SimContext {
  const tokens = new TokenRegistry();
  const users = new UserDirectory(config.botUser);
  const stats = new SimStats();
  const rateLimits = new RateLimiter(config.plan);
  const context: SimContext = {
    config,
    users,
    tokens,
    stats,
    rateLimits,
    meetings: new MeetingRegistry({ tokens, users, stats, config, baseUrl }),
    faults: new FaultInjector(),
    baseUrl,
  };
  return context;
}

export function createSimApp(context: SimContext): Hono {
  const app = new Hono();
  registerOAuthRoutes(app, context);
  registerUserRoutes(app, context);
  registerAvatarRoutes(app, context);
  registerSimAccountRoutes(app, context);
  registerSimFaultRoutes(app, context);
  registerSimMeetingRoutes(app, context);
  registerSimMeetingActivityRoutes(app, context);
  app.notFound((c) => sendZoomError(c, zoomErrors.notFound(c.req.path)));
  app.onError((error, c) => {
    if (error instanceof ZoomApiError) return sendZoomError(c, error);
    // Never echo internals: a 500 says only that it failed.
    return c.json({ code: 500, message: 'Internal server error.' }, 500);
  });
  return app;
}

/** Starts a sim on `config.port` (0 picks a free port). */
export async function startZoomSim(config: SimConfig): Promise<RunningSim> {
  let url = '';
  const context = createSimContext(config, () => config.publicUrl ?? url);
  const app = createSimApp(context);
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const sockets = attachParticipantSockets(server, context);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    context,
    close: () => {
      closing ??= (async () => {
        context.meetings.shutdown();
        await sockets.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections would hold close() open.
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
