import { describe, expect, it } from 'vitest';
import { readRepoFile } from './packaging-files.js';

/** The shell lines `.ci/run` executes: comments, blank lines and its `log` helper left out. */
function commandLines(script: string): string[] {
  return script
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .filter((line) => !line.startsWith('log ') && !line.startsWith('log() '));
}

describe('.ci/run', () => {
  const script = readRepoFile('.ci/run');

  it('runs nothing but npm ci and npm test: a fresh machine needs only the README commands', () => {
    expect(commandLines(script)).toEqual([
      'set -euo pipefail',
      'cd "$(dirname "$0")/.."',
      'npm ci --no-audit --no-fund',
      'npm test',
    ]);
  });

  it('logs only versions: its log lines run nothing that could install or start anything', () => {
    const substitutions = [...script.matchAll(/\$\(([^()]*)\)/g)].map((match) => match[1]);
    expect(substitutions.filter((command) => command !== 'dirname "$0"')).toEqual([
      'node --version',
      'npm --version',
    ]);
  });

  it('leaves installing Chromium and Redis to npm test, whose first step prepares the machine', () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test?.split(' && ')[0]).toBe('node --import tsx testkit/prepare-machine.ts');
  });
});
