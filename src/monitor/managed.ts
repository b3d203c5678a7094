/**
 * The objects of a managed DorisMonitor, built from its spec (pure). Prometheus and Loki are
 * StatefulSets on a claim (deleted with them only when storageRetention says Delete, through the
 * StatefulSet's own claim retention), Grafana and the collector Deployments; every pod runs under
 * the restricted pod security profile. A change of a rendered configuration restarts the part
 * (its digest is a pod annotation), so what runs is always what the ConfigMap says.
 */
import { stringify } from 'yaml';
import type { ResolvedMonitorSpec } from '../api/v1alpha1/index.ts';
import type { Resources } from '../api/v1alpha1/resources.ts';
import { parseQuantity } from '../kube/quantity.ts';
import { builtin, type ResourceType } from '../kube/resources.ts';
import { digestOf } from '../runtime/apply.ts';
import type { KubeObject, OwnerReference } from '../runtime/object.ts';
import { alertRules } from './alerts.ts';
import { dashboardFiles } from './dashboards/index.ts';
import { collectorConfig, lokiConfig, lokiPaths } from './logs.ts';
import {
  bindingName,
  clusterRolesOf,
  monitorLabel,
  monitorNamespaceLabel,
  type Part,
  partLabels,
  partName,
  ports,
  serviceUrl,
} from './names.ts';
import { prometheusConfig, prometheusPaths } from './scrape.ts';
import { type WatchedCluster, watchedNamespaces } from './targets.ts';

export interface Desired {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

export interface ManagedInput {
  readonly name: string;
  readonly namespace: string;
  readonly owner: OwnerReference;
  readonly spec: ResolvedMonitorSpec;
  readonly clusters: readonly WatchedCluster[];
  readonly operatorMetrics?: string | undefined;
  readonly clusterDomain?: string;
  /** Prefix of the installation's monitoring ClusterRoles (names.ts). */
  readonly clusterRolePrefix?: string | undefined;
}

export const configDigestAnnotation = 'doris.cloudnative.dev/config-digest';
export const grafanaAdminSecretName = (monitor: string) => `${monitor}-grafana-admin`;

const restrictedPod = (uid: number) => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  fsGroup: uid,
  seccompProfile: { type: 'RuntimeDefault' },
});
const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

function resources(r: Resources | undefined, fallback: Resources): Resources {
  return r?.requests === undefined && r?.limits === undefined ? fallback : r;
}

/** storage.tsdb.retention.size: 90 % of the claim unless set (Prometheus units are powers of 2). */
export function retentionSize(spec: ResolvedMonitorSpec): string {
  const bytes = parseQuantity(spec.prometheus.retentionSize ?? spec.prometheus.storage.size) ?? 0;
  const share = spec.prometheus.retentionSize === undefined ? 0.9 : 1;
  return `${Math.max(1, Math.floor((bytes * share) / 2 ** 20))}MB`;
}

export function managedObjects(input: ManagedInput): Desired[] {
  const { spec } = input;
  const out: Desired[] = [...prometheusObjects(input)];
  if (spec.grafana.enabled) out.push(...grafanaObjects(input));
  if (spec.loki.enabled) out.push(...lokiObjects(input), ...collectorObjects(input));
  return out;
}

function meta(input: ManagedInput, part: Part, name = partName(input.name, part)) {
  return {
    name,
    namespace: input.namespace,
    labels: partLabels(input.name, part),
    ownerReferences: [input.owner],
  };
}

function configMap(input: ManagedInput, part: Part, name: string, data: Record<string, string>): Desired {
  return {
    type: builtin.ConfigMap,
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(input, part, name), data },
  };
}

function service(input: ManagedInput, part: Part, port: number, type: string): Desired {
  return {
    type: builtin.Service,
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(input, part),
      spec: {
        type,
        selector: selectorOf(input, part),
        ports: [{ name: 'http', port, targetPort: 'http' }],
      },
    },
  };
}

