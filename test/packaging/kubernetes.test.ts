import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET_VARIABLES } from '../../runner/config/config-table.js';
import { QUEUE_DEPTH_STATES } from '../../runner/metrics/queue-depth-reporter.js';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import {
  effectiveSetting,
  isConfigVariable,
  KUBERNETES_DIR,
  type KubeObject,
  loadKubernetes,
  REPO_ROOT,
  readRepoFile,
} from './packaging-files.js';

const manifests = loadKubernetes();
const objects = manifests.map((m) => m.object);
const ofKind = (kind: string): KubeObject[] => objects.filter((o) => o.kind === kind);

// biome-ignore lint/suspicious/noExplicitAny: container specs are free-form YAML.
type Container = any;
const containersOf = (deployment: KubeObject): Container[] =>
  deployment.spec?.template?.spec?.containers ?? [];
const commandOf = (container: Container): string[] => [
  ...(container.command ?? []),
  ...(container.args ?? []),
];

function deploymentRunning(command: string): { deployment: KubeObject; container: Container } {
  for (const deployment of ofKind('Deployment')) {
    const container = containersOf(deployment).find((c) => commandOf(c)[0] === command);
    if (container) return { deployment, container };
  }
  throw new Error(`no Deployment runs \`${command}\``);
}

const configMaps = new Map(ofKind('ConfigMap').map((c) => [c.metadata.name, c.data ?? {}]));

/** The environment a container starts with: its ConfigMaps (envFrom), then its own `env` values. */
function environmentOf(container: Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const data = source.configMapRef ? configMaps.get(source.configMapRef.name) : undefined;
    for (const [name, value] of Object.entries(data ?? {})) env.set(name, String(value));
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env.set(entry.name, String(entry.value));
  }
  return env;
}

/** Resolves a probe's named port to the container port number. */
function probePort(container: Container, port: string | number): number {
  if (typeof port === 'number') return port;
  const named = (container.ports ?? []).find((p: { name?: string }) => p.name === port);
  if (!named) throw new Error(`probe port ${port} is not a named container port`);
  return named.containerPort;
}

/** Metric names this runner really registers (prom-client's default process metrics aside). */
const EXPORTED_METRICS = new Set(
  new RunnerMetrics().registry.getMetricsAsArray().map((metric) => (metric as { name: string }).name),
);

describe('deploy/kubernetes: manifests', () => {
  it('parse, and kustomization.yaml lists files that exist', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const { file, object } of manifests) {
      expect(object.apiVersion, file).toBeTruthy();
      expect(object.kind, file).toBeTruthy();
    }
    const kustomization = ofKind('Kustomization')[0] as unknown as { resources: string[] };
    expect(kustomization.resources.length).toBeGreaterThan(0);
    for (const resource of kustomization.resources) {
      expect(existsSync(path.join(REPO_ROOT, KUBERNETES_DIR, resource)), resource).toBe(true);
    }
  });

  it('ship no Secret: secrets come from a Secret the operator creates', () => {
    expect(ofKind('Secret')).toEqual([]);
    for (const deployment of ofKind('Deployment')) {
      for (const container of containersOf(deployment)) {
        expect(
          (container.envFrom ?? []).some((s: { secretRef?: unknown }) => s.secretRef),
          deployment.metadata.name,
        ).toBe(true);
        for (const entry of container.env ?? []) {
          // A secret set inline (`value:`) would be a secret in the repository.
          if ((SECRET_VARIABLES as string[]).includes(entry.name))
            expect(entry.value, entry.name).toBeUndefined();
        }
      }
    }
    for (const [name, data] of configMaps) {
      for (const key of Object.keys(data))
        expect((SECRET_VARIABLES as string[]).includes(key), `${name}: ${key}`).toBe(false);
    }
  });

  it('set only variables the runner reads, and the README creates the Secret with real names', () => {
    for (const [name, data] of configMaps) {
      for (const key of Object.keys(data)) expect(isConfigVariable(key), `${name}: ${key}`).toBe(true);
    }
    for (const deployment of ofKind('Deployment')) {
      for (const container of containersOf(deployment)) {
        for (const entry of container.env ?? []) {
          expect(isConfigVariable(entry.name), `${deployment.metadata.name}: ${entry.name}`).toBe(true);
        }
      }
    }
    const readme = readRepoFile(`${KUBERNETES_DIR}/README.md`);
    const secretKeys = [...readme.matchAll(/--from-literal=([A-Za-z0-9_]+)=/g)].map((m) => m[1] ?? '');
    expect(secretKeys).toEqual(
      expect.arrayContaining(['ZOOM_CLIENT_SECRET', 'JOB_ENCRYPTION_KEY', 'API_KEYS']),
    );
    for (const key of secretKeys) expect(isConfigVariable(key), key).toBe(true);
  });

  it('run every container as a non-root user without privilege escalation', () => {
    for (const deployment of ofKind('Deployment')) {
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot, deployment.metadata.name).toBe(true);
      expect(pod.securityContext?.runAsUser, deployment.metadata.name).not.toBe(0);
      for (const container of containersOf(deployment)) {
        expect(container.securityContext?.allowPrivilegeEscalation, container.name).toBe(false);
      }
    }
  });
});

