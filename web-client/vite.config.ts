import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const sdkModes = ['zoom', 'sim'] as const;

/**
 * Two builds of one page: `zoom` carries the real `@zoom/meetingsdk`, `sim` aliases its Component
 * View entry to `zoom-sim/sdk` so tests and demos run with no network.
 * `vite build --config web-client/vite.config.ts --mode zoom|sim`
 */
export default defineConfig(({ mode }) => {
  const sdk = sdkModes.find((m) => m === mode);
  if (!sdk) throw new Error(`web-client: --mode must be one of ${sdkModes.join(', ')} (got ${mode})`);
  const root = fileURLToPath(new URL('.', import.meta.url));
  return {
    root,
    base: './',
    logLevel: 'warn',
    define: { __ZBR_SDK__: JSON.stringify(sdk) },
    resolve: {
      alias:
        sdk === 'sim'
          ? [
              {
                find: '@zoom/meetingsdk/embedded',
                replacement: fileURLToPath(new URL('../zoom-sim/sdk/index.ts', import.meta.url)),
              },
            ]
          : [],
    },
    build: {
      outDir: fileURLToPath(new URL(`../dist/web-client/${sdk}`, import.meta.url)),
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 8000,
      reportCompressedSize: false,
    },
  };
});
