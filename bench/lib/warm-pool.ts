import type { WorkerProcess } from '../../runner/runtime/worker-process.js';

const TOP_UP_RETRY_MS = 1_000;

/** The pool did not warm its pages in time: the machine is too busy for a meaningful round. */
export class WarmPoolTimeoutError extends Error {
  readonly code = 'warm_pool_timeout';
  constructor(
    readonly wanted: number,
    readonly warm: number,
  ) {
    super(`the browser pool warmed ${warm} of ${wanted} pages in time`);
    this.name = 'WarmPoolTimeoutError';
  }
}

/**
 * Waits until an in-process worker's pool holds `count` warm pages (loaded, SDK initialised), then
 * `settleMs` more, so the round starts on a quiet machine rather than during the warming.
 */
export async function waitForWarmPages(
  runtime: WorkerProcess,
  count: number,
  options: { timeoutMs?: number; settleMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let nextTopUp = Date.now() + TOP_UP_RETRY_MS;
  while (runtime.pool.stats().warm < count) {
    if (Date.now() > deadline) throw new WarmPoolTimeoutError(count, runtime.pool.stats().warm);
    // A warm-up that failed is not retried until the next open: ask again, as an open would.
    if (Date.now() > nextTopUp) {
      runtime.pool.topUp();
      nextTopUp = Date.now() + TOP_UP_RETRY_MS;
    }
    await sleep(50);
  }
  await sleep(options.settleMs ?? 1_000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
