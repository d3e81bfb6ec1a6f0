import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../runner/config/config-error.js';
import { loadConfig } from '../../runner/config/load-config.js';

describe('deployment limits and webhook lanes in the configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config.MAX_JOIN_AHEAD_SEC).toBe(30 * 24 * 3600);
    expect(config.MAX_BOT_DURATION_SEC).toBe(86_400);
    expect(config.WEBHOOK_ORIGIN_CONCURRENCY).toBe(8);
    expect(config.WEBHOOK_ORIGIN_BACKLOG).toBe(10_000);
  });

  it('parses set values, fractional seconds included', () => {
    const config = loadConfig({
      MAX_JOIN_AHEAD_SEC: '3600',
      MAX_BOT_DURATION_SEC: '7200.5',
      WEBHOOK_ORIGIN_CONCURRENCY: '2',
      WEBHOOK_ORIGIN_BACKLOG: '500',
    });
    expect(config).toMatchObject({
      MAX_JOIN_AHEAD_SEC: 3600,
      MAX_BOT_DURATION_SEC: 7200.5,
      WEBHOOK_ORIGIN_CONCURRENCY: 2,
      WEBHOOK_ORIGIN_BACKLOG: 500,
    });
  });

  it.each([
    ['MAX_JOIN_AHEAD_SEC', 'a month'],
    ['MAX_JOIN_AHEAD_SEC', '0'],
    ['MAX_BOT_DURATION_SEC', '-1'],
    ['MAX_BOT_DURATION_SEC', 'NaN'],
    ['WEBHOOK_ORIGIN_CONCURRENCY', '0'],
    ['WEBHOOK_ORIGIN_CONCURRENCY', '1.5'],
    ['WEBHOOK_ORIGIN_BACKLOG', 'lots'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
