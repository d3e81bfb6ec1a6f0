import type { Redis } from 'ioredis';

/** Calls per command name, from `INFO commandstats` (`cmdstat_get:calls=12,...` → `{get: 12}`). */
export type CommandCalls = Record<string, number>;

/** Commands the benchmark itself sends while it measures: left out of the fleet's count. */
const OWN_COMMANDS = new Set(['info']);

export function parseCommandStats(info: string): CommandCalls {
  const calls: CommandCalls = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls[match[1] ?? ''] = Number(match[2]);
  }
  return calls;
}

export async function commandCalls(redis: Redis): Promise<CommandCalls> {
  return parseCommandStats(await redis.info('commandstats'));
}

/** `used_memory` in bytes (`INFO memory`). */
export async function usedMemoryBytes(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

export interface CommandRates {
  /** Every command the fleet sent in the window, per second (commands run inside Lua scripts count too). */
  totalPerSec: number;
  /** Per command, per second, largest first. */
  byCommand: Array<{ command: string; perSec: number }>;
}

/**
 * What happened between two snapshots, per second. Redis counts a command a script runs under its
 * own name as well as the `evalsha` that ran the script, so a script's round trip shows as both.
 */
export function commandRates(before: CommandCalls, after: CommandCalls, seconds: number): CommandRates {
  const byCommand = Object.entries(after)
    .filter(([command]) => !OWN_COMMANDS.has(command))
    .map(([command, calls]) => ({ command, perSec: (calls - (before[command] ?? 0)) / seconds }))
    .filter((c) => c.perSec > 0)
    .sort((a, b) => b.perSec - a.perSec);
  return { totalPerSec: byCommand.reduce((sum, c) => sum + c.perSec, 0), byCommand };
}
