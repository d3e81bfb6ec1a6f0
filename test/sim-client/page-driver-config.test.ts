import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../runner/config/config-error.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { resolveMode } from '../../runner/config/mode.js';

/** WORKER_PAGE_DRIVER=sim-client is for sim mode only (docs/contract.md §13): Zoom mode refuses it. */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const ZOOM_MODE = {
  ZOOM_ACCOUNT_ID: 'account',
  ZOOM_CLIENT_ID: 'client',
  ZOOM_CLIENT_SECRET: 'client-secret-value',
  ZOOM_SDK_KEY: 'sdk-key',
  ZOOM_SDK_SECRET: 'sdk-secret-value',
  JOB_ENCRYPTION_KEY: 'a-job-encryption-key-of-32-characters',
};

describe('WORKER_PAGE_DRIVER', () => {
  it('defaults to chromium, takes sim-client in sim mode and in the embedded default, and nothing else', () => {
    expect(loadConfig({}).WORKER_PAGE_DRIVER).toBe('chromium');
    const sim = loadConfig({ ZOOM_SIM_URL: 'http://127.0.0.1:9090', WORKER_PAGE_DRIVER: 'sim-client' });
    expect(resolveMode(sim)).toEqual({ kind: 'sim', simUrl: 'http://127.0.0.1:9090' });
    expect(resolveMode(loadConfig({ WORKER_PAGE_DRIVER: 'sim-client' }))).toEqual({ kind: 'embedded' });
    expect(() => loadConfig({ WORKER_PAGE_DRIVER: 'puppeteer' })).toThrow(/^WORKER_PAGE_DRIVER /);
  });

  it('is refused with sim-client in Zoom mode, naming the variable', () => {
    const config = loadConfig({ ...ZOOM_MODE, WORKER_PAGE_DRIVER: 'sim-client' });
    let error: unknown;
    try {
      resolveMode(config);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'invalid_config', variable: 'WORKER_PAGE_DRIVER' });
    expect(resolveMode(loadConfig(ZOOM_MODE))).toEqual({ kind: 'zoom' });
  });

  it('a worker in Zoom mode with sim-client stops before starting anything, saying why', {
    timeout: 60_000,
  }, () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ZOOM_MODE, WORKER_PAGE_DRIVER: 'sim-client' };
    delete env.ZOOM_SIM_URL;
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', 'worker'], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('WORKER_PAGE_DRIVER=sim-client');
    expect(result.stderr).toContain('needs sim mode (ZOOM_SIM_URL)');
    expect(result.stderr).toContain('[invalid_config]');
  });
});
