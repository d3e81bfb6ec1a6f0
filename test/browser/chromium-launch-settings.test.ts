import { describe, expect, it } from 'vitest';
import { chromiumEnvironment } from '../../runner/browser/chromium-env.js';
import { isSandboxFailure, sandboxFallback, sandboxPlan } from '../../runner/browser/chromium-sandbox.js';

describe('Chromium launch settings', () => {
  it('passes Chromium paths, locale, time zone and fonts, and nothing else of the worker’s environment', () => {
    const env = chromiumEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/node',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      FONTCONFIG_PATH: '/etc/fonts',
      ZOOM_CLIENT_SECRET: 'secret',
      REDIS_URL: 'redis://:password@redis:6379',
      JOB_ENCRYPTION_KEY: 'k'.repeat(32),
      AWS_SECRET_ACCESS_KEY: 'aws',
      NODE_OPTIONS: '--require ./evil.js',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/node',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      FONTCONFIG_PATH: '/etc/fonts',
    });
  });

  it('CHROMIUM_SANDBOX: off and on are what they say; auto is off for root and tried first otherwise', () => {
    expect(sandboxPlan('off', 1000)).toEqual({ first: { sandbox: false, why: 'CHROMIUM_SANDBOX=off' } });
    expect(sandboxPlan('on', 0)).toEqual({ first: { sandbox: true, why: 'CHROMIUM_SANDBOX=on' } });
    const asRoot = sandboxPlan('auto', 0);
    expect(asRoot.first.sandbox).toBe(false);
    expect(asRoot.first.why).toContain('root');
    expect(asRoot.fallback).toBeUndefined();
    expect(sandboxPlan('auto', 1000)).toMatchObject({ first: { sandbox: true }, fallback: true });
  });

  it('a failed sandboxed auto launch falls back to no sandbox, with Chromium’s line about its sandbox as the reason', () => {
    const choice = sandboxFallback(
      new Error(
        'Failed to launch the browser process!\n[0101/000000.000:FATAL:zygote_host_impl_linux.cc] No usable sandbox!',
      ),
    );
    expect(choice.sandbox).toBe(false);
    expect(choice.why).toContain('No usable sandbox!');
    expect(sandboxFallback(new Error('\nspawn ENOENT\n')).why).toContain('spawn ENOENT');
  });

  it('only a launch that failed over the sandbox makes auto go on without it', () => {
    expect(isSandboxFailure(new Error('[FATAL:zygote_host_impl_linux.cc] No usable sandbox!'))).toBe(true);
    expect(isSandboxFailure(new Error('Failed to move to new namespace: PID namespaces supported'))).toBe(
      true,
    );
    expect(isSandboxFailure(new Error('Timed out after 30000 ms while waiting for the WS endpoint'))).toBe(
      false,
    );
    expect(isSandboxFailure(new Error('spawn /usr/bin/chromium ENOENT'))).toBe(false);
  });
});
