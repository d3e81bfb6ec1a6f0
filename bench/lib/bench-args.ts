import { parseArgs } from 'node:util';

/** A benchmark option whose value is not what it takes (a positive whole number, one of a few names...). */
export class BenchArgError extends Error {
  readonly code = 'invalid_bench_arg';
  constructor(
    readonly option: string,
    readonly value: string,
    expected = 'a positive whole number (lists are comma-separated)',
  ) {
    super(`--${option}: '${value}' is not ${expected}`);
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

/** A comma-separated list of names from `allowed` (at least one), returned in `allowed`'s order. */
export function choices<C extends string>(option: string, value: string, allowed: readonly C[]): C[] {
  const picked = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const expected = `one or more of ${allowed.join(', ')} (comma-separated)`;
  if (picked.length === 0) throw new BenchArgError(option, value, expected);
  for (const part of picked) {
    if (!allowed.includes(part as C)) throw new BenchArgError(option, value, expected);
  }
  return allowed.filter((name) => picked.includes(name));
}
