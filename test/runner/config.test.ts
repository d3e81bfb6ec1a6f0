import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../runner/config/config-error.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { requireConfiguredMode, resolveMode } from '../../runner/config/mode.js';

const zoomCredentials = {
  ZOOM_ACCOUNT_ID: 'acct',
  ZOOM_CLIENT_ID: 'cid',
  ZOOM_CLIENT_SECRET: 'csecret',
  ZOOM_SDK_KEY: 'sdkkey',
  ZOOM_SDK_SECRET: 'sdksecret',
};
const encryptionKey = { JOB_ENCRYPTION_KEY: 'k'.repeat(32) };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration (docs/contract.md §2)', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = loadConfig({});
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.QUEUE_PREFIX).toBe('zbr');
    expect(config.ZOOM_PLAN).toBe('pro');
    expect(config.API_PORT).toBe(8080);
    expect(config.DASHBOARD_READONLY).toBe(true);
    expect(config.SHUTDOWN_MODE).toBe('handoff');
    expect(config.CHROMIUM_ARGS).toEqual([]);
    expect(config.WORKER_WARM_PAGES).toBe(1);
    // No cap on the adaptive warm pool beyond free slots and memory.
    expect(config.WORKER_WARM_PAGES_MAX).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses typed values, fractional seconds and shell-split flags', () => {
    const config = loadConfig({
      API_PORT: '9000',
      SHUTDOWN_GRACE_SEC: '2.5',
      DASHBOARD_READONLY: 'false',
      API_KEYS: `${'a'.repeat(24)}, ${'b'.repeat(30)},,${'c'.repeat(24)}`,
      CHROMIUM_ARGS: `--lang=de "--user-agent=Zoom Bot 1.0" '--window-size=800,600'`,
      OUTBOUND_URL_ALLOWLIST: 'https://hooks.example.com, http://127.0.0.1:9000',
    });
    expect(config.API_PORT).toBe(9000);
    expect(config.SHUTDOWN_GRACE_SEC).toBe(2.5);
    expect(config.DASHBOARD_READONLY).toBe(false);
    expect(config.API_KEYS).toEqual(
      ['a'.repeat(24), 'b'.repeat(30), 'c'.repeat(24)].map((key) => ({ tenant: 'default', key })),
    );
    expect(config.CHROMIUM_ARGS).toEqual(['--lang=de', '--user-agent=Zoom Bot 1.0', '--window-size=800,600']);
    expect(config.OUTBOUND_URL_ALLOWLIST).toEqual(['https://hooks.example.com', 'http://127.0.0.1:9000']);
  });

  it('fails fast naming the variable, never showing a secret value', () => {
    const cases: [Record<string, string>, string][] = [
      [{ API_PORT: 'eighty' }, 'API_PORT'],
      [{ API_PORT: '70000' }, 'API_PORT'],
      [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY'],
      [{ ZOOM_PLAN: 'gold' }, 'ZOOM_PLAN'],
      [{ REDIS_URL: 'http://redis' }, 'REDIS_URL'],
      [{ SHUTDOWN_MODE: 'panic' }, 'SHUTDOWN_MODE'],
      [{ RECONNECT_GRACE_MS: 'NaN' }, 'RECONNECT_GRACE_MS'],
      [{ DASHBOARD_READONLY: 'maybe' }, 'DASHBOARD_READONLY'],
      [{ CHROMIUM_ARGS: '--a && rm -rf /' }, 'CHROMIUM_ARGS'],
      [{ OUTBOUND_URL_ALLOWLIST: 'https://x.example.com/path' }, 'OUTBOUND_URL_ALLOWLIST'],
      [{ QUEUE_PREFIX: 'has space' }, 'QUEUE_PREFIX'],
      [{ WORKER_WARM_PAGES: '-1' }, 'WORKER_WARM_PAGES'],
      [{ WORKER_WARM_PAGES_MAX: '2.5' }, 'WORKER_WARM_PAGES_MAX'],
    ];
    for (const [env, variable] of cases) {
      const error = configError(() => loadConfig(env));
      expect(error.variable).toBe(variable);
      expect(error.message.startsWith(variable)).toBe(true);
    }
    const secret = configError(() => loadConfig({ JOB_ENCRYPTION_KEY: 'short-secret-value' }));
    expect(secret.variable).toBe('JOB_ENCRYPTION_KEY');
    expect(secret.message).not.toContain('short-secret-value');
  });

  it('refuses secrets shorter than their minimum, naming the variable and never the value', () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ API_KEYS: 'k'.repeat(23) }, 'API_KEYS', 'k'.repeat(23)],
      // One short key among long ones: its position is named, not its value.
      [{ API_KEYS: `${'k'.repeat(40)},short-api-key-value-1` }, 'API_KEYS', 'short-api-key-value-1'],
      [{ DASHBOARD_PASSWORD: 'pw-11-chars' }, 'DASHBOARD_PASSWORD', 'pw-11-chars'],
      [{ WEBHOOK_SECRET: 'hook-secret-15c' }, 'WEBHOOK_SECRET', 'hook-secret-15c'],
      [{ TOKEN_CALLBACK_SECRET: 'callback-sec-15' }, 'TOKEN_CALLBACK_SECRET', 'callback-sec-15'],
    ];
    for (const [env, variable, value] of cases) {
      const error = configError(() => loadConfig(env));
      expect(error.variable).toBe(variable);
      expect(error.message.startsWith(variable)).toBe(true);
      expect(error.message).toMatch(/at least \d+ characters/);
      expect(error.message).not.toContain(value);
    }
    expect(
      configError(() => loadConfig({ API_KEYS: `${'k'.repeat(40)},${'s'.repeat(10)}` })).message,
    ).toContain('key 2');
  });

  it('reads tenant:key API keys, tenant allowlists and limits (docs/contract.md §10)', () => {
    const config = loadConfig({
      API_KEYS: `acme:${'a'.repeat(24)},${'b'.repeat(24)},not a tenant:${'c'.repeat(24)}`,
      TENANT_ZOOM_USERS: 'acme:*@Acme.com, acme:U123,beta:*',
      TENANT_MAX_LIVE_BOTS: '3',
    });
    expect(config.API_KEYS).toEqual([
      { tenant: 'acme', key: 'a'.repeat(24) },
      { tenant: 'default', key: 'b'.repeat(24) },
      // Not a tenant name before the colon: the whole entry is a bare key.
      { tenant: 'default', key: `not a tenant:${'c'.repeat(24)}` },
    ]);
    expect(config.TENANT_ZOOM_USERS).toEqual({ acme: ['*@Acme.com', 'U123'], beta: ['*'] });
    expect([config.TENANT_MAX_LIVE_BOTS, config.TENANT_RATE_PER_SEC]).toEqual([3, 10]);
    // The key after the tenant is what must be 24 characters long.
    expect(configError(() => loadConfig({ API_KEYS: `acme:${'a'.repeat(23)}` })).variable).toBe('API_KEYS');
    for (const bad of ['acme', 'Acme:*', 'acme:*@', 'acme:a b@x.com', 'acme:*x@y.com']) {
      expect(configError(() => loadConfig({ TENANT_ZOOM_USERS: bad })).variable, bad).toBe(
        'TENANT_ZOOM_USERS',
      );
    }
  });

  it('accepts secrets of exactly their minimum length', () => {
    const config = loadConfig({
      API_KEYS: `${'k'.repeat(24)},${'l'.repeat(24)}`,
      DASHBOARD_PASSWORD: 'p'.repeat(12),
      WEBHOOK_SECRET: 'w'.repeat(16),
      TOKEN_CALLBACK_SECRET: 't'.repeat(16),
    });
    expect(config.API_KEYS).toEqual([
      { tenant: 'default', key: 'k'.repeat(24) },
      { tenant: 'default', key: 'l'.repeat(24) },
    ]);
    expect(config.DASHBOARD_PASSWORD).toBe('p'.repeat(12));
    expect(config.WEBHOOK_SECRET).toBe('w'.repeat(16));
    expect(config.TOKEN_CALLBACK_SECRET).toBe('t'.repeat(16));
    // Trimmed before counting, like every value.
    expect(configError(() => loadConfig({ WEBHOOK_SECRET: ` ${'w'.repeat(15)} ` })).variable).toBe(
      'WEBHOOK_SECRET',
    );
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ API_PORT: '', ZOOM_SIM_URL: '  ' }).API_PORT).toBe(8080);
  });
});

