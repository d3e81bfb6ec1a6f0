import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { spawnWorker } from '../../testkit/worker-process.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Chromium renders meeting content from the network: a renderer that is compromised must find none
 * of the worker's secrets in its environment. Read from /proc of a running bot's Chromium processes.
 */
const rig = useWorkerRig({}, { startWorker: false });

const SECRETS = {
  JOB_ENCRYPTION_KEY: 'job-key-0123456789abcdef0123456789abcdef',
  WEBHOOK_SECRET: 'webhook-secret-0123456789',
  TOKEN_CALLBACK_SECRET: 'callback-secret-0123456789',
  API_KEYS: 'apikey-0123456789abcdef012345',
  DASHBOARD_PASSWORD: 'dashboard-pass-0123',
  // Anything else the worker's environment holds (a cloud credential, say) stays out too.
  CANARY_CREDENTIAL: 'canary-value-that-must-not-leak',
};

function environOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

describe('Chromium environment', () => {
  it('a running bot’s Chromium processes hold none of the worker’s secrets, only what Chromium needs', async () => {
    const { service, close } = await rig.openProducer();
    const workerEnv = { ...process.env, ...rig.env(SECRETS) };
    const worker = spawnWorker(rig.env(SECRETS));
    try {
      await worker.ready;
      const meeting = await rig.sim.createMeeting();
      const { bot } = await service.enqueue(OPERATOR, {
        meetingNumber: meeting.number,
        displayName: 'Clean Env',
        auth: { type: 'zak' },
      });
      await expect
        .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 30_000 })
        .toBe('in_meeting');
      const environments = worker
        .descendants()
        .map((pid) => environOf(pid))
        .filter((env): env is string[] => env !== undefined);
      // The browser, its zygotes, renderers and utilities.
      expect(environments.length).toBeGreaterThan(3);
      for (const env of environments) {
        const joined = env.join('\n');
        for (const value of Object.values(SECRETS)) expect(joined).not.toContain(value);
        expect(joined).not.toContain(rig.env().QUEUE_PREFIX as string);
        expect(joined).not.toContain('ZOOM_SIM_URL');
        // Of the worker's own variables only these pass (Debian's wrapper is a shell script: it sets PWD,
        // SHLVL and `_`, and a few of its own).
        const names = env.map((entry) => entry.slice(0, entry.indexOf('=')));
        for (const name of names.filter((n) => n in workerEnv))
          expect(name).toMatch(
            /^(PATH|HOME|LANG|LANGUAGE|TZ|TMPDIR|FONTCONFIG_\w+|XDG_\w+|LC_\w+|PWD|OLDPWD|SHLVL|_)$/,
          );
      }
      // The worker said which sandbox its launch got, and why.
      expect(worker.output.join('')).toMatch(/"msg":"Chromium sandbox"/);
      await service.leave(OPERATOR, bot.id);
      await expect
        .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 20_000 })
        .toBe('ended');
    } finally {
      if (worker.child.exitCode === null) {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
      await close();
    }
  }, 90_000);
});
