import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, readRepoFile } from './packaging-files.js';

const DEPCRUISE = path.join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** `rule: from → to`, npm targets shortened to `npm:<package>` wherever node_modules sits. */
function cruise(cwd: string, targets: string[]): string[] {
  const run = spawnSync(
    process.execPath,
    [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...targets],
    { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!run.stdout) throw new Error(`depcruise printed nothing: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as { summary: { violations: Violation[] } };
  return result.summary.violations.map(({ rule, from, to }) => {
    const target = to.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, 'npm:$1');
    return `${rule.name}: ${from} → ${target}`;
  });
}

/** Tiny files that break each rule once, next to imports that every rule allows. */
const PLANTED: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ extends: '../tsconfig.json' }),
  'shared/contract.ts': "import { z } from 'zod';\nexport const name = z.string();\n",
  'shared/reads-disk.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  'shared/uses-runner.ts': "import { page } from '../runner/browser/page.js';\nexport const p = page;\n",
  'runner/browser/page.ts': 'export const page = 1;\n',
  'runner/log/logger.ts': 'export type Logger = { info(msg: string): void };\n',
  'runner/supervisor/ports.ts': 'export interface BotPage { close(): Promise<void> }\n',
  'runner/supervisor/fine.ts': [
    "import type { Logger } from '../log/logger.js';",
    "import type { BotPage } from './ports.js';",
    "import { name } from '../../shared/contract.js';",
    'export type Fine = [Logger, BotPage, typeof name];',
    '',
  ].join('\n'),
  'runner/supervisor/drives-chromium.ts': [
    "import type { Browser } from 'puppeteer-core';",
    "import { page } from '../browser/page.js';",
    'export type Drives = [Browser, typeof page];',
    '',
  ].join('\n'),
  'runner/cycle-a.ts': "import { b } from './cycle-b.js';\nexport const a = () => b;\n",
  'runner/cycle-b.ts': "import { a } from './cycle-a.js';\nexport const b = () => a;\n",
  'zoom-sim/server.ts': "import { page } from '../runner/browser/page.js';\nexport const s = page;\n",
  'web-client/src/main.ts': "import { page } from '../../runner/browser/page.js';\nexport const m = page;\n",
  'test/helpers/rig.ts': 'export const rig = 1;\n',
  'bench/join.bench.ts': "import { rig } from '../test/helpers/rig.js';\nexport const j = rig;\n",
  'testkit/sim.ts': "import { rig } from '../test/helpers/rig.js';\nexport const t = rig;\n",
};

describe('layering rules (.dependency-cruiser.cjs)', () => {
  // Inside the repo (gitignored) so `zod` and `puppeteer-core` resolve from its node_modules.
  const planted = path.join(REPO_ROOT, `.tmp-layering-${randomBytes(4).toString('hex')}`);

  beforeAll(() => {
    for (const [file, text] of Object.entries(PLANTED)) {
      mkdirSync(path.dirname(path.join(planted, file)), { recursive: true });
      writeFileSync(path.join(planted, file), text);
    }
  });
  afterAll(() => rmSync(planted, { recursive: true, force: true }));

  it('the real tree, as `npm run lint:layers` cruises it, breaks no rule', () => {
    const script = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts[
      'lint:layers'
    ];
    const [command, ...args] = script?.split(' ') ?? [];
    expect(command).toBe('depcruise');
    const targets = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--config');
    expect(targets).toEqual(expect.arrayContaining(['shared', 'runner', 'bench', 'testkit', 'test']));
    expect(cruise(REPO_ROOT, targets)).toEqual([]);
  }, 30_000);

  it('reports each planted violation under its rule, and nothing that is allowed', () => {
    const found = cruise(planted, ['shared', 'runner', 'zoom-sim', 'web-client', 'bench', 'testkit', 'test']);
    // A cycle is reported at the edge where the cruise closed it: either one of the two.
    const cycles = found.filter((line) => line.startsWith('no-circular:'));
    expect(cycles.length).toBeGreaterThan(0);
    for (const line of cycles)
      expect(line).toMatch(/^no-circular: runner\/cycle-[ab]\.ts → runner\/cycle-[ab]\.ts$/);
    expect(found.filter((line) => !cycles.includes(line)).sort()).toEqual(
      [
        'shared-imports-only-zod: shared/reads-disk.ts → fs',
        'shared-imports-only-zod: shared/uses-runner.ts → runner/browser/page.ts',
        'supervisor-only-ports: runner/supervisor/drives-chromium.ts → npm:puppeteer-core',
        'supervisor-only-ports: runner/supervisor/drives-chromium.ts → runner/browser/page.ts',
        'zoom-sim-not-runner: zoom-sim/server.ts → runner/browser/page.ts',
        'web-client-only-shared-and-sdk: web-client/src/main.ts → runner/browser/page.ts',
        'bench-not-test: bench/join.bench.ts → test/helpers/rig.ts',
        'testkit-not-test-or-bench: testkit/sim.ts → test/helpers/rig.ts',
      ].sort(),
    );
  }, 30_000);
});
