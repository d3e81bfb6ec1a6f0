import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { queueKeys } from './queue-names.js';

/** Each worker's lease connection carries this name, so Redis's client list says which workers are connected. */
export function leaseConnectionName(workerId: string): string {
  return `${LEASE_CONNECTION_PREFIX}${workerId}`;
}

const LEASE_CONNECTION_PREFIX = 'zbr-lease:';

/**
 * KEYS: 1 worker leases. ARGV: pairs of worker id and the expiry read with the client list. Marks each
 * lease lapsed (expiry 0) only while it still has that expiry: a worker that reconnected and renewed
 * in between keeps its bots.
 */
const MARK_GONE_SCRIPT = `
local marked = {}
for i = 1, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('ZADD', KEYS[1], 0, ARGV[i])
    table.insert(marked, ARGV[i])
  end
end
return marked`;

export interface GoneWorkerWatchOptions {
  /** A lease whose connection has been gone this long is marked lapsed. */
  goneAfterMs: number;
  /**
   * The watcher's own connection must be this old before it acts: after an outage everyone
   * reconnects, and a worker not yet back may still be in its meetings until its own watchdog
   * (LOCK_SILENCE_LEAVE_MS) takes it out.
   */
  settleMs: number;
  logger: Logger;
}

/**
 * docs/contract.md §12, as built: a killed worker's connections close at once (the kernel closes its
 * sockets), while a frozen or cut-off worker's stay open (Redis sees no FIN). So a worker with a lease
 * but no lease connection for `goneAfterMs` is dead, and its lease is marked lapsed for the reaper
 * without waiting the lease's 10 s. One process at a time runs it (its caller holds a lease); when
 * seen is kept in Redis, by Redis's clock, so a watcher taking over (the last one may be the worker that
 * died) knows how long each connection has been gone.
 */
export class GoneWorkerWatch {
  private disabled = false;
  private namesMissing = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** The watching worker's own id: its lease connection must show in the list, or names do not. */
    private readonly selfId: string,
    private readonly options: GoneWorkerWatchOptions,
  ) {}

  /** One look at the client list; returns the workers whose lease it marked lapsed. Never throws. */
  async check(): Promise<string[]> {
    if (this.disabled) return [];
    const leasesKey = queueKeys(this.prefix).workerLeases;
    const seenKey = queueKeys(this.prefix).workersSeen;
    let time: [string, string];
    let info: string;
    let list: string;
    let leases: string[];
    let seen: Record<string, string>;
    try {
      const results = await this.redis
        .pipeline()
        .time()
        .call('CLIENT', 'INFO')
        .call('CLIENT', 'LIST', 'TYPE', 'normal')
        .zrange(leasesKey, 0, -1, 'WITHSCORES')
        .hgetall(seenKey)
        .exec();
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (!results || failed) throw failed ?? new Error('no reply');
      [time, info, list, leases, seen] = results.map(([, value]) => value) as [
        [string, string],
        string,
        string,
        string[],
        Record<string, string>,
      ];
    } catch (error) {
      if ((error as Error).message.includes('NOPERM')) {
        // Without CLIENT LIST the lease's own expiry still frees a dead worker's bots, only later.
        this.disabled = true;
        this.options.logger.warn(
          { err: (error as Error).message },
          'CLIENT LIST not permitted: dead workers are found by their lease expiring (10 s) only',
        );
      }
      return [];
    }
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const connected = new Set<string>();
    for (const match of list.matchAll(/ name=(\S*)/g)) {
      const name = match[1] ?? '';
      if (name.startsWith(LEASE_CONNECTION_PREFIX)) connected.add(name.slice(LEASE_CONNECTION_PREFIX.length));
    }
    const expiries = new Map<string, string>();
    for (let i = 0; i + 1 < leases.length; i += 2) expiries.set(leases[i] as string, leases[i + 1] as string);

    // Connection names that do not show (an ACL refused CLIENT SETNAME, a proxy in between): nothing
    // here can be told, and every worker would look dead. The leases' expiry alone counts.
    if (!connected.has(this.selfId)) {
      if (!this.namesMissing)
        this.options.logger.warn(
          'this worker’s lease connection is not in CLIENT LIST by name: dead workers are found by their lease expiring (10 s) only',
        );
      this.namesMissing = true;
      return [];
    }
    this.namesMissing = false;
    // Only a worker seen connected can be missed: one never seen is left to its lease's expiry.
    const seenNow = [...expiries.keys()].filter((id) => connected.has(id));
    const forgotten = Object.keys(seen).filter((id) => !expiries.has(id));
    const ageMs = Number(/(?:^| )age=(\d+)/.exec(info)?.[1] ?? 0) * 1000;
    const gone =
      ageMs < this.options.settleMs
        ? []
        : [...expiries.keys()].filter(
            (id) =>
              !connected.has(id) &&
              seen[id] !== undefined &&
              now - Number(seen[id]) >= this.options.goneAfterMs,
          );
    try {
      const writes = this.redis.pipeline();
      if (seenNow.length > 0)
        writes.hset(seenKey, Object.fromEntries(seenNow.map((id) => [id, String(now)])));
      if (forgotten.length > 0) writes.hdel(seenKey, ...forgotten);
      if (gone.length > 0)
        writes.eval(
          MARK_GONE_SCRIPT,
          1,
          leasesKey,
          ...gone.flatMap((id) => [id, expiries.get(id) as string]),
        );
      if (writes.length === 0) return [];
      const results = await writes.exec();
      const marked = results?.at(-1);
      // Only what the compare-and-set marked (a worker that renewed meanwhile was not).
      if (gone.length === 0 || !marked || marked[0] !== null) return [];
      return (marked[1] as string[]) ?? [];
    } catch {
      return [];
    }
  }
}
