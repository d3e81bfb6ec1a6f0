import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_TABLE, type ConfigVariable } from '../../runner/config/config-table.js';

/** Reads the packaging files as a deployer's tools would: no Docker engine or cluster needed. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}

// ---- Dockerfile ---------------------------------------------------------------------------------

export interface DockerInstruction {
  keyword: string;
  args: string;
}

export interface DockerStage {
  image: string;
  name: string | undefined;
  instructions: DockerInstruction[];
}

/** Splits a Dockerfile into stages of instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): DockerStage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** The JSON (exec) form of an instruction's arguments, after any `--flag=value` options. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

// ---- docker-compose.yml -------------------------------------------------------------------------

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  deploy?: { replicas?: number };
  shm_size?: string | number;
  stop_grace_period?: string;
  healthcheck?: { test?: string[] | string };
  ports?: (string | { target?: number; published?: number | string })[];
  volumes?: (string | Record<string, unknown>)[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function loadCompose(): ComposeFile {
  // `merge`: Compose files share settings through YAML anchors and `<<` merge keys.
  return parse(readRepoFile('docker-compose.yml'), { merge: true }) as ComposeFile;
}

/** A service's environment as name → value, from either of Compose's two forms. */
export function composeEnvironment(service: ComposeService): Map<string, string> {
  const env = new Map<string, string>();
  const given = service.environment ?? {};
  if (Array.isArray(given)) {
    for (const entry of given) {
      const eq = entry.indexOf('=');
      env.set(eq === -1 ? entry : entry.slice(0, eq), eq === -1 ? '' : entry.slice(eq + 1));
    }
  } else {
    for (const [name, value] of Object.entries(given)) env.set(name, value === null ? '' : String(value));
  }
  return env;
}

/** Compose interpolations outside comments: `${NAME}`, `${NAME:-default}`, `${NAME:?message}`… */
export function interpolatedNames(text: string): string[] {
  const code = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  return [...code.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '');
}

/**
 * A Compose duration (`45s`, `1m30s`, `1h`, `500ms`) in seconds; a bare number is seconds.
 * Throws on anything else, so a typo fails the test instead of reading as zero.
 */
export function composeDurationSec(value: string | number): number {
  if (typeof value === 'number') return value;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) {
    throw new Error(`not a Compose duration: ${JSON.stringify(value)}`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? ''] ?? Number.NaN), 0);
}

// ---- Kubernetes ---------------------------------------------------------------------------------

export const KUBERNETES_DIR = 'deploy/kubernetes';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form; each test checks the paths it reads.
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface KubeManifest {
  file: string;
  object: KubeObject;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(relative);
    return /\.ya?ml$/.test(entry.name) ? [relative] : [];
  });
}

/** Every object of every manifest under deploy/kubernetes (kustomization.yaml included). */
export function loadKubernetes(): KubeManifest[] {
  return yamlFiles(KUBERNETES_DIR).flatMap((file) =>
    parseAllDocuments(readRepoFile(file)).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      return { file, object: doc.toJS() as KubeObject };
    }),
  );
}

// ---- configuration ------------------------------------------------------------------------------

export function isConfigVariable(name: string): name is ConfigVariable {
  return Object.hasOwn(CONFIG_TABLE, name);
}

/** The value a process would run with: the one given, else the config table's default. */
export function effectiveSetting(given: ReadonlyMap<string, string>, name: ConfigVariable): string {
  const value = given.get(name);
  if (value !== undefined && value.trim() !== '') return value;
  const fallback = (CONFIG_TABLE[name] as { default?: string }).default;
  if (fallback === undefined) throw new Error(`${name} is neither set nor defaulted`);
  return fallback;
}
