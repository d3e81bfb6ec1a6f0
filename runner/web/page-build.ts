import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError } from '../lifecycle/prerequisite-error.js';
import type { PageSdk } from './page-routes.js';

/** Where `npm run build` puts the page builds: `dist/web-client/{zoom,sim}`. */
export function pageBuildDir(root = findRepoRoot()): string {
  return path.join(root, 'dist', 'web-client');
}

/** The repository (or installed package) root, whether running from source or from `dist/`. */
export function findRepoRoot(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
  return dir;
}

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

const PAGE_SOURCES: Record<PageSdk, string[]> = {
  zoom: ['web-client', 'shared/bridge.ts', 'shared/liveness.ts'],
  sim: ['web-client', 'shared/bridge.ts', 'shared/liveness.ts', 'zoom-sim/sdk', 'zoom-sim/protocol.ts'],
};

/** True when a page build is missing or older than any of its sources. */
export function isPageBuildStale(sdk: PageSdk, root = findRepoRoot()): boolean {
  const built = path.join(pageBuildDir(root), sdk, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return PAGE_SOURCES[sdk].some((source) => newestMtime(path.join(root, source)) > builtAt);
}

/** Builds the page for `sdk` with Vite (a dev dependency: only from a source checkout). */
export async function buildPage(sdk: PageSdk, root = findRepoRoot()): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'web-client', 'vite.config.ts'), mode: sdk, logLevel: 'warn' });
}

export async function ensurePageBuilds(sdks: readonly PageSdk[] = ['zoom', 'sim']): Promise<void> {
  for (const sdk of sdks) if (isPageBuildStale(sdk)) await buildPage(sdk);
}

/**
 * The page `start` serves, current: from a source checkout it rebuilds a missing or out-of-date
 * build (Vite); from an installed package or image the build must already be there.
 * Returns true when it built.
 */
export async function ensureStartPage(sdk: PageSdk, root = findRepoRoot()): Promise<boolean> {
  const fromSource = existsSync(path.join(root, 'web-client', 'vite.config.ts'));
  if (!isPageBuildStale(sdk, root)) return false;
  if (fromSource) {
    await buildPage(sdk, root);
    return true;
  }
  if (existsSync(path.join(pageBuildDir(root), sdk, 'index.html'))) return false;
  throw new PrerequisiteError(
    'page_build_missing',
    `The bot page build is missing (${path.join(pageBuildDir(root), sdk)}). Run \`npm run build\`.`,
  );
}
