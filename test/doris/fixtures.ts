/**
 * Plain StatefulSets shaped like the official doris-operator's: the images' entrypoints with
 * `$(ENV_FE_ADDR)`, ENV_FE_ADDR pointing at the FE Service, ELECT_NUMBER, the ConfigMap at /etc/doris
 * (holding the JDK options the start scripts need, as the official chart's confs do), the BE's
 * privileged `default-init` container raising vm.max_map_count (apache/doris-operator
 * pkg/common/utils/resource/pod.go `constructBeDefaultInitContainer`), claims for doris-meta and
 * storage, and headless Services for the FQDNs.
 */
import { builtin, collectionPath, type ResourceType } from '../../src/kube/resources.ts';
import type { RestClient } from '../../src/kube/rest.ts';

const CLUSTER_LABEL = 'app.doris.ownerreference/name';

export interface DorisFixture {
  readonly feReplicas: number;
  readonly beReplicas: number;
  /** @default 3 */
  readonly electNumber?: number;
  /** @default 'RollingUpdate' */
  readonly feUpdateStrategy?: 'RollingUpdate' | 'OnDelete';
  /** @default '2.1.7' */
  readonly version?: string;
}

const labels = (component: string) => ({
  [CLUSTER_LABEL]: 'doris',
  'app.kubernetes.io/component': component,
});

const downwardEnv = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
  { name: 'CONFIGMAP_MOUNT_PATH', value: '/etc/doris' },
  { name: 'USER', value: 'root' },
  { name: 'DORIS_ROOT', value: '/opt/apache-doris' },
];

function service(name: string, component: string, port: number, headless: boolean): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: labels(component) },
    spec: {
      ...(headless ? { clusterIP: 'None', publishNotReadyAddresses: true } : {}),
      selector: labels(component),
      ports: [{ name: 'port', port, targetPort: port }],
    },
  };
}

function statefulSet(component: 'fe' | 'be', replicas: number, f: DorisFixture): object {
  const fe = component === 'fe';
  const dataDir = fe ? '/opt/apache-doris/fe/doris-meta' : '/opt/apache-doris/be/storage';
  const claim = fe ? 'fe-meta' : 'be-storage';
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: `doris-${component}`, labels: labels(component) },
    spec: {
      replicas,
      serviceName: `doris-${component}-internal`,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: fe ? (f.feUpdateStrategy ?? 'RollingUpdate') : 'RollingUpdate' },
      selector: { matchLabels: labels(component) },
      template: {
        metadata: { labels: labels(component) },
        spec: {
          ...(fe
            ? {}
            : {
                initContainers: [
                  {
                    name: 'default-init',
                    image: `apache/doris:be-${f.version ?? '2.1.7'}`,
                    command: ['/bin/sh'],
                    args: ['-c', 'sysctl -w vm.max_map_count=2000000 && swapoff -a'],
                    securityContext: { privileged: true },
                  },
                ],
              }),
          containers: [
            {
              name: component,
              image: `apache/doris:${component}-${f.version ?? '2.1.7'}`,
              // The official operator runs the script directly; on nodes whose runtime starts
              // containers at 1024 open files (containerd 2) start_be.sh would stop, so the BE here
              // raises its limit first, as an administrator there must.
              command: fe
                ? ['/opt/apache-doris/fe_entrypoint.sh']
                : [
                    '/bin/bash',
                    '-c',
                    'ulimit -n "$(ulimit -Hn)"; exec /opt/apache-doris/be_entrypoint.sh "$@"',
                    'be_entrypoint.sh',
                  ],
              args: ['$(ENV_FE_ADDR)'],
              env: [
                { name: 'ENV_FE_ADDR', value: 'doris-fe-service' },
                { name: 'FE_QUERY_PORT', value: '9030' },
                ...(fe ? [{ name: 'ELECT_NUMBER', value: String(f.electNumber ?? 3) }] : []),
                ...downwardEnv,
              ],
              resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '16Gi' } },
              volumeMounts: [
                { name: 'conf', mountPath: '/etc/doris' },
                { name: claim, mountPath: dataDir },
              ],
            },
          ],
          volumes: [{ name: 'conf', configMap: { name: `doris-${component}-conf` } }],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: claim },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
}

export function dorisObjects(f: DorisFixture): { type: ResourceType; body: object }[] {
  const confMap = (component: string, text: string) => ({
    type: builtin.ConfigMap,
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `doris-${component}-conf` },
      data: { [`${component}.conf`]: text },
    },
  });
  return [
    confMap(
      'fe',
      'JAVA_OPTS_FOR_JDK_17 = "-Xmx8192m -Xms8192m -XX:+UseG1GC"\n' +
        'http_port = 8030\nrpc_port = 9020\nquery_port = 9030\nedit_log_port = 9010\nenable_fqdn_mode = true\n',
    ),
    confMap('be', 'be_port = 9060\nwebserver_port = 8040\nheartbeat_service_port = 9050\nbrpc_port = 8060\n'),
    { type: builtin.Service, body: service('doris-fe-service', 'fe', 9030, false) },
    { type: builtin.Service, body: service('doris-fe-internal', 'fe', 9030, true) },
    { type: builtin.Service, body: service('doris-be-internal', 'be', 9050, true) },
    { type: builtin.StatefulSet, body: statefulSet('fe', f.feReplicas, f) },
    ...(f.beReplicas > 0 ? [{ type: builtin.StatefulSet, body: statefulSet('be', f.beReplicas, f) }] : []),
  ];
}

export async function createDoris(client: RestClient, ns: string, f: DorisFixture): Promise<void> {
  for (const o of dorisObjects(f))
    await client.request({ method: 'POST', path: collectionPath(o.type, ns), body: o.body });
}

export const fqdn = (pod: string, ns: string, component: 'fe' | 'be' = 'fe'): string =>
  `${pod}.doris-${component}-internal.${ns}.svc.cluster.local`;