describe('modes (docs/contract.md §1)', () => {
  it('is sim mode when ZOOM_SIM_URL is set, whatever else is', () => {
    expect(resolveMode(loadConfig({ ZOOM_SIM_URL: 'http://127.0.0.1:9090', ZOOM_CLIENT_ID: 'x' }))).toEqual({
      kind: 'sim',
      simUrl: 'http://127.0.0.1:9090',
    });
  });

  it('is Zoom mode with all five credentials and an encryption key', () => {
    expect(resolveMode(loadConfig({ ...zoomCredentials, ...encryptionKey }))).toEqual({ kind: 'zoom' });
  });

  it('requires JOB_ENCRYPTION_KEY in Zoom mode', () => {
    expect(configError(() => resolveMode(loadConfig(zoomCredentials))).variable).toBe('JOB_ENCRYPTION_KEY');
  });

  it('refuses a partial set of credentials, naming what is missing', () => {
    const { ZOOM_SDK_SECRET: _s, ZOOM_CLIENT_ID: _c, ...partial } = zoomCredentials;
    const error = configError(() => resolveMode(loadConfig(partial)));
    const missingPart = error.message.split(' missing')[0];
    expect(missingPart).toContain('ZOOM_CLIENT_ID');
    expect(missingPart).toContain('ZOOM_SDK_SECRET');
    expect(missingPart).not.toContain('ZOOM_ACCOUNT_ID');
    expect(error.variable).toBe('ZOOM_CLIENT_ID');
  });

  it('is the embedded default with nothing set, which api and worker refuse', () => {
    const config = loadConfig({});
    expect(resolveMode(config)).toEqual({ kind: 'embedded' });
    expect(configError(() => requireConfiguredMode(config, 'worker')).message).toContain(
      "'worker' needs a Zoom mode",
    );
  });
});
