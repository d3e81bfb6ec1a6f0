import { parseArgs } from 'node:util';

/** A benchmark option that is not a positive whole number (or a list of them). */
export class BenchArgError extends Error {
  readonly code = 'invalid_bench_arg';
  constructor(
    readonly option: string,
    readonly value: string,
  ) {
    super(`--${option}: '${value}' is not a positive whole number (lists are comma-separated)`);
    this.name = 'BenchArgError';
  }
}

/**
 * A benchmark's options (`--name value`), all strings, defaults filled in. Unknown options are refused,
 * so a typo in a quick run does not silently run the full benchmark.
 */
export function benchOptions<K extends string>(
  args: string[],
  defaults: Record<K, string>,
): Record<K, string> {
  const options = Object.fromEntries(
    Object.keys(defaults).map((name) => [name, { type: 'string' as const }]),
  ) as Record<K, { type: 'string' }>;
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  const merged = { ...defaults };
  for (const name of Object.keys(defaults) as K[]) {
    const given = (values as Record<string, string | undefined>)[name];
    if (given !== undefined) merged[name] = given;
  }
  return merged;
}

export function positiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new BenchArgError(option, value);
  return n;
}

export function positiveInts(option: string, value: string): number[] {
  return value.split(',').map((part) => positiveInt(option, part.trim()));
}
