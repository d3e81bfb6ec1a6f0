import { assertChromiumExecutable } from '../browser/chromium-executable.js';
import { type PrerequisiteCode, PrerequisiteError } from './prerequisite-error.js';
import { LOCAL_SYSTEM_HOST, type SystemHost } from './system-host.js';

/** Where Debian's `chromium` package puts it, and CHROMIUM_PATH's default. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

export type SystemPackage = 'chromium' | 'redis-server' | 'redis-tools';

export interface SystemNeeds {
  /** CHROMIUM_PATH. Only the default path is installed; a custom one that is missing is an operator error. */
  chromiumPath?: string;
  /** `redis-server` on the PATH (start's private Redis, the tests' Redis). */
  redisServer?: boolean;
  /** `redis-cli` on the PATH. */
  redisCli?: boolean;
}

export interface EnsureSystemPackagesOptions {
  /** One line per package installed, saying what and why (start and the tests pass stderr). */
  log: (line: string) => void;
  /** Replaces parts of the real machine, for tests. */
  host?: Partial<SystemHost>;
}

/** A package this machine lacks, why it is needed, and the error code when it stays missing. */
export interface MissingPackage {
  name: SystemPackage;
  code: PrerequisiteCode;
  /** What is missing, as a sentence start: "redis-server is not on the PATH". */
  problem: string;
  /** Who needs it, for the "installing" line. */
  neededBy: string;
}

const UPDATE_ARGS = ['update', '-qq'] as const;
const INSTALL_ARGS = ['install', '-y', '-qq'] as const;

/** What `needs` asks for that this machine lacks, in install order. */
export function missingSystemPackages(needs: SystemNeeds, host: SystemHost): MissingPackage[] {
  const missing: MissingPackage[] = [];
  const { chromiumPath } = needs;
  if (chromiumPath !== undefined && !host.isExecutableFile(chromiumPath)) {
    // Installing puts Chromium at the default path only: a custom path would still be missing after.
    if (chromiumPath !== DEFAULT_CHROMIUM_PATH) assertChromiumExecutable(chromiumPath);
    else {
      missing.push({
        name: 'chromium',
        code: 'chromium_missing',
        problem: `CHROMIUM_PATH=${chromiumPath} does not exist`,
        neededBy: 'the bots need it',
      });
    }
  }
  if (needs.redisServer && host.findOnPath('redis-server') === undefined) {
    missing.push({
      name: 'redis-server',
      code: 'redis_server_missing',
      problem: 'redis-server is not on the PATH',
      neededBy: 'to run a local Redis',
    });
  }
  if (needs.redisCli && host.findOnPath('redis-cli') === undefined) {
    missing.push({
      name: 'redis-tools',
      code: 'redis_server_missing',
      problem: 'redis-cli is not on the PATH',
      neededBy: 'to look into the local Redis',
    });
  }
  return missing;
}

/** The one command an operator runs to install `packages` by hand. */
export function installCommand(packages: readonly SystemPackage[]): string {
  return `sudo apt-get install -y ${packages.join(' ')}`;
}

/**
 * Installs what `needs` asks for and this machine lacks, with apt-get, when this process may (root,
 * as in containers and CI): a fresh machine then needs only `npm start` / `npm test`. Elsewhere it
 * changes nothing and throws a PrerequisiteError giving the one command to run. Returns the packages
 * it installed (none when nothing was missing).
 */
export async function ensureSystemPackages(
  needs: SystemNeeds,
  options: EnsureSystemPackagesOptions,
): Promise<SystemPackage[]> {
  const host: SystemHost = { ...LOCAL_SYSTEM_HOST, ...options.host };
  const missing = missingSystemPackages(needs, host);
  const first = missing[0];
  if (first === undefined) return [];
  const names = missing.map((item) => item.name);
  const problems = missing.map((item) => item.problem).join('; ');
  const byHand = `Run \`${installCommand(names)}\` (Debian/Ubuntu), or see the README's quick start for other systems.`;

  const aptGet = host.findOnPath('apt-get');
  if (!host.isRoot() || aptGet === undefined) {
    const why = host.isRoot() ? 'apt-get is not on the PATH' : 'not running as root';
    throw new PrerequisiteError(
      first.code,
      `${problems}. This process cannot install ${names.join(', ')} itself (${why}). ${byHand}`,
    );
  }

  for (const item of missing)
    options.log(`installing ${item.name} from Debian: ${item.problem} (${item.neededBy})`);
  // noninteractive: a package asking a question (tzdata) would otherwise wait for a terminal forever.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps: Array<[label: string, args: string[]]> = [
    [`apt-get ${UPDATE_ARGS.join(' ')}`, [...UPDATE_ARGS]],
    [
      `DEBIAN_FRONTEND=noninteractive apt-get ${INSTALL_ARGS.join(' ')} ${names.join(' ')}`,
      [...INSTALL_ARGS, ...names],
    ],
  ];
  for (const [label, args] of steps) {
    const result = await host.run(aptGet, args, env);
    if (result.exitCode === 0) continue;
    const ended = result.spawnError
      ? `could not be started (${result.spawnError.message})`
      : result.signal
        ? `was killed by ${result.signal}`
        : `failed with exit code ${result.exitCode}`;
    const tail = result.output.trim().split('\n').slice(-3).join(' | ');
    throw new PrerequisiteError(
      first.code,
      `${problems}. Installing it: \`${label}\` ${ended}${tail ? `: ${tail}` : ''}. ${byHand}`,
    );
  }

  // A package that installs without providing the file (another distribution's "chromium") must not pass.
  const stillMissing = missingSystemPackages(needs, host);
  const left = stillMissing[0];
  if (left !== undefined) {
    throw new PrerequisiteError(
      left.code,
      `apt-get installed ${names.join(' ')}, but ${stillMissing.map((item) => item.problem).join('; ')}. ${byHand}`,
    );
  }
  return names;
}
