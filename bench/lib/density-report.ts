import { type BenchReport, missedTargetNotes, target } from './bench-result.js';
import { type DensityOptions, OMNIBOX_WEBUI_OFF } from './density-args.js';
import { describeLoad, type LoadSummary } from './load-sampler.js';
import { MB } from './pss.js';
import type { RealSdkDensityRun } from './real-sdk-density.js';
import type { SimWorkerDensityRun } from './sim-worker-density.js';
import { round } from './stats.js';

/** Every measurement of one density run, by layout. */
export interface DensityRuns {
  /** Real-SDK page, a browser context each, BOTS_PER_BROWSER per Chromium: the runner's layout. */
  real: RealSdkDensityRun[];
  /** The same page, a Chromium each. */
  browserEach: RealSdkDensityRun[];
  /** `real` and `browserEach` again with Chromium's omnibox popup WebUI disabled. */
  omniboxOff: RealSdkDensityRun[];
  omniboxOffBrowserEach: RealSdkDensityRun[];
  /** Sim page in a meeting, through a real worker process. */
  sim: SimWorkerDensityRun[];
}

/** The issue's baseline (Chromium 156, SDK initialised, join attempted), MB PSS per bot. */
const BASELINE = { contextEach: 121, sharedContext: 75, browserEach: 230 };

/** Chromium's own UI rendered as web pages: not a bot's page. */
const WEBUI = 'renderer:top-chrome-webui';

const mb = (bytes: number) => round(bytes / MB, 1) as number;
const perBot = (run: { chromium: { bytes: number }; bots: number }) =>
  round(run.chromium.bytes / MB / run.bots, 1) as number;
const at = <T extends { bots: number }>(list: T[], bots: number) => list.find((r) => r.bots === bots);
const perBotAt = (list: Array<RealSdkDensityRun | SimWorkerDensityRun>, bots: number) => {
  const run = at(list, bots);
  return run ? perBot(run) : null;
};

/** A context each over a Chromium each, at 10 bots if both ran there, else the largest common size. */
function ratio(contexts: RealSdkDensityRun[], browsers: RealSdkDensityRun[]) {
  const common = contexts.map((r) => r.bots).filter((n) => at(browsers, n));
  const bots = common.includes(10) ? 10 : common.at(-1);
  if (bots === undefined) return { bots, ratio: null };
  const a = at(contexts, bots) as RealSdkDensityRun;
  const b = at(browsers, bots) as RealSdkDensityRun;
  return { bots, ratio: round(a.chromium.bytes / b.chromium.bytes, 2) };
}

