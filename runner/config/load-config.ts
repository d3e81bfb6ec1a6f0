import { ConfigError } from './config-error.js';
import { CONFIG_TABLE, CONFIG_VARIABLES, type Config, type ConfigVariable } from './config-table.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment once into a frozen, typed config. Fails fast on the first bad variable with a
 * message naming it. An empty string counts as unset (compose files often write `VAR=`).
 */
export function loadConfig(env: Env): Config {
  const config: Record<string, unknown> = {};
  for (const name of CONFIG_VARIABLES) {
    const entry = CONFIG_TABLE[name] as (typeof CONFIG_TABLE)[ConfigVariable] & {
      default?: string;
      secret?: boolean;
    };
    const raw = env[name];
    const given = raw !== undefined && raw.trim() !== '' ? raw.trim() : undefined;
    const value = given ?? entry.default;
    if (value === undefined) continue;
    const parsed = entry.schema.safeParse(value);
    if (!parsed.success) {
      const message = parsed.error.issues[0]?.message ?? 'invalid value';
      const shown = entry.secret === true ? '' : ` (got ${JSON.stringify(value.slice(0, 80))})`;
      throw new ConfigError(`${name} ${message}${shown}`, name);
    }
    config[name] = parsed.data;
  }
  return Object.freeze(config) as Config;
}
