import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** docs/contract.md §9: `{name, machine: {cores, memoryGb, chromium, node}, at, summary, targets, notes}`. */
export interface BenchMachine {
  cores: number;
  memoryGb: number;
  chromium: string;
  node: string;
  cpuModel: string;
  platform: string;
  /** 1-minute load average when the run began: a busy machine explains slow numbers. */
  loadAverage1m: number;
}

/** One target from the issue, and whether this run met it. */
export interface BenchTarget {
  /** The summary key (or a description of the measure) the target applies to. */
  measure: string;
  comparison: '<=' | '>=' | '==';
  limit: number;
  unit: string;
  actual: number | null;
  met: boolean;
}

export interface BenchReport {
  /** The contract's summary keys for this benchmark, plus any others worth comparing. */
  summary: Record<string, number | null>;
  targets: Record<string, BenchTarget>;
  /** Anything a reader needs: each missed target says by how much and why. */
  notes: string[];
  /** The full measurements behind the summary (per size, per mode). */
  details?: unknown;
  /** Rows printed as a table. */
  table?: Array<Record<string, string | number | null>>;
}

export interface BenchResult extends BenchReport {
  name: string;
  machine: BenchMachine;
  at: string;
}

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

function chromiumVersion(): string {
  const binary = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return `unknown (${binary} did not answer --version)`;
  }
}

export function describeMachine(): BenchMachine {
  return {
    cores: os.cpus().length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    chromium: chromiumVersion(),
    node: process.version,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** A target check: `actual` null (not measured) never meets it. */
export function target(
  measure: string,
  actual: number | null,
  comparison: BenchTarget['comparison'],
  limit: number,
  unit: string,
): BenchTarget {
  const met =
    actual !== null &&
    (comparison === '<=' ? actual <= limit : comparison === '>=' ? actual >= limit : actual === limit);
  return { measure, comparison, limit, unit, actual, met };
}

/** A note for each missed target, saying by how much; callers add the why. */
export function missedTargetNotes(targets: Record<string, BenchTarget>): string[] {
  const notes: string[] = [];
  for (const [key, t] of Object.entries(targets)) {
    if (t.met) continue;
    if (t.actual === null) {
      notes.push(`${key}: not measured (target ${t.comparison} ${t.limit} ${t.unit}).`);
      continue;
    }
    const by = t.actual - t.limit;
    const ratio = t.limit !== 0 ? ` (${((t.actual / t.limit) * 100).toFixed(0)}% of the target)` : '';
    notes.push(
      `${key}: missed, ${t.actual} ${t.unit} against ${t.comparison} ${t.limit} ${t.unit}, off by ${Math.abs(Math.round(by * 100) / 100)} ${t.unit}${ratio}.`,
    );
  }
  return notes;
}

export function writeResult(name: string, report: BenchReport, machine: BenchMachine): BenchResult {
  const result: BenchResult = { name, machine, at: new Date().toISOString(), ...report };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
