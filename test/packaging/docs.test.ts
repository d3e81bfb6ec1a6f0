import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../runner/config/config-table.js';
import { BOT_STATES } from '../../shared/bot-states.js';
import { END_REASONS } from '../../shared/end-reasons.js';
import { REPO_ROOT, readRepoFile } from './packaging-files.js';

const DOCS = ['docs/contract.md', 'docs/architecture.md', 'docs/zoom.md'];

/** Folders whose code and READMEs may cite the docs; every citation must land on a real section. */
const CITING_FOLDERS = ['runner', 'shared', 'web-client', 'zoom-sim', 'bench', 'testkit', 'test'];
const SKIPPED = new Set(['node_modules', 'dist', 'results']);

/** Files under `dir` (relative to the repository) that can hold a citation: sources and Markdown. */
function citingFiles(dir: string): string[] {
  const absolute = path.join(REPO_ROOT, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : citingFiles(relative);
    return /\.(ts|tsx|md)$/.test(entry.name) ? [relative] : [];
  });
}

/** The `N` of every `## N. Title` heading of a docs file. */
function sectionNumbers(file: string): Set<number> {
  const numbers = [...readRepoFile(file).matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1]));
  return new Set(numbers);
}

/** First-column names of the README's Layout table (`| \`runner/api/\` | …`). */
function layoutNames(): string[] {
  const lines = readRepoFile('README.md').split('\n');
  const start = lines.indexOf('## Layout');
  if (start === -1) throw new Error('README has no ## Layout section');
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^## /.test(line));
  return (end === -1 ? rest : rest.slice(0, end)).flatMap((line) => {
    const match = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    return match?.[1] ? [match[1]] : [];
  });
}

function subfolders(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

describe('docs/', () => {
  it('holds the contract, the architecture and the Zoom facts', () => {
    for (const file of DOCS) expect(existsSync(path.join(REPO_ROOT, file)), file).toBe(true);
  });

  it('every docs citation in the code names an existing file and one of its numbered sections', () => {
    const citations = CITING_FOLDERS.flatMap(citingFiles).flatMap((file) =>
      [...readRepoFile(file).matchAll(/\bdocs\/([a-z0-9-]+)\.md §(\d+)/g)].map((m) => ({
        file,
        doc: `docs/${m[1]}.md`,
        section: Number(m[2]),
      })),
    );
    // The code cites both documents: a pattern that stopped matching would pass vacuously.
    expect(new Set(citations.map((c) => c.doc))).toEqual(new Set(['docs/contract.md', 'docs/zoom.md']));
    const sections = new Map<string, Set<number>>();
    for (const { file, doc, section } of citations) {
      expect(existsSync(path.join(REPO_ROOT, doc)), `${file} cites ${doc}`).toBe(true);
      if (!sections.has(doc)) sections.set(doc, sectionNumbers(doc));
      expect(sections.get(doc)?.has(section), `${file} cites ${doc} §${section}`).toBe(true);
    }
  });

  it('the contract names every bot state, end reason and configuration variable', () => {
    const contract = readRepoFile('docs/contract.md');
    for (const name of [...BOT_STATES, ...END_REASONS, ...CONFIG_VARIABLES]) {
      expect(contract, name).toContain(`\`${name}\``);
    }
  });
});

describe('README Layout table', () => {
  it('lists every folder of runner/', () => {
    const listed = layoutNames();
    for (const folder of subfolders('runner'))
      expect(listed, `runner/${folder}/`).toContain(`runner/${folder}/`);
  });

  it('lists docs/ and testkit/ where they exist', () => {
    const listed = layoutNames();
    for (const folder of ['docs', 'testkit']) {
      if (existsSync(path.join(REPO_ROOT, folder))) expect(listed).toContain(`${folder}/`);
    }
  });
});
