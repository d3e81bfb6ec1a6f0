import os from 'node:os';

export interface LoadSummary {
  /** 1-minute load averages seen while the benchmark ran (its own processes and the machine's other work). */
  min: number;
  max: number;
  mean: number;
  samples: number;
}

/**
 * Samples the 1-minute load average every few seconds while a benchmark runs: on a 2-core machine
 * shared with other work, a slow number next to a load of 6 says more than the number alone.
 */
export class LoadSampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 2_000) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): LoadSummary {
    clearInterval(this.timer);
    this.sample();
    const sum = this.samples.reduce((a, b) => a + b, 0);
    const r = (n: number) => Math.round(n * 100) / 100;
    return {
      min: r(Math.min(...this.samples)),
      max: r(Math.max(...this.samples)),
      mean: r(sum / this.samples.length),
      samples: this.samples.length,
    };
  }

  private sample(): void {
    this.samples.push(os.loadavg()[0] ?? 0);
  }
}

export function describeLoad(load: LoadSummary, cores = os.cpus().length): string {
  return (
    `1-minute load average during the run: ${load.min}–${load.max} (mean ${load.mean}) on ${cores} cores ` +
    "(this benchmark's own Chromium threads count, and so does anything else on the machine)."
  );
}
