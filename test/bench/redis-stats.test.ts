import { describe, expect, it } from 'vitest';
import { commandRates, parseCommandStats } from '../../bench/lib/redis-stats.js';

const INFO = [
  '# Commandstats',
  'cmdstat_get:calls=120,usec=300,usec_per_call=2.50,rejected_calls=0,failed_calls=0',
  'cmdstat_evalsha:calls=10,usec=900,usec_per_call=90.00,rejected_calls=0,failed_calls=0',
  'cmdstat_info:calls=4,usec=40,usec_per_call=10.00,rejected_calls=0,failed_calls=0',
  'cmdstat_client|setname:calls=2,usec=2,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
  '',
].join('\r\n');

describe('the fleet benchmark’s Redis command counts', () => {
  it('reads INFO commandstats, subcommands included', () => {
    expect(parseCommandStats(INFO)).toEqual({ get: 120, evalsha: 10, info: 4, 'client|setname': 2 });
  });

  it('rates over a window leave out its own INFO calls and commands that did not run', () => {
    const before = { get: 100, evalsha: 10, info: 2, set: 5 };
    const after = { get: 120, evalsha: 14, info: 4, set: 5, srem: 10 };
    expect(commandRates(before, after, 2)).toEqual({
      totalPerSec: 17,
      byCommand: [
        { command: 'get', perSec: 10 },
        { command: 'srem', perSec: 5 },
        { command: 'evalsha', perSec: 2 },
      ],
    });
  });
});
