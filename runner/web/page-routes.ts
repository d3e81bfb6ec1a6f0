import { createRequire } from 'node:module';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';

export type PageSdk = 'zoom' | 'sim';

/** URL paths of the bot page builds and the real SDK's assets, all on the runner's own origin. */
export const PAGE_PATHS = {
  page: (sdk: PageSdk) => `/bot/${sdk}/index.html`,
  /** `assetPath` for the real SDK: its `dist/lib/av`, served here rather than from Zoom's CDN. */
  sdkAssets: '/bot/zoom-lib/av',
} as const;

export interface PageRoutesOptions {
  /** Folder holding the `zoom/` and `sim/` builds (`dist/web-client`). */
  buildDir: string;
}

/** `node_modules/@zoom/meetingsdk/dist/lib`, wherever npm put it. */
export function sdkLibDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@zoom/meetingsdk/package.json')), 'dist', 'lib');
}

/**
 * Serves the bot pages cross-origin isolated: the SDK needs `SharedArrayBuffer` for its media
 * workers, which Chromium grants only with COOP same-origin and COEP require-corp.
 */
export function registerPageRoutes(app: Hono, options: PageRoutesOptions): void {
  app.use('/bot/*', async (c, next) => {
    await next();
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Embedder-Policy', 'require-corp');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
  });
  const libDir = sdkLibDir();
  app.use(
    '/bot/zoom-lib/*',
    serveStatic({
      root: path.relative(process.cwd(), libDir),
      rewriteRequestPath: (p) => p.replace(/^\/bot\/zoom-lib/, ''),
    }),
  );
  for (const sdk of ['zoom', 'sim'] as const) {
    app.use(
      `/bot/${sdk}/*`,
      serveStatic({
        root: path.relative(process.cwd(), path.join(options.buildDir, sdk)),
        rewriteRequestPath: (p) => p.replace(new RegExp(`^/bot/${sdk}`), ''),
      }),
    );
  }
}
