import { setTimeout as sleep } from 'node:timers/promises';
import { type TreePss, treePss } from './pss.js';

export interface SampleOptions {
  /** Wait before the first sample, so pages finish what the join started (GC, lazy workers). */
  settleMs: number;
  samples: number;
  intervalMs: number;
}

export interface SampledPss extends TreePss {
  /** Every sample's total, in bytes, in the order taken. */
  sampleBytes: number[];
}

/**
 * The median of several PSS samples of a process tree, listed afresh for each sample (Chromium may
 * start or end a utility process meanwhile): one sample can land on a renderer mid-allocation.
 */
export async function sampleTreePss(listPids: () => number[], options: SampleOptions): Promise<SampledPss> {
  await sleep(options.settleMs);
  const taken: TreePss[] = [];
  for (let i = 0; i < options.samples; i++) {
    if (i > 0) await sleep(options.intervalMs);
    taken.push(await treePss(listPids()));
  }
  const sorted = [...taken].sort((a, b) => a.bytes - b.bytes);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!median) throw new RangeError('sampleTreePss needs at least one sample');
  return { ...median, sampleBytes: taken.map((t) => t.bytes) };
}
