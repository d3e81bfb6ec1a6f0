import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import type { MeetingView } from '../../zoom-sim/meetings/meeting.js';
import { chromiumSnapshot, lingeringChromium } from './chromium-orphans.js';
import type { useSim } from './sim-harness.js';

type SimApi = Pick<ReturnType<typeof useSim>, 'createMeeting' | 'meeting'>;

export interface ChaosChecks {
  /** Creates a sim meeting that is checked for doubled bots after the test. */
  createMeeting(sim: SimApi, settings?: Record<string, unknown>): Promise<MeetingView>;
  /** Checks a meeting after the test, read then through `read`. */
  watch(read: () => Promise<MeetingView>): void;
  /** Checks a meeting view taken now (its sim is about to go away). */
  keep(view: MeetingView): void;
}

/**
 * What every reliability scenario must leave true (issue 8): after each test, no Chromium process
 * orphaned (started during the test, still running, held by no process of the test) and no meeting
 * that ever held two copies of one bot; after the file, not even a crashpad handler left over.
 * Call it before `useWorkerRig`, so that its after-all check runs once the rig has shut down.
 */
export function useChaosChecks(): ChaosChecks {
  let beforeFile = new Set<string>();
  let beforeTest = new Set<string>();
  const reads: (() => Promise<MeetingView>)[] = [];

  beforeAll(() => {
    beforeFile = chromiumSnapshot();
  });
  beforeEach(() => {
    beforeTest = chromiumSnapshot();
    reads.length = 0;
  });
  afterEach(async () => {
    const views = await Promise.all(reads.splice(0).map((read) => read()));
    for (const view of views) {
      expect(overlappingBotCopies(view), `meeting ${view.number} held a bot twice`).toEqual([]);
    }
    expect(await lingeringChromium(beforeTest), 'orphaned Chromium processes').toEqual([]);
  }, 30_000);
  afterAll(async () => {
    expect(
      await lingeringChromium(beforeFile, { includeCrashpad: true, allowOwnTree: false }),
      'Chromium processes left after the file',
    ).toEqual([]);
  }, 30_000);

  const checks: ChaosChecks = {
    async createMeeting(sim, settings = {}) {
      const meeting = await sim.createMeeting(settings);
      checks.watch(() => sim.meeting(meeting.number));
      return meeting;
    },
    watch(read) {
      reads.push(read);
    },
    keep(view) {
      reads.push(async () => view);
    },
  };
  return checks;
}
