import { describe, expect, it, vi } from 'vitest';
import { BrowserLiveness } from '../../runner/browser/browser-liveness.js';
import {
  describeHangSign,
  type HangActions,
  PageLivenessMonitor,
  settleHang,
} from '../../runner/browser/page-liveness.js';
import { captureLogger } from '../helpers/capture-logger.js';

/**
 * docs/contract.md §12's decisions, on times handed in: when a page counts as hung, when a touch is
 * due, and who is killed (the page's context or its whole Chromium).
 */

/** A monitor started at t = 0 and ticked every second up to `until` (inclusive), beating as told. */
function run(monitor: PageLivenessMonitor, from: number, until: number, beatEvery?: number) {
  const ticks = [];
  for (let t = from; t <= until; t += 1_000) {
    if (beatEvery !== undefined && t % beatEvery === 0) monitor.beat(t);
    ticks.push({ t, ...monitor.tick(t) });
  }
  return ticks;
}

describe('page liveness monitor', () => {
  it('a page that beats every 2 s is never hung', () => {
    const monitor = new PageLivenessMonitor(0);
    expect(run(monitor, 1_000, 60_000, 2_000).filter((t) => t.hung)).toEqual([]);
  });

  it('10 s without a beat: hung, and not a tick before', () => {
    const monitor = new PageLivenessMonitor(0);
    monitor.beat(2_000);
    const ticks = run(monitor, 1_000, 12_000).filter((t) => t.hung);
    expect(ticks).toEqual([{ t: 12_000, touch: false, hung: { kind: 'no_beat', silentMs: 10_000 } }]);
  });

  it('touches every 2 s, one at a time: a touch still unanswered holds the next back', () => {
    const monitor = new PageLivenessMonitor(0);
    monitor.beat(0);
    expect(monitor.tick(1_000).touch).toBe(true);
    const touch = monitor.callStarted('touch', 1_000);
    monitor.beat(2_000);
    expect(monitor.tick(2_000).touch).toBe(false);
    monitor.callEnded(touch);
    expect(monitor.tick(3_000).touch).toBe(true);
    monitor.callEnded(monitor.callStarted('touch', 3_000));
    expect(monitor.tick(4_000).touch).toBe(false);
    expect(monitor.tick(5_000).touch).toBe(true);
  });

  it('a CDP call unanswered for 10 s is a hang, even while beats arrive', () => {
    const monitor = new PageLivenessMonitor(0);
    monitor.callStarted('join', 500);
    const ticks = run(monitor, 1_000, 11_000, 1_000);
    expect(ticks.filter((t) => t.hung)).toEqual([
      { t: 11_000, touch: false, hung: { kind: 'call_unanswered', call: 'join', pendingMs: 10_500 } },
    ]);
    expect(describeHangSign({ kind: 'call_unanswered', call: 'join', pendingMs: 10_500 })).toBe(
      'join unanswered for 11 s',
    );
  });

  it('a call that answered in time is forgotten', () => {
    const monitor = new PageLivenessMonitor(0);
    monitor.callEnded(monitor.callStarted('touch', 0));
    expect(run(monitor, 1_000, 30_000, 2_000).filter((t) => t.hung)).toEqual([]);
  });

  it('the runner itself frozen (a late tick): clocks restart instead of blaming the page', () => {
    const monitor = new PageLivenessMonitor(0);
    monitor.beat(0);
    monitor.callStarted('touch', 0);
    // SIGSTOP for 30 s: the beats sit unread in the pipe.
    expect(monitor.tick(30_000).hung).toBeUndefined();
    // The page is still dead after the runner is back: hung 10 s later, not before.
    expect(run(monitor, 31_000, 40_000).find((t) => t.hung)?.t).toBe(40_000);
  });
});

/** The actions `settleHang` takes, recorded in order. */
function actions(options: { browserAnswers: boolean; contextCloses: boolean }) {
  const log: string[] = [];
  const hang: HangActions = {
    probeBrowser: async () => {
      log.push('probe');
      return options.browserAnswers;
    },
    pageHung: () => log.push('page hung'),
    closeContext: () => {
      log.push('close context');
      return options.contextCloses ? Promise.resolve() : new Promise(() => {});
    },
    browserHung: () => log.push('browser hung'),
  };
  return { hang, log };
}

describe('who hung: the page or its Chromium', () => {
  it('the browser answers: the page is reported hung, then its context closed', async () => {
    const { hang, log } = actions({ browserAnswers: true, contextCloses: true });
    expect(await settleHang(hang, 50)).toBe('page');
    expect(log).toEqual(['probe', 'page hung', 'close context']);
  });

  it('the browser does not answer: the whole Chromium is hung, the context is left to die with it', async () => {
    const { hang, log } = actions({ browserAnswers: false, contextCloses: true });
    expect(await settleHang(hang, 50)).toBe('browser');
    expect(log).toEqual(['probe', 'browser hung']);
  });

  it('the browser answers but cannot close the context: the browser is hung too', async () => {
    const { hang, log } = actions({ browserAnswers: true, contextCloses: false });
    expect(await settleHang(hang, 50)).toBe('browser');
    expect(log).toEqual(['probe', 'page hung', 'close context', 'browser hung']);
  });
});

describe('browser liveness', () => {
  const logger = captureLogger().logger;

  it('pages that ask together share one probe; a silent browser fails it within the timeout', async () => {
    const version = vi.fn(() => new Promise<string>(() => {}));
    const liveness = new BrowserLiveness(
      { version, process: () => ({ pid: 1 }) },
      { logger, probeTimeoutMs: 30 },
    );
    const started = Date.now();
    expect(await Promise.all([liveness.probe(), liveness.probe()])).toEqual([false, false]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(version).toHaveBeenCalledTimes(1);
  });

  it('a browser that answers passes', async () => {
    const liveness = new BrowserLiveness(
      { version: async () => 'Chrome/156', process: () => ({ pid: 1 }) },
      { logger, probeTimeoutMs: 1_000 },
    );
    expect(await liveness.probe()).toBe(true);
    expect(liveness.hung).toBe(false);
  });

  it('declared hung once: every page told, then the whole process tree SIGKILLed', () => {
    const killed: number[] = [];
    const order: string[] = [];
    const liveness = new BrowserLiveness(
      { version: async () => 'x', process: () => ({ pid: 100 }) },
      {
        logger,
        tree: (root) => [root, 101, 102],
        kill: (pid) => {
          order.push(`kill ${pid}`);
          killed.push(pid);
          if (pid === 101) throw new Error('ESRCH');
        },
      },
    );
    liveness.onHung((why) => order.push(`page a: ${why}`));
    const offB = liveness.onHung(() => order.push('page b'));
    offB();
    liveness.declareHung('no answer');
    liveness.declareHung('again');
    expect(liveness.hung).toBe(true);
    expect(killed).toEqual([100, 101, 102]);
    expect(order[0]).toBe('page a: no answer');
    // A page that subscribes later hears at once.
    const late: string[] = [];
    liveness.onHung((why) => late.push(why));
    expect(late).toEqual(['no answer']);
  });
});