describe('deploy/kubernetes: worker Deployment', () => {
  const { deployment, container } = deploymentRunning('worker');
  const env = environmentOf(container);
  const apiPort = Number(effectiveSetting(env, 'API_PORT'));

  it('is ready on /readyz and alive on /livez, on API_PORT', () => {
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(probePort(container, container.readinessProbe.httpGet.port)).toBe(apiPort);
    expect(container.livenessProbe?.httpGet?.path).toBe('/livez');
    expect(probePort(container, container.livenessProbe.httpGet.port)).toBe(apiPort);
  });

  it('gives a handoff all of SHUTDOWN_GRACE_SEC before the kubelet kills it', () => {
    expect(effectiveSetting(env, 'SHUTDOWN_MODE')).toBe('handoff');
    const graceSec = Number(effectiveSetting(env, 'SHUTDOWN_GRACE_SEC'));
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(graceSec);
  });

  it('replaces pods only once the new one is ready (bots handed off have somewhere to go)', () => {
    expect(deployment.spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });

  it('mounts a memory-backed /dev/shm and bounds its memory', () => {
    const mount = (container.volumeMounts ?? []).find(
      (m: { mountPath: string }) => m.mountPath === '/dev/shm',
    );
    expect(mount).toBeDefined();
    const volume = deployment.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(volume?.emptyDir?.medium).toBe('Memory');
    expect(container.resources?.limits?.memory).toBeDefined();
    expect(container.resources?.requests?.memory).toBeDefined();
  });
});

describe('deploy/kubernetes: api', () => {
  it('has a Service in front of the api pods on their HTTP port', () => {
    const { deployment, container } = deploymentRunning('api');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    const service = ofKind('Service').find((s) =>
      Object.entries(s.spec.selector as Record<string, string>).every(([k, v]) => labels[k] === v),
    );
    expect(service).toBeDefined();
    const target = service?.spec.ports[0].targetPort;
    expect(probePort(container, target)).toBe(Number(effectiveSetting(environmentOf(container), 'API_PORT')));
  });
});

describe('deploy/kubernetes: autoscaling on queue depth', () => {
  const worker = deploymentRunning('worker').deployment;
  const scaledObjects = ofKind('ScaledObject');
  const hpas = ofKind('HorizontalPodAutoscaler');

  it('has a KEDA ScaledObject and an HPA alternative, both scaling the worker Deployment', () => {
    expect(scaledObjects).toHaveLength(1);
    expect(hpas).toHaveLength(1);
    for (const scaler of [...scaledObjects, ...hpas]) {
      expect(scaler.spec.scaleTargetRef.name, scaler.kind).toBe(worker.metadata.name);
      expect(scaler.spec.scaleTargetRef.kind ?? 'Deployment', scaler.kind).toBe('Deployment');
    }
  });

  it('KEDA queries a metric the runner exports, for queue states it reports', () => {
    const trigger = scaledObjects[0]?.spec.triggers.find((t: { type: string }) => t.type === 'prometheus');
    const query: string = trigger?.metadata.query ?? '';
    const metrics = [...query.matchAll(/\b(zbr_[a-z_]+)\b/g)].map((m) => m[1] ?? '');
    expect(metrics).toEqual(['zbr_queue_jobs']);
    for (const metric of metrics) expect(EXPORTED_METRICS.has(metric), metric).toBe(true);
    const states = /state=~"([^"]+)"/.exec(query)?.[1]?.split('|') ?? [];
    expect(states).toEqual(expect.arrayContaining(['active', 'prioritized']));
    for (const state of states) expect(QUEUE_DEPTH_STATES as readonly string[]).toContain(state);
    expect(Number(trigger?.metadata.threshold)).toBeGreaterThan(0);
    // One worker must run: the lease holder is who exports the queue depth.
    expect(scaledObjects[0]?.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
  });

  it('the HPA reads the same metric as an External metric filtered by state', () => {
    const external = hpas[0]?.spec.metrics.find((m: { type: string }) => m.type === 'External')?.external;
    expect(EXPORTED_METRICS.has(external?.metric.name)).toBe(true);
    const stateFilter = external?.metric.selector.matchExpressions.find(
      (e: { key: string }) => e.key === 'state',
    );
    expect(stateFilter?.values).toEqual(expect.arrayContaining(['active', 'prioritized']));
    for (const state of stateFilter?.values ?? [])
      expect(QUEUE_DEPTH_STATES as readonly string[]).toContain(state);
    expect(external?.target.type).toBe('AverageValue');
    expect(hpas[0]?.spec.minReplicas).toBeGreaterThanOrEqual(1);
  });

  it('keeps the scalers out of `kubectl apply -k` (apply one of them, not both)', () => {
    const kustomization = ofKind('Kustomization')[0] as unknown as { resources: string[] };
    for (const { file, object } of manifests) {
      if (object.kind !== 'ScaledObject' && object.kind !== 'HorizontalPodAutoscaler') continue;
      expect(kustomization.resources).not.toContain(path.posix.relative(KUBERNETES_DIR, file));
    }
  });
});
