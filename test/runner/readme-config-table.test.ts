import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_TABLE } from '../../runner/config/config-table.js';

function readmeRows(): Map<string, string> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rows = new Map<string, string>();
  for (const match of readme.matchAll(/^\| `([A-Z0-9_]+)`\s*\|([^|]+)\|/gm)) {
    rows.set(match[1] ?? '', (match[2] ?? '').trim());
  }
  return rows;
}

describe('README configuration table', () => {
  it('lists exactly the variables of the config schema, with their defaults', () => {
    const rows = readmeRows();
    expect([...rows.keys()].sort()).toEqual(Object.keys(CONFIG_TABLE).sort());
    for (const [name, variable] of Object.entries(CONFIG_TABLE)) {
      const fallback = (variable as { default?: string }).default;
      const expected = fallback === undefined ? '—' : fallback === '' ? '(empty)' : `\`${fallback}\``;
      expect(rows.get(name), name).toBe(expected);
    }
  });
});
