import { describe, expect, it } from 'vitest';
import { CONFIG_TABLE } from '../../runner/config/config-table.js';
import { type DockerStage, execForm, parseDockerfile, readRepoFile } from './packaging-files.js';

const stages = parseDockerfile(readRepoFile('Dockerfile'));
const runtime = stages.at(-1) as DockerStage;
const build = stages[0] as DockerStage;

const args = (stage: DockerStage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const runs = (stage: DockerStage): string => args(stage, 'RUN').join('\n');

describe('Dockerfile', () => {
  it('builds in one stage and runs on Node 22 in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.image).toMatch(/^node:22(-|$)/);
    expect(build.name).toBeDefined();
    // The runtime takes the build's output, not the sources.
    const fromBuild = args(runtime, 'COPY').filter((a) => a.includes(`--from=${build.name}`));
    expect(fromBuild.some((a) => /\/dist\b/.test(a))).toBe(true);
    expect(fromBuild.some((a) => /\/node_modules\b/.test(a))).toBe(true);
    // findRepoRoot walks up to package.json to find dist/web-client.
    expect(fromBuild.some((a) => /\/package\.json\b/.test(a))).toBe(true);
    expect(args(runtime, 'RUN').join('\n')).not.toMatch(/npm (ci|install)\b/);
  });

  it('installs, builds and prunes to production dependencies in the build stage', () => {
    const script = runs(build);
    expect(script).toMatch(/npm ci\b/);
    expect(script).toMatch(/npm run build\b/);
    expect(script).toMatch(/npm prune --omit=dev\b/);
    // Both page builds and the SDK assets the runner serves must be in what the runtime copies.
    expect(script).toContain('dist/web-client/zoom/index.html');
    expect(script).toContain('dist/web-client/sim/index.html');
    expect(script).toContain('node_modules/@zoom/meetingsdk/dist/lib');
  });

  it('copies every folder the build compiles before building', () => {
    const buildConfig = JSON.parse(readRepoFile('tsconfig.build.json')) as { include: string[] };
    const copied = args(build, 'COPY').flatMap((a) => a.split(/\s+/).slice(0, -1));
    for (const folder of [...buildConfig.include, 'web-client', 'tsconfig.json', 'tsconfig.build.json']) {
      expect(copied, folder).toContain(folder);
    }
  });

  it("installs Debian's Chromium, fonts for non-Latin names and emoji, and tini", () => {
    const packages = runs(runtime);
    expect(packages).toMatch(/apt-get install\b/);
    for (const pkg of ['chromium', 'fonts-liberation', 'fonts-noto-cjk', 'fonts-noto-color-emoji', 'tini']) {
      expect(packages).toMatch(new RegExp(`(^|\\s)${pkg}(\\s|$)`, 'm'));
    }
    const env = args(runtime, 'ENV').join(' ');
    expect(env).toContain(`CHROMIUM_PATH=${CONFIG_TABLE.CHROMIUM_PATH.default}`);
  });

  it('never downloads a browser (puppeteer-core drives the Debian one)', () => {
    const text = readRepoFile('Dockerfile');
    expect(text).not.toMatch(/puppeteer\s+browsers\s+install|@puppeteer\/browsers|npx\s+puppeteer/);
    const pkg = JSON.parse(readRepoFile('package.json')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toContain('puppeteer-core');
    expect(Object.keys(pkg.dependencies)).not.toContain('puppeteer');
  });

  it('runs as a non-root user', () => {
    const user = args(runtime, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(user?.split(':')[0]).not.toMatch(/^(root|0)$/);
  });

  it('starts under tini with the CLI, worker by default', () => {
    const entrypoint = execForm(args(runtime, 'ENTRYPOINT').at(-1) ?? '');
    expect(entrypoint[0]).toMatch(/(^|\/)tini$/);
    expect(entrypoint.slice(1)).toEqual(['--', 'node', 'dist/runner/cli/main.js']);
    expect(execForm(args(runtime, 'CMD').at(-1) ?? '')).toEqual(['worker']);
  });

  it('checks health on /livez at API_PORT and exposes that port', () => {
    const healthcheck = args(runtime, 'HEALTHCHECK').at(-1) ?? '';
    const command = execForm(healthcheck.slice(healthcheck.indexOf('CMD') + 3)).join(' ');
    expect(command).toContain('/livez');
    expect(command).toContain('process.env.API_PORT');
    expect(args(runtime, 'EXPOSE')).toContain(CONFIG_TABLE.API_PORT.default);
  });
});

describe('.dockerignore', () => {
  it('keeps host builds, dependencies, git history and env files out of the build context', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const entry of ['node_modules', 'dist', '.git', '.env', 'bench']) expect(ignored).toContain(entry);
    // Sources the build needs must not be ignored.
    for (const needed of [
      'runner',
      'shared',
      'zoom-sim',
      'web-client',
      'package.json',
      'package-lock.json',
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });
});
