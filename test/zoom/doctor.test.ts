import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { REDIS_URL, useZoomKit } from './zoom-kit.js';

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', 'doctor'], {
    // Only what the test gives: never the developer's ZOOM_* variables.
    env: { PATH: process.env.PATH ?? '', REDIS_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    out += String(d);
  });
  const [code] = (await once(child, 'exit')) as [number];
  return { code, out };
}

describe('zoom-bot-runner doctor', () => {
  const kit = useZoomKit();

  it('passes against a zoom-sim (exit 0)', async () => {
    const { code, out } = await doctor({ ZOOM_SIM_URL: kit.sim.url, QUEUE_PREFIX: kit.newPrefix() });
    expect(out).toContain('✔ OAuth');
    expect(out).toContain(`✔ ZAK: minted one for ${kit.credentials.serviceUser.email}`);
    expect(out).toContain('All checks passed.');
    expect(code).toBe(0);
    expect(out).not.toContain(kit.credentials.clientSecret);
  }, 20_000);

  it('says plainly that the credentials are wrong (non-zero), without printing them', async () => {
    const wrong = 'definitely-not-the-secret-42';
    const { code, out } = await doctor({
      ZOOM_SIM_URL: kit.sim.url,
      QUEUE_PREFIX: kit.newPrefix(),
      ZOOM_CLIENT_SECRET: wrong,
    });
    expect(code).toBe(1);
    expect(out).toContain(
      'Zoom refused the app credentials: check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET',
    );
    expect(out).not.toContain(wrong);
    expect(out).not.toContain(kit.credentials.clientSecret);
  }, 20_000);

  it('names an unknown ZOOM_BOT_USER, and a missing mode', async () => {
    const unknown = await doctor({
      ZOOM_SIM_URL: kit.sim.url,
      QUEUE_PREFIX: kit.newPrefix(),
      ZOOM_BOT_USER: 'ghost@example.com',
    });
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain("Zoom has no user 'ghost@example.com'");
    const none = await doctor({});
    expect(none.code).toBe(1);
    expect(none.out).toContain('No Zoom is configured');
  }, 20_000);
});
