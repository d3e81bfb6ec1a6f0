import { type BenchReport, describeMachine, writeResult } from './lib/bench-result.js';

/**
 * `npm run bench -- <name> [options]`: runs one benchmark, prints its table and writes
 * bench/results/<name>.json (docs/contract.md §9). Benchmarks report; they never fail on a missed target.
 */
type Bench = (args: string[]) => Promise<BenchReport>;

const BENCHES: Record<string, { summary: string; load: () => Promise<Bench> }> = {
  density: {
    summary: 'PSS per bot: real-SDK and sim pages at 1/10/25 bots, against one browser per bot',
    load: async () => (await import('./density.bench.js')).runDensityBench,
  },
  join: {
    summary: 'enqueue → in_meeting at 1/10/25 concurrent joins, warm and cold',
    load: async () => (await import('./join.bench.js')).runJoinBench,
  },
  rejoin: {
    summary: 'sim /drop → in_meeting on a new token, 50 drops across 20 bots',
    load: async () => (await import('./rejoin.bench.js')).runRejoinBench,
  },
  recovery: {
    summary:
      "kill -9 a worker holding 10 bots, stop one bot's renderer, cut a worker off Redis: time until all are back",
    load: async () => (await import('./recovery.bench.js')).runRecoveryBench,
  },
  fleet: {
    summary:
      'the control plane at 250/1000/2000 bots without a browser (sim-client workers): Redis cost, API latency, recovery',
    load: async () => (await import('./fleet.bench.js')).runFleetBench,
  },
  events: {
    summary:
      'meeting events: 10 bots in one meeting, 50 chat messages/s for 30 s, sim send → SSE client latency',
    load: async () => (await import('./events.bench.js')).runEventsBench,
  },
  'zoom-api': {
    summary: "500 join attempts' credentials from several processes against the sim's Pro limits",
    load: async () => (await import('./zoom-api.bench.js')).runZoomApiBench,
  },
};

function usage(): string {
  const lines = Object.entries(BENCHES).map(([name, b]) => `  ${name.padEnd(10)} ${b.summary}`);
  return ['Usage: npm run bench -- <name> [options]', '', 'Benchmarks:', ...lines, ''].join('\n');
}

function printTable(rows: Array<Record<string, string | number | null>>): void {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | null | undefined) =>
    value === null || value === undefined ? '–' : String(value);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((row) => cell(row[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const bench = name === undefined ? undefined : BENCHES[name];
  if (name === undefined || name === '--help' || name === '-h' || !bench) {
    const out = name === undefined || name === '--help' || name === '-h' ? process.stdout : process.stderr;
    if (name !== undefined && !bench && name !== '--help' && name !== '-h')
      out.write(`Unknown benchmark '${name}'.\n\n`);
    out.write(usage());
    return name === '--help' || name === '-h' ? 0 : 2;
  }
  const machine = describeMachine();
  process.stdout.write(
    `bench ${name}: ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.chromium}, node ${machine.node}\n`,
  );
  const run = await bench.load();
  const report = await run(rest);
  const result = writeResult(name, report, machine);
  process.stdout.write('\n');
  printTable(report.table ?? []);
  process.stdout.write(`\nsummary: ${JSON.stringify(result.summary)}\n`);
  for (const [key, t] of Object.entries(result.targets)) {
    process.stdout.write(
      `target ${key}: ${t.actual ?? '–'} ${t.unit} ${t.comparison} ${t.limit} ${t.unit}: ${t.met ? 'met' : 'MISSED'}\n`,
    );
  }
  for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
  process.stdout.write(`\nwrote bench/results/${name}.json\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
