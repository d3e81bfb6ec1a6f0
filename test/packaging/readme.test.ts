import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import { END_REASONS } from '../../shared/end-reasons.js';
import { REPO_ROOT, readRepoFile } from './packaging-files.js';

const readme = readRepoFile('README.md');

/** The lines of the section under `heading` (up to the next heading of the same or a higher level). */
function section(heading: string): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start === -1) throw new Error(`README has no heading ${heading}`);
  const level = heading.indexOf(' ');
  let inFence = false;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line.startsWith('```')) inFence = !inFence;
    else if (!inFence && /^#+ /.test(line) && line.indexOf(' ') <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start + 1, end);
}

/** First-column names of the Markdown table rows in `lines`: `| \`name\` | …`. */
function firstColumnNames(lines: string[]): string[] {
  return lines.flatMap((line) => {
    const match = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    return match?.[1] ? [match[1]] : [];
  });
}

describe('README', () => {
  it('starts with the two quick-start commands: run it and test it', () => {
    const quickStart = section('## Quick start').join('\n');
    expect(quickStart).toContain('npm ci && npm start');
    expect(quickStart).toMatch(/^npm test\b/m);
  });

  it('explains every end reason in the troubleshooting table, and no reason that does not exist', () => {
    const listed = firstColumnNames(section('### Troubleshooting by end reason'));
    expect([...listed].sort()).toEqual([...END_REASONS].sort());
  });

  it('lists every metric the runner exports, and only those', () => {
    const exported = new RunnerMetrics().registry
      .getMetricsAsArray()
      .map((metric) => (metric as { name: string }).name)
      .filter((name) => !name.startsWith('zbr_process_'));
    const listed = firstColumnNames(section('## Operations')).filter((name) => name.startsWith('zbr_'));
    expect(listed).toContain('zbr_process_*');
    expect(listed.filter((name) => name !== 'zbr_process_*').sort()).toEqual(exported.sort());
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1] ?? '')
      .filter((target) => !/^[a-z]+:/.test(target));
    expect(links.length).toBeGreaterThan(0);
    for (const target of links) expect(existsSync(path.join(REPO_ROOT, target)), target).toBe(true);
  });

  it('names only npm scripts that exist', () => {
    const scripts = Object.keys(
      (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts,
    );
    const named = [...readme.matchAll(/\bnpm run ([a-z][\w:-]*)/g)].map((m) => m[1] ?? '');
    expect(named).toEqual(expect.arrayContaining(['bench', 'test:chaos']));
    for (const script of named) expect(scripts, `npm run ${script}`).toContain(script);
  });

  it('mentions every deployment file it relies on', () => {
    for (const file of ['Dockerfile', 'docker-compose.yml', 'deploy/kubernetes/README.md']) {
      expect(readme).toContain(file);
      expect(existsSync(path.join(REPO_ROOT, file)), file).toBe(true);
    }
  });
});