/** A ServiceAccount and, in every watched namespace, a RoleBinding to the installation's ClusterRole. */
function identity(input: ManagedInput, part: Part, clusterRole: string): Desired[] {
  const account = partName(input.name, part);
  const bindings = watchedNamespaces(input.clusters).map(
    (ns): Desired => ({
      type: builtin.RoleBinding,
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: {
          name: bindingName(input.namespace, input.name, part),
          namespace: ns,
          labels: { ...partLabels(input.name, part), [monitorNamespaceLabel]: input.namespace },
          ...(ns === input.namespace ? { ownerReferences: [input.owner] } : {}),
        },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ kind: 'ServiceAccount', name: account, namespace: input.namespace }],
      },
    }),
  );
  return [
    {
      type: builtin.ServiceAccount,
      object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(input, part) },
    },
    ...bindings,
  ];
}

function claimTemplate(size: string | number, storageClassName: string | undefined) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: String(size) } },
      ...(storageClassName ? { storageClassName } : {}),
    },
  };
}

/** The labels a part's pods are selected by (fixed at creation: selectors are immutable). */
const selectorOf = (input: ManagedInput, part: Part) => ({
  'app.kubernetes.io/name': part,
  [monitorLabel]: input.name,
});

/** One pod of `part`, restarted (new digest) whenever its rendered configuration changes. */
function podTemplate(input: ManagedInput, part: Part, digest: string, podSpec: object) {
  return {
    metadata: { labels: partLabels(input.name, part), annotations: { [configDigestAnnotation]: digest } },
    spec: podSpec,
  };
}

function statefulSet(
  input: ManagedInput,
  part: Part,
  digest: string,
  podSpec: object,
  claim: ReturnType<typeof claimTemplate>,
): Desired {
  const retained = input.spec.storageRetention === 'Delete' ? 'Delete' : 'Retain';
  return {
    type: builtin.StatefulSet,
    object: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta(input, part),
      spec: {
        replicas: 1,
        serviceName: partName(input.name, part),
        selector: { matchLabels: selectorOf(input, part) },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: retained, whenScaled: 'Retain' },
        template: podTemplate(input, part, digest, podSpec),
        volumeClaimTemplates: [claim],
      },
    },
  };
}

function deployment(input: ManagedInput, part: Part, digest: string, podSpec: object): Desired {
  return {
    type: builtin.Deployment,
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(input, part),
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorOf(input, part) },
        // One writer at a time (Grafana's SQLite, the collector's positions).
        strategy: { type: 'Recreate' },
        template: podTemplate(input, part, digest, podSpec),
      },
    },
  };
}

