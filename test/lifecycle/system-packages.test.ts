import { describe, expect, it } from 'vitest';
import { PrerequisiteError } from '../../runner/lifecycle/prerequisite-error.js';
import type { CommandResult, SystemHost } from '../../runner/lifecycle/system-host.js';
import {
  DEFAULT_CHROMIUM_PATH,
  ensureSystemPackages,
  type SystemNeeds,
} from '../../runner/lifecycle/system-packages.js';

interface FakeMachine {
  root?: boolean;
  /** Files that exist and are executable; apt-get "installs" into it. */
  files?: string[];
  /** Exit code per apt-get subcommand (`update`, `install`); 0 when absent. */
  aptExit?: Partial<Record<string, number>>;
  /** What a successful `install` puts on the machine. */
  installs?: Record<string, string[]>;
}

const APT_GET = '/usr/bin/apt-get';
const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';
const DEBIAN_INSTALLS = {
  chromium: [DEFAULT_CHROMIUM_PATH],
  'redis-server': [REDIS_SERVER, REDIS_CLI],
  'redis-tools': [REDIS_CLI],
};

function fakeMachine(machine: FakeMachine) {
  const files = new Set(machine.files ?? [APT_GET]);
  const commands: Array<{ command: string; args: readonly string[]; frontend: string | undefined }> = [];
  const lines: string[] = [];
  const host: SystemHost = {
    isRoot: () => machine.root ?? true,
    findOnPath: (command) => [...files].find((file) => file === `/usr/bin/${command}`),
    isExecutableFile: (file) => files.has(file),
    run: async (command, args, env): Promise<CommandResult> => {
      commands.push({ command, args, frontend: env.DEBIAN_FRONTEND });
      const sub = args[0] ?? '';
      const exitCode = machine.aptExit?.[sub] ?? 0;
      if (sub === 'install' && exitCode === 0) {
        const installs: Record<string, string[]> = machine.installs ?? DEBIAN_INSTALLS;
        for (const name of args.slice(3)) for (const file of installs[name] ?? []) files.add(file);
      }
      return { exitCode, signal: null, output: exitCode === 0 ? '' : 'E: Unable to locate package chromium' };
    },
  };
  const ensure = (needs: SystemNeeds) => ensureSystemPackages(needs, { log: (l) => lines.push(l), host });
  return { commands, lines, ensure };
}

async function prerequisiteError(promise: Promise<unknown>): Promise<PrerequisiteError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PrerequisiteError);
  return error as PrerequisiteError;
}

describe('ensureSystemPackages', () => {
  it('as root with apt-get: updates, installs what is missing, and says what and why', async () => {
    const machine = fakeMachine({ root: true });
    const installed = await machine.ensure({ chromiumPath: DEFAULT_CHROMIUM_PATH, redisServer: true });
    expect(installed).toEqual(['chromium', 'redis-server']);
    expect(machine.commands).toEqual([
      { command: APT_GET, args: ['update', '-qq'], frontend: 'noninteractive' },
      {
        command: APT_GET,
        args: ['install', '-y', '-qq', 'chromium', 'redis-server'],
        frontend: 'noninteractive',
      },
    ]);
    expect(machine.lines).toEqual([
      'installing chromium from Debian: CHROMIUM_PATH=/usr/bin/chromium does not exist (the bots need it)',
      'installing redis-server from Debian: redis-server is not on the PATH (to run a local Redis)',
    ]);
  });

  it('not root: changes nothing and throws with the one command to run', async () => {
    const machine = fakeMachine({ root: false });
    const error = await prerequisiteError(
      machine.ensure({ chromiumPath: DEFAULT_CHROMIUM_PATH, redisServer: true }),
    );
    expect(error.code).toBe('chromium_missing');
    expect(error.message).toContain('`sudo apt-get install -y chromium redis-server`');
    expect(error.message).toContain('not running as root');
    expect(machine.commands).toEqual([]);
    expect(machine.lines).toEqual([]);
  });

  it('root without apt-get: throws redis_server_missing with the command', async () => {
    const machine = fakeMachine({ root: true, files: [DEFAULT_CHROMIUM_PATH] });
    const error = await prerequisiteError(machine.ensure({ redisServer: true }));
    expect(error.code).toBe('redis_server_missing');
    expect(error.message).toContain('redis-server is not on the PATH');
    expect(error.message).toContain('`sudo apt-get install -y redis-server`');
    expect(error.message).toContain('apt-get is not on the PATH');
    expect(machine.commands).toEqual([]);
  });

  it('nothing missing: does nothing', async () => {
    const machine = fakeMachine({
      root: true,
      files: [APT_GET, DEFAULT_CHROMIUM_PATH, REDIS_SERVER, REDIS_CLI],
    });
    await expect(
      machine.ensure({ chromiumPath: DEFAULT_CHROMIUM_PATH, redisServer: true, redisCli: true }),
    ).resolves.toEqual([]);
    expect(machine.commands).toEqual([]);
    expect(machine.lines).toEqual([]);
  });

  it('asks only for what is needed: no redis-server check unless asked', async () => {
    const machine = fakeMachine({ root: true, files: [APT_GET, DEFAULT_CHROMIUM_PATH] });
    await expect(machine.ensure({ chromiumPath: DEFAULT_CHROMIUM_PATH })).resolves.toEqual([]);
    expect(machine.commands).toEqual([]);
  });

  it('apt-get failing: names the failed command and its exit code', async () => {
    const machine = fakeMachine({ root: true, aptExit: { install: 100 } });
    const error = await prerequisiteError(machine.ensure({ chromiumPath: DEFAULT_CHROMIUM_PATH }));
    expect(error.code).toBe('chromium_missing');
    expect(error.message).toContain(
      '`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium` failed with exit code 100',
    );
    expect(error.message).toContain('E: Unable to locate package chromium');
    expect(machine.commands).toHaveLength(2);
  });

  it('apt-get update failing: stops before installing', async () => {
    const machine = fakeMachine({ root: true, aptExit: { update: 100 } });
    const error = await prerequisiteError(machine.ensure({ redisServer: true }));
    expect(error.code).toBe('redis_server_missing');
    expect(error.message).toContain('`apt-get update -qq` failed with exit code 100');
    expect(machine.commands).toHaveLength(1);
  });

  it('a package that installs without providing the file does not pass', async () => {
    const machine = fakeMachine({ root: true, installs: { chromium: [] } });
    const error = await prerequisiteError(machine.ensure({ chromiumPath: DEFAULT_CHROMIUM_PATH }));
    expect(error.code).toBe('chromium_missing');
    expect(error.message).toContain(
      'apt-get installed chromium, but CHROMIUM_PATH=/usr/bin/chromium does not exist',
    );
  });

  it('a custom CHROMIUM_PATH that is missing is the operator error: chromium_missing, no install', async () => {
    const machine = fakeMachine({ root: true });
    const error = await prerequisiteError(machine.ensure({ chromiumPath: '/nonexistent/chrome' }));
    expect(error.code).toBe('chromium_missing');
    expect(error.message).toContain('Chromium not found: CHROMIUM_PATH=/nonexistent/chrome does not exist');
    expect(machine.commands).toEqual([]);
  });
});
