import { describe, expect, it } from 'vitest';
import { SECRET_VARIABLES } from '../../runner/config/config-table.js';
import { SIM_VARIABLES } from '../../zoom-sim/sim-config.js';
import {
  type ComposeService,
  composeDurationSec,
  composeEnvironment,
  effectiveSetting,
  interpolatedNames,
  isConfigVariable,
  loadCompose,
  readRepoFile,
} from './packaging-files.js';

const compose = loadCompose();
const services = compose.services;
const ZOOM_CREDENTIALS = [
  'ZOOM_ACCOUNT_ID',
  'ZOOM_CLIENT_ID',
  'ZOOM_CLIENT_SECRET',
  'ZOOM_SDK_KEY',
  'ZOOM_SDK_SECRET',
];

const service = (name: string): ComposeService => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const commandOf = (s: ComposeService): string[] =>
  Array.isArray(s.command) ? s.command : (s.command ?? '').split(/\s+/);
/** Services running the runner's image with a runner command (not Redis, not the sim). */
const runnerServices = Object.entries(services).filter(([, s]) =>
  ['api', 'worker', 'start'].includes(commandOf(s)[0] ?? ''),
);
const inSimProfile = (s: ComposeService): boolean => s.profiles?.includes('sim') ?? false;

/** What Compose would pass with nothing set in the environment: `${X:-default}` becomes `default`. */
function withDefaults(env: Map<string, string>): Map<string, string> {
  const resolved = new Map<string, string>();
  for (const [name, value] of env) {
    resolved.set(
      name,
      value.replace(
        /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?[^}]*\}/g,
        (_m, fallback?: string) => fallback ?? '',
      ),
    );
  }
  return resolved;
}

describe('docker-compose.yml: redis', () => {
  const redis = service('redis');

  it('runs Redis 7 with AOF fsynced every second and no eviction, on a volume', () => {
    expect(redis.image).toMatch(/^redis:7/);
    const command = commandOf(redis).join(' ');
    expect(command).toMatch(/--appendonly "?yes"?/);
    expect(command).toMatch(/--appendfsync "?everysec"?/);
    expect(command).toMatch(/--maxmemory-policy "?noeviction"?/);
    const dataVolume = (redis.volumes ?? []).find((v) => typeof v === 'string' && v.endsWith(':/data'));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(String(dataVolume).split(':')[0]);
  });

  it('is health-checked with redis-cli ping, and every runner service waits for it', () => {
    const test = redis.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toMatch(/redis-cli( -\S+)* ping/);
    expect(runnerServices.map(([name]) => name).sort()).toEqual(['api', 'api-sim', 'worker', 'worker-sim']);
    for (const [name, s] of runnerServices) {
      expect((s.depends_on as Record<string, { condition?: string }>)?.redis?.condition, name).toBe(
        'service_healthy',
      );
    }
  });
});

describe('docker-compose.yml: api and workers', () => {
  it('the default stack is Zoom mode: api and worker carry the Zoom credentials, no sim', () => {
    for (const name of ['api', 'worker']) {
      const s = service(name);
      expect(s.profiles, name).toBeUndefined();
      const env = composeEnvironment(s);
      for (const credential of ZOOM_CREDENTIALS)
        expect(env.has(credential), `${name} ${credential}`).toBe(true);
      expect(env.has('JOB_ENCRYPTION_KEY'), name).toBe(true);
      expect(env.has('ZOOM_SIM_URL'), name).toBe(false);
    }
  });

  it('the api serves the API port and requires API_KEYS from the environment', () => {
    const api = service('api');
    expect(commandOf(api)).toEqual(['api']);
    const port = effectiveSetting(withDefaults(composeEnvironment(api)), 'API_PORT');
    expect((api.ports ?? []).map(String)).toContain(`8080:${port}`);
    expect(composeEnvironment(api).get('API_KEYS')).toMatch(/^\$\{API_KEYS:\?[^}]+\}$/);
  });

  it('workers run as replicas with a larger /dev/shm and stop grace longer than SHUTDOWN_GRACE_SEC', () => {
    for (const name of ['worker', 'worker-sim']) {
      const worker = service(name);
      expect(commandOf(worker), name).toEqual(['worker']);
      expect(worker.deploy?.replicas, name).toBeGreaterThanOrEqual(2);
      expect(worker.shm_size, name).toMatch(/^\d+(\.\d+)?[kmg]b?$/i);
      const env = composeEnvironment(worker);
      // A literal, so nothing in the deployer's environment can push it past the stop grace period.
      expect(env.get('SHUTDOWN_GRACE_SEC'), name).toMatch(/^\d+(\.\d+)?$/);
      const graceSec = Number(effectiveSetting(env, 'SHUTDOWN_GRACE_SEC'));
      expect(composeDurationSec(worker.stop_grace_period ?? '10s'), name).toBeGreaterThan(graceSec);
    }
  });

  it('parses Compose durations the way Compose does', () => {
    expect(composeDurationSec('45s')).toBe(45);
    expect(composeDurationSec('1m30s')).toBe(90);
    expect(composeDurationSec(20)).toBe(20);
    expect(() => composeDurationSec('45 seconds')).toThrow(/not a Compose duration/);
  });
});