export function densityReport(
  options: DensityOptions,
  runs: DensityRuns,
  problems: string[],
  load: LoadSummary,
): BenchReport {
  const vsBrowsers = ratio(runs.real, runs.browserEach);
  const offVsBrowsers = ratio(runs.omniboxOff, runs.omniboxOffBrowserEach);
  const checked = [...runs.real, ...runs.omniboxOff];
  const isolationViolations =
    checked.length === 0
      ? null
      : checked.reduce(
          (sum, r) => sum + r.isolation.leakedTo + (r.isolation.pages - r.isolation.contexts),
          0,
        );
  const workerMb = (bots: number) => {
    const run = at(runs.sim, bots);
    return run ? mb(run.workerBytes) : null;
  };
  const summary: Record<string, number | null> = {
    mbPerBot10: perBotAt(runs.real, 10),
    ratioVsBrowserPerBot: vsBrowsers.ratio,
    mbPerBot1: perBotAt(runs.real, 1),
    mbPerBot25: perBotAt(runs.real, 25),
    browserPerBotMbPerBot1: perBotAt(runs.browserEach, 1),
    browserPerBotMbPerBot10: perBotAt(runs.browserEach, 10),
    browserPerBotMbPerBot25: perBotAt(runs.browserEach, 25),
    topChromeWebUiMb10: at(runs.real, 10) ? mb(at(runs.real, 10)?.chromium.byType[WEBUI]?.bytes ?? 0) : null,
    omniboxOffMbPerBot10: perBotAt(runs.omniboxOff, 10),
    omniboxOffRatioVsBrowserPerBot: offVsBrowsers.ratio,
    simMbPerBot1: perBotAt(runs.sim, 1),
    simMbPerBot10: perBotAt(runs.sim, 10),
    simMbPerBot25: perBotAt(runs.sim, 25),
    workerIdleMb: runs.sim[0] ? mb(runs.sim[0].idleWorkerBytes) : null,
    workerMb1: workerMb(1),
    workerMb10: workerMb(10),
    workerMb25: workerMb(25),
    isolationViolations,
  };
  const ratioAt =
    vsBrowsers.bots !== undefined && vsBrowsers.bots !== 10 ? ` (at ${vsBrowsers.bots} bots)` : '';
  const targets = {
    mbPerBot10: target(
      'real-SDK page, 10 bots, Chromium tree PSS / 10',
      summary.mbPerBot10 ?? null,
      '<=',
      100,
      'MB',
    ),
    ratioVsBrowserPerBot: target(
      `PSS per bot, a context each / a Chromium each${ratioAt}`,
      vsBrowsers.ratio,
      '<=',
      0.5,
      'ratio',
    ),
    isolationViolations: target(
      "real-SDK bots sharing a context or reading another bot's storage",
      isolationViolations,
      '==',
      0,
      'bots',
    ),
  };
  return {
    summary,
    targets,
    notes: [...missedTargetNotes(targets), ...problems, ...explanations(runs, summary), describeLoad(load)],
    table: densityTable(options, runs),
    details: {
      load,
      unit: 'MB = 2^20 bytes of PSS (/proc/<pid>/smaps_rollup), median of the samples',
      options,
      baselinePerBotMb: BASELINE,
      omniboxOffFlags: OMNIBOX_WEBUI_OFF,
      real: runs.real.map(describeRun),
      browserPerBot: runs.browserEach.map(describeRun),
      omniboxOff: runs.omniboxOff.map(describeRun),
      omniboxOffBrowserPerBot: runs.omniboxOffBrowserEach.map(describeRun),
      sim: runs.sim.map((s) => ({
        ...describeRun(s),
        workerMb: mb(s.workerBytes),
        idleWorkerMb: mb(s.idleWorkerBytes),
        allInMs: s.allInMs,
      })),
    },
  };
}

function densityTable(options: DensityOptions, runs: DensityRuns) {
  const table: Array<Record<string, string | number | null>> = [];
  const row = (page: string, layout: string, run: RealSdkDensityRun | SimWorkerDensityRun, extra: object) =>
    table.push({
      page,
      layout,
      bots: run.bots,
      processes: run.chromium.processes,
      'chromium MB': mb(run.chromium.bytes),
      'MB/bot': perBot(run),
      'page renderers MB': mb(run.chromium.byType.renderer?.bytes ?? 0),
      'UI renderers MB': mb(run.chromium.byType[WEBUI]?.bytes ?? 0),
      ...extra,
    });
  const realRow = (layout: string, run: RealSdkDensityRun | undefined) => {
    if (run) row('real SDK', layout, run, { 'worker MB': null, 'ready s': round(run.openMs / 1000, 1) });
  };
  for (const bots of options.sizes) {
    const r = at(runs.real, bots);
    realRow(`context each (${r?.browsers} Chromium)`, r);
    const e = at(runs.browserEach, bots);
    realRow(`Chromium each (${e?.browsers})`, e);
    const o = at(runs.omniboxOff, bots);
    realRow(`context each, omnibox off (${o?.browsers})`, o);
    const oe = at(runs.omniboxOffBrowserEach, bots);
    realRow(`Chromium each, omnibox off (${oe?.browsers})`, oe);
    const s = at(runs.sim, bots);
    if (s) {
      row('sim', `worker, ${s.botsPerBrowser}/Chromium + 1 warm`, s, {
        'worker MB': mb(s.workerBytes),
        'ready s': round(s.allInMs / 1000, 1),
      });
    }
  }
  return table;
}

