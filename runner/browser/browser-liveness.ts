import type { Logger } from '../log/logger.js';
import { processTree } from './chromium-processes.js';
import { withinMs } from './page-liveness.js';

/** The little of Puppeteer's `Browser` this needs (a fake in tests). */
export interface ProbedBrowser {
  version(): Promise<string>;
  process(): { pid?: number | undefined } | null;
}

export interface BrowserLivenessOptions {
  logger: Logger;
  /** How long the browser may take to answer the probe. Default 2 000 ms (it answers in ms). */
  probeTimeoutMs?: number;
  /** Kills a process; `process.kill` unless a test watches. */
  kill?: (pid: number) => void;
  /** Lists a process and its descendants; `processTree` from /proc unless a test fakes it. */
  tree?: (root: number) => number[];
}

/**
 * One Chromium's liveness, shared by its pages (docs/contract.md §12). A page that looks hung asks
 * `probe()` whether the browser still answers (pages of a frozen Chromium ask together, one probe);
 * when it does not, `declareHung` tells every page, then SIGKILLs the whole process tree: a stopped
 * process ignores everything but SIGKILL, and its children do not die with a parent killed alone.
 */
export class BrowserLiveness {
  private hungWhy: string | undefined;
  private probing: Promise<boolean> | undefined;
  private readonly listeners = new Set<(why: string) => void>();

  constructor(
    private readonly browser: ProbedBrowser,
    private readonly options: BrowserLivenessOptions,
  ) {}

  /** Declared hung: the pool hands out no more pages from it. */
  get hung(): boolean {
    return this.hungWhy !== undefined;
  }

  /** True when the browser answers `Browser.getVersion` in time. */
  probe(): Promise<boolean> {
    if (this.hung) return Promise.resolve(false);
    this.probing ??= (async () => {
      let answered = false;
      const asked = this.browser.version().then(() => {
        answered = true;
      });
      await withinMs(asked, this.options.probeTimeoutMs ?? 2_000);
      return answered;
    })().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  /** Calls `listener` once if the browser is declared hung (at once if it already was). */
  onHung(listener: (why: string) => void): () => void {
    if (this.hungWhy !== undefined) {
      listener(this.hungWhy);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Once: marks it hung, tells its pages, kills its process tree. */
  declareHung(why: string): void {
    if (this.hungWhy !== undefined) return;
    this.hungWhy = why;
    const pid = this.browser.process()?.pid;
    // Listed before the kill: once the browser is gone its children are re-parented out of reach.
    const pids = pid !== undefined ? (this.options.tree ?? ((root) => processTree([root])))(pid) : [];
    this.options.logger.warn({ pid, processes: pids.length, why }, 'Chromium hung: killing it');
    for (const listener of [...this.listeners]) listener(why);
    this.listeners.clear();
    const kill = this.options.kill ?? ((p: number) => process.kill(p, 'SIGKILL'));
    for (const p of pids) {
      try {
        kill(p);
      } catch {
        // Already gone.
      }
    }
  }
}