export function prometheusObjects(input: ManagedInput): Desired[] {
  const { spec } = input;
  const p = spec.prometheus;
  const configName = `${partName(input.name, 'prometheus')}-config`;
  const rulesName = `${partName(input.name, 'prometheus')}-rules`;
  const config = stringify(prometheusConfig(input));
  const rules = stringify({ groups: alertRules(spec.alerts) });
  const tokens = (p.remoteWrite ?? []).flatMap((w, i) =>
    w.bearerTokenSecretRef
      ? [
          {
            secret: {
              name: w.bearerTokenSecretRef.name,
              items: [{ key: w.bearerTokenSecretRef.key, path: `remote-write-${i}` }],
            },
          },
        ]
      : [],
  );
  const podSpec = {
    serviceAccountName: partName(input.name, 'prometheus'),
    securityContext: restrictedPod(65534),
    containers: [
      {
        name: 'prometheus',
        image: p.image,
        args: [
          `--config.file=${prometheusPaths.config}/prometheus.yml`,
          `--storage.tsdb.path=${prometheusPaths.data}`,
          `--storage.tsdb.retention.time=${p.retention}`,
          `--storage.tsdb.retention.size=${retentionSize(spec)}`,
          `--web.listen-address=:${ports.prometheus}`,
        ],
        ports: [{ name: 'http', containerPort: ports.prometheus }],
        readinessProbe: {
          httpGet: { path: '/-/ready', port: 'http' },
          periodSeconds: 5,
          failureThreshold: 3,
        },
        livenessProbe: {
          httpGet: { path: '/-/healthy', port: 'http' },
          periodSeconds: 10,
          failureThreshold: 6,
        },
        resources: resources(p.resources, {
          requests: { cpu: '250m', memory: '512Mi' },
          limits: { memory: '2Gi' },
        }),
        securityContext: restrictedContainer,
        volumeMounts: [
          { name: 'config', mountPath: prometheusPaths.config, readOnly: true },
          { name: 'rules', mountPath: prometheusPaths.rules, readOnly: true },
          { name: 'data', mountPath: prometheusPaths.data },
          ...(tokens.length > 0
            ? [{ name: 'secrets', mountPath: prometheusPaths.secrets, readOnly: true }]
            : []),
        ],
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: configName } },
      { name: 'rules', configMap: { name: rulesName } },
      ...(tokens.length > 0 ? [{ name: 'secrets', projected: { sources: tokens } }] : []),
    ],
  };
  return [
    ...identity(input, 'prometheus', clusterRolesOf(input.clusterRolePrefix).prometheus),
    configMap(input, 'prometheus', configName, { 'prometheus.yml': config }),
    configMap(input, 'prometheus', rulesName, { 'doris-alerts.yaml': rules }),
    statefulSet(
      input,
      'prometheus',
      digestOf({ config, rules, tokens }).slice(0, 16),
      podSpec,
      claimTemplate(p.storage.size, p.storage.storageClassName),
    ),
    service(input, 'prometheus', ports.prometheus, p.serviceType),
  ];
}