function describeRun(run: RealSdkDensityRun | SimWorkerDensityRun) {
  return {
    bots: run.bots,
    botsPerBrowser: run.botsPerBrowser,
    ...('browsers' in run ? { browsers: run.browsers, openMs: run.openMs, isolation: run.isolation } : {}),
    ...('refusal' in run && run.refusal ? { refusal: run.refusal } : {}),
    chromiumMb: mb(run.chromium.bytes),
    mbPerBot: perBot(run),
    processes: run.chromium.processes,
    samplesMb: run.chromium.sampleBytes.map(mb),
    byTypeMb: Object.fromEntries(
      Object.entries(run.chromium.byType).map(([type, v]) => [
        type,
        { mb: mb(v.bytes), processes: v.processes },
      ]),
    ),
    leftoverProcesses: run.leftoverProcesses,
  };
}

/** What a reader needs beyond the numbers: what was measured, and why a target was missed. */
function explanations(runs: DensityRuns, summary: Record<string, number | null>): string[] {
  const notes: string[] = [];
  const perBot10 = summary.mbPerBot10 ?? null;
  const off10 = summary.omniboxOffMbPerBot10 ?? null;
  const realRatio = summary.ratioVsBrowserPerBot ?? null;
  if ((perBot10 !== null && perBot10 > 100) || (realRatio !== null && realRatio > 0.5)) {
    const ten = at(runs.real, 10);
    const ui = ten?.chromium.byType[WEBUI];
    notes.push(
      `Why: Chromium 156's new headless mode gives every window, so every bot's browser context, preloaded omnibox popup WebUIs (chrome://omnibox-popup.top-chrome/) in a renderer of that context's own${ui ? `: at 10 bots ${ui.processes} such renderers hold ${mb(ui.bytes)} MB of the tree` : ''}.` +
        (off10 !== null
          ? ` With ${OMNIBOX_WEBUI_OFF} added to Chromium's flags (CHROMIUM_ARGS, or the launcher's base flags) the same 10 bots take ${off10} MB per bot, ratio ${summary.omniboxOffRatioVsBrowserPerBot ?? '–'} against a Chromium each with the same flags.`
          : ''),
    );
  }
  notes.push(
    'Real-SDK pages go through the runner\'s BrowserPool (a browser context per bot, no warm spare page) and join up to Zoom\'s wc/info, answered with the contract test\'s refusal (3001 "Meeting does not exist."); "Chromium each" is the same page with BOTS_PER_BROWSER=1. isolationViolations counts pages sharing a context plus bots that read a localStorage marker written by the first bot.',
    'The sim rows come from a real worker process (zoom-bot-runner worker) with its bots in_meeting in one sim meeting; its Chromium tree includes the one warm page a worker keeps ready. Worker MB is that Node process alone (BullMQ, supervisors, Puppeteer, its page server).',
    "Chromium's crashpad handlers detach to PID 1 at launch and are not in the tree; they hold a few MB per Chromium, outside any bot's pages.",
    `Baseline before our code (issue 8): ${BASELINE.contextEach} MB per bot as a context each, ${BASELINE.sharedContext} MB as pages sharing one context (which would let bots read each other's storage), about ${BASELINE.browserEach} MB as a browser each.`,
  );
  const all = [
    ...runs.real,
    ...runs.browserEach,
    ...runs.omniboxOff,
    ...runs.omniboxOffBrowserEach,
    ...runs.sim,
  ];
  const leftovers = all.reduce((n, r) => n + r.leftoverProcesses, 0);
  if (leftovers > 0)
    notes.push(`${leftovers} Chromium process(es) outlived their pool or worker and were killed.`);
  return notes;
}
