/**
 * What Chromium may see of the worker's environment. Chromium renders meeting content from the
 * network, so it gets only what it needs to run (paths, locale, time zone, fonts): never the worker's
 * Zoom secrets, Redis URL, API or job keys (issue 14: a compromised renderer reads nothing of value
 * from its process environment).
 */
const PASSED = new Set([
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'FONTCONFIG_PATH',
  'FONTCONFIG_FILE',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_RUNTIME_DIR',
]);

export function chromiumEnvironment(source: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (PASSED.has(name) || name.startsWith('LC_')) env[name] = value;
  }
  return env;
}