function grafanaObjects(input: ManagedInput): Desired[] {
  const { spec, namespace, name } = input;
  const g = spec.grafana;
  const domain = input.clusterDomain;
  const datasources = stringify({
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: 'prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: serviceUrl(namespace, name, 'prometheus', domain),
        isDefault: true,
        editable: false,
      },
      ...(spec.loki.enabled
        ? [
            {
              name: 'Loki',
              uid: 'loki',
              type: 'loki',
              access: 'proxy',
              url: serviceUrl(namespace, name, 'loki', domain),
              editable: false,
            },
          ]
        : []),
    ],
  });
  const providers = stringify({
    apiVersion: 1,
    providers: [
      {
        name: 'doris',
        folder: 'Doris',
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: '/var/lib/grafana-dashboards/doris' },
      },
    ],
  });
  const dashboards = dashboardFiles();
  const admin = g.adminSecretRef?.name ?? grafanaAdminSecretName(name);
  const base = partName(name, 'grafana');
  const podSpec = {
    securityContext: restrictedPod(472),
    automountServiceAccountToken: false,
    containers: [
      {
        name: 'grafana',
        image: g.image,
        env: [
          { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: admin, key: 'user' } } },
          {
            name: 'GF_SECURITY_ADMIN_PASSWORD',
            valueFrom: { secretKeyRef: { name: admin, key: 'password' } },
          },
          { name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' },
          { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
          { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
          { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
          {
            name: 'GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH',
            value: '/var/lib/grafana-dashboards/doris/doris-overview.json',
          },
        ],
        ports: [{ name: 'http', containerPort: ports.grafana }],
        readinessProbe: { httpGet: { path: '/api/health', port: 'http' }, periodSeconds: 10 },
        resources: resources(g.resources, {
          requests: { cpu: '100m', memory: '128Mi' },
          limits: { memory: '512Mi' },
        }),
        securityContext: restrictedContainer,
        volumeMounts: [
          { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources', readOnly: true },
          { name: 'providers', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true },
          { name: 'dashboards', mountPath: '/var/lib/grafana-dashboards/doris', readOnly: true },
          { name: 'data', mountPath: '/var/lib/grafana' },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [
      { name: 'datasources', configMap: { name: `${base}-datasources` } },
      { name: 'providers', configMap: { name: `${base}-providers` } },
      { name: 'dashboards', configMap: { name: `${base}-dashboards` } },
      // Dashboards and data sources are provisioned: nothing in Grafana's own database needs keeping.
      { name: 'data', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ],
  };
  return [
    configMap(input, 'grafana', `${base}-datasources`, { 'datasources.yaml': datasources }),
    configMap(input, 'grafana', `${base}-providers`, { 'dashboards.yaml': providers }),
    configMap(input, 'grafana', `${base}-dashboards`, dashboards),
    deployment(
      input,
      'grafana',
      digestOf({ datasources, providers, dashboards, admin }).slice(0, 16),
      podSpec,
    ),
    service(input, 'grafana', ports.grafana, g.serviceType),
  ];
}

function lokiObjects(input: ManagedInput): Desired[] {
  const l = input.spec.loki;
  const configName = `${partName(input.name, 'loki')}-config`;
  const config = stringify(lokiConfig(input.spec));
  const podSpec = {
    securityContext: restrictedPod(10001),
    automountServiceAccountToken: false,
    containers: [
      {
        name: 'loki',
        image: l.image,
        args: [`-config.file=${lokiPaths.config}/loki.yaml`, '-target=all'],
        ports: [{ name: 'http', containerPort: ports.loki }],
        readinessProbe: {
          httpGet: { path: '/ready', port: 'http' },
          periodSeconds: 10,
          initialDelaySeconds: 15,
        },
        resources: resources(l.resources, {
          requests: { cpu: '100m', memory: '256Mi' },
          limits: { memory: '1Gi' },
        }),
        securityContext: restrictedContainer,
        volumeMounts: [
          { name: 'config', mountPath: lokiPaths.config, readOnly: true },
          { name: 'data', mountPath: lokiPaths.data },
        ],
      },
    ],
    volumes: [{ name: 'config', configMap: { name: configName } }],
  };
  return [
    configMap(input, 'loki', configName, { 'loki.yaml': config }),
    statefulSet(
      input,
      'loki',
      digestOf(config).slice(0, 16),
      podSpec,
      claimTemplate(l.storage.size, l.storage.storageClassName),
    ),
    service(input, 'loki', ports.loki, l.serviceType),
  ];
}

function collectorObjects(input: ManagedInput): Desired[] {
  const c = input.spec.loki.collector;
  const configName = `${partName(input.name, 'log-collector')}-config`;
  const push = `${serviceUrl(input.namespace, input.name, 'loki', input.clusterDomain)}/loki/api/v1/push`;
  const config = collectorConfig(input.clusters, push);
  const podSpec = {
    serviceAccountName: partName(input.name, 'log-collector'),
    securityContext: restrictedPod(473),
    containers: [
      {
        name: 'alloy',
        image: c.image,
        args: [
          'run',
          '/etc/alloy/config.alloy',
          '--storage.path=/var/lib/alloy',
          `--server.http.listen-addr=0.0.0.0:${ports.collector}`,
          '--disable-reporting',
        ],
        ports: [{ name: 'http', containerPort: ports.collector }],
        readinessProbe: { httpGet: { path: '/-/ready', port: 'http' }, periodSeconds: 10 },
        resources: resources(c.resources, {
          requests: { cpu: '50m', memory: '128Mi' },
          limits: { memory: '512Mi' },
        }),
        securityContext: restrictedContainer,
        volumeMounts: [
          { name: 'config', mountPath: '/etc/alloy', readOnly: true },
          { name: 'data', mountPath: '/var/lib/alloy' },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: configName } },
      { name: 'data', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ],
  };
  return [
    ...identity(input, 'log-collector', clusterRolesOf(input.clusterRolePrefix).logCollector),
    configMap(input, 'log-collector', configName, { 'config.alloy': config }),
    deployment(input, 'log-collector', digestOf(config).slice(0, 16), podSpec),
  ];
}
