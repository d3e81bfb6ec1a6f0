import { describe, expect, it } from 'vitest';
import { DensityUsageError, parseDensityArgs } from '../../bench/lib/density-args.js';

describe('density benchmark options', () => {
  it('measures 1, 10 and 25 bots in every layout by default, with the environment’s CHROMIUM_ARGS', () => {
    const options = parseDensityArgs([], { CHROMIUM_ARGS: '--lang=de' });
    expect(options.sizes).toEqual([1, 10, 25]);
    expect(options.parts).toEqual(['real', 'browser-per-bot', 'omnibox-off', 'sim']);
    expect(options.botsPerBrowser).toBe(10);
    expect(options.chromiumArgs).toBe('--lang=de');
  });

  it('takes quick-run sizes and skipped parts, sorted and without repeats', () => {
    const options = parseDensityArgs(
      ['--sizes', '10,1,10', '--skip', 'sim,omnibox-off', '--samples', '2'],
      {},
    );
    expect(options.sizes).toEqual([1, 10]);
    expect(options.parts).toEqual(['real', 'browser-per-bot']);
    expect(options.sampling.samples).toBe(2);
  });

  it('refuses unknown parts, flags and sizes that are not positive integers, naming the usage', () => {
    expect(() => parseDensityArgs(['--skip', 'join'], {})).toThrow(DensityUsageError);
    expect(() => parseDensityArgs(['--sizes', '0,10'], {})).toThrow(/--sizes takes positive integers/);
    expect(() => parseDensityArgs(['--sizes', '1.5'], {})).toThrow(/Usage: npm run bench -- density/);
    expect(() => parseDensityArgs(['--bots', '3'], {})).toThrow(DensityUsageError);
  });
});