describe('docker-compose.yml: profile sim', () => {
  const sim = service('sim');

  it('runs zoom-sim on all interfaces, health-checked, only in the sim profile', () => {
    expect(inSimProfile(sim)).toBe(true);
    const command = commandOf(sim);
    expect(command[0]).toBe('sim');
    expect(command[command.indexOf('--host') + 1]).toBe('0.0.0.0');
    const test = sim.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toContain(
      `:${command[command.indexOf('--port') + 1]}/`,
    );
    // The sim reads only its own variables, and hands out the address the other containers use.
    for (const name of composeEnvironment(sim).keys()) expect(SIM_VARIABLES).toContain(name);
    expect(composeEnvironment(sim).get('ZOOM_SIM_PUBLIC_URL')).toBe(
      `http://sim:${command[command.indexOf('--port') + 1]}`,
    );
  });

  it('points api-sim and worker-sim at the sim service, with no Zoom credentials and their own queue', () => {
    const simPort = commandOf(sim)[commandOf(sim).indexOf('--port') + 1];
    for (const name of ['api-sim', 'worker-sim']) {
      const s = service(name);
      expect(inSimProfile(s), name).toBe(true);
      const env = composeEnvironment(s);
      const url = new URL(env.get('ZOOM_SIM_URL') ?? '');
      expect(`${url.hostname}:${url.port}`, name).toBe(`sim:${simPort}`);
      for (const credential of [...ZOOM_CREDENTIALS, 'ZOOM_BOT_USER'])
        expect(env.has(credential), name).toBe(false);
      expect((s.depends_on as Record<string, { condition?: string }>)?.sim?.condition, name).toBe(
        'service_healthy',
      );
      // Both stacks on one Redis must not share a queue: a sim worker would take Zoom bots.
      expect(effectiveSetting(withDefaults(env), 'QUEUE_PREFIX'), name).not.toBe(
        effectiveSetting(withDefaults(composeEnvironment(service('worker'))), 'QUEUE_PREFIX'),
      );
    }
    // Both APIs can run side by side.
    expect(service('api-sim').ports).not.toEqual(service('api').ports);
  });
});

describe('docker-compose.yml: configuration names and secrets', () => {
  it('sets only variables the runner reads (a typo would be silently ignored)', () => {
    for (const [name, s] of runnerServices) {
      for (const variable of composeEnvironment(s).keys()) {
        expect(isConfigVariable(variable), `${name}: ${variable}`).toBe(true);
      }
    }
    for (const variable of interpolatedNames(readRepoFile('docker-compose.yml'))) {
      expect(isConfigVariable(variable), `\${${variable}}`).toBe(true);
    }
  });

  it('hard-codes no secret: every secret or Zoom credential comes from the environment', () => {
    const secretNames = new Set<string>([...SECRET_VARIABLES, ...ZOOM_CREDENTIALS]);
    for (const [name, s] of Object.entries(services)) {
      for (const [variable, value] of composeEnvironment(s)) {
        if (!secretNames.has(variable)) continue;
        expect(value, `${name}: ${variable}`).toMatch(new RegExp(`^\\$\\{${variable}(:?[-?][^}]*)?\\}$`));
        // A default value (`${X:-value}`) would be a hard-coded secret too.
        expect(value, `${name}: ${variable}`).not.toMatch(/^\$\{[A-Za-z0-9_]+:?-[^}]/);
      }
    }
  });
});
