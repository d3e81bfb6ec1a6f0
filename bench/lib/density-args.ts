import { parseArgs } from 'node:util';
import type { SampleOptions } from './pss-samples.js';

/**
 * The density benchmark's options. Parts: `real` (real-SDK page, a context each, through BrowserPool),
 * `browser-per-bot` (the same page, a Chromium each), `omnibox-off` (both again with Chromium's
 * omnibox popup WebUI disabled: what one launch flag saves), `sim` (sim page, a real worker process).
 */
export const DENSITY_USAGE =
  'density [--sizes 1,10,25] [--bots-per-browser N] [--skip real,browser-per-bot,omnibox-off,sim] ' +
  '[--omnibox-off-sizes 10] [--settle-ms N] [--samples N] [--open-concurrency N] [--chromium-args=FLAGS]';

export type DensityPart = 'real' | 'browser-per-bot' | 'omnibox-off' | 'sim';
const PARTS: readonly DensityPart[] = ['real', 'browser-per-bot', 'omnibox-off', 'sim'];

/**
 * Chromium 156 (new headless) gives every window, so every bot's browser context, preloaded omnibox
 * popup WebUIs (`chrome://omnibox-popup.top-chrome/`), each in a renderer of that context's own.
 */
export const OMNIBOX_WEBUI_OFF = '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup';

export interface DensityOptions {
  sizes: number[];
  botsPerBrowser: number;
  parts: DensityPart[];
  /** Sizes at which the omnibox-off comparison runs (only those also in `sizes`). */
  omniboxOffSizes: number[];
  sampling: SampleOptions;
  /** Real-SDK pages opened at once: the SDK's init is CPU-heavy on a small machine. */
  openConcurrency: number;
  /** CHROMIUM_ARGS for every Chromium of the run (default: the environment's, as the runner reads it). */
  chromiumArgs: string;
}

export class DensityUsageError extends Error {
  constructor(message: string) {
    super(`${message}\nUsage: npm run bench -- ${DENSITY_USAGE}`);
    this.name = 'DensityUsageError';
  }
}

function positiveInt(name: string, text: string, fallback?: number): number {
  const value = text === '' && fallback !== undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 1) throw new DensityUsageError(`--${name} takes positive integers`);
  return value;
}

function sizeList(name: string, text: string): number[] {
  const sizes = text.split(',').map((s) => positiveInt(name, s.trim()));
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function parseDensityArgs(args: string[], env: NodeJS.ProcessEnv = process.env): DensityOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        sizes: { type: 'string' },
        'bots-per-browser': { type: 'string' },
        skip: { type: 'string' },
        'omnibox-off-sizes': { type: 'string' },
        'settle-ms': { type: 'string' },
        samples: { type: 'string' },
        'open-concurrency': { type: 'string' },
        'chromium-args': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new DensityUsageError((error as Error).message);
  }
  const skip = (values.skip ?? '').split(',').filter((s) => s !== '');
  for (const part of skip) {
    if (!PARTS.includes(part as DensityPart)) throw new DensityUsageError(`--skip takes ${PARTS.join(', ')}`);
  }
  const settleMs = Number(values['settle-ms'] ?? 3_000);
  if (!Number.isFinite(settleMs) || settleMs < 0)
    throw new DensityUsageError('--settle-ms takes milliseconds');
  return {
    sizes: sizeList('sizes', values.sizes ?? '1,10,25'),
    botsPerBrowser: positiveInt('bots-per-browser', values['bots-per-browser'] ?? '', 10),
    parts: PARTS.filter((part) => !skip.includes(part)),
    omniboxOffSizes: sizeList('omnibox-off-sizes', values['omnibox-off-sizes'] ?? '10'),
    sampling: { settleMs, samples: positiveInt('samples', values.samples ?? '', 3), intervalMs: 1_000 },
    openConcurrency: positiveInt('open-concurrency', values['open-concurrency'] ?? '', 2),
    chromiumArgs: values['chromium-args'] ?? env.CHROMIUM_ARGS ?? '',
  };
}
