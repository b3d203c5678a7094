import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDefaults } from '../api/v1alpha1/index.ts';
import { configFiles, configHash } from './conf.ts';
import { buildFeService, buildStatefulSet, buildSupportObjects, type ClusterRef } from './desired.ts';

const ref: ClusterRef = {
  name: 'doris',
  namespace: 'prod',
  uid: 'u1',
  apiVersion: 'doris.cloudnative.dev/v1alpha1',
  kind: 'DorisCluster',
};
const base = { version: '2.1.7', fe: { replicas: 3 }, be: { replicas: 3 } };

test('a StatefulSet follows the official entrypoints, with claims and OnDelete restarts', () => {
  const spec = withDefaults({ ...base, authSecretRef: { name: 'doris-auth' } });
  const sts = buildStatefulSet(ref, spec, 'fe', 3);
  const pod = sts.spec.template.spec;
  const main = pod.containers[0];
  assert.equal(sts.spec.updateStrategy.type, 'OnDelete');
  assert.equal(sts.spec.serviceName, 'doris-fe-internal');
  assert.deepEqual(main.command, ['/opt/apache-doris/fe_entrypoint.sh']);
  assert.deepEqual(main.args, ['$(ENV_FE_ADDR)']);
  const env = Object.fromEntries(main.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
  assert.equal(env.ENV_FE_ADDR, 'doris-fe-internal.prod.svc.cluster.local');
  assert.equal(env.ELECT_NUMBER, '3');
  assert.equal(env.PASSWD, undefined, 'no password in env (S7)');
  assert.ok(main.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/etc/basic_auth'));
  assert.deepEqual(
    sts.spec.volumeClaimTemplates.map((c: { metadata: { name: string } }) => c.metadata.name),
    ['meta'],
  );
  assert.deepEqual(
    sts.spec.persistentVolumeClaimRetentionPolicy,
    { whenScaled: 'Retain', whenDeleted: 'Retain' },
    'data retained by default (S5)',
  );
  assert.equal(main.readinessProbe.httpGet.path, '/api/health');
  assert.equal(pod.topologySpreadConstraints[0].topologyKey, 'topology.kubernetes.io/zone');
  assert.equal(sts.metadata.ownerReferences?.[0]?.controller, true);
});

test('BE data directories become claims and storage_root_path; emptyDir only when asked', () => {
  const spec = withDefaults({
    ...base,
    be: {
      replicas: 3,
      storage: {
        dataDirs: [
          { name: 'storage', size: '200Gi' },
          { name: 'ssd', size: '50Gi', medium: 'SSD' },
        ],
        logs: { type: 'EmptyDir', size: '5Gi' },
        retentionPolicy: { whenScaled: 'Delete' },
      },
    },
  });
  const sts = buildStatefulSet(ref, spec, 'be', 3);
  assert.deepEqual(
    sts.spec.volumeClaimTemplates.map((c: { metadata: { name: string } }) => c.metadata.name),
    ['data-storage', 'data-ssd'],
  );
  assert.ok(
    sts.spec.template.spec.volumes.some(
      (v: { name: string; emptyDir?: object }) => v.name === 'log' && v.emptyDir,
    ),
  );
  assert.equal(sts.spec.persistentVolumeClaimRetentionPolicy.whenScaled, 'Delete');
  const conf = configFiles(spec, 'be')['be.conf'] ?? '';
  assert.match(
    conf,
    /storage_root_path = \/opt\/apache-doris\/be\/storage;\/opt\/apache-doris\/be\/ssd,medium:SSD/,
  );
  assert.match(conf, /heartbeat_service_port = 9050/);
});

test('the CR labels and annotations never reach pods; pod and inherited metadata do', () => {
  const spec = withDefaults({
    ...base,
    inheritedMetadata: { labels: { team: 'data' } },
    fe: { replicas: 3, pod: { annotations: { 'prometheus.io/scrape': 'true' } } },
  });
  const tpl = buildStatefulSet(ref, spec, 'fe', 3).spec.template;
  assert.equal(tpl.metadata.labels.team, 'data');
  assert.equal(tpl.metadata.annotations['prometheus.io/scrape'], 'true');
  assert.equal(tpl.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  assert.deepEqual(Object.keys(tpl.metadata.annotations).sort(), [
    'doris.cloudnative.dev/config-hash',
    'doris.cloudnative.dev/pod-template-hash',
    'prometheus.io/scrape',
  ]);
});

const templateHash = (spec: ReturnType<typeof withDefaults>, c: 'fe' | 'be', r: ClusterRef = ref) =>
  buildStatefulSet(r, spec, c, 3).spec.template.metadata.annotations[
    'doris.cloudnative.dev/pod-template-hash'
  ];

test('any change to a pod template (not only image and config) changes its hash, and only that component', () => {
  const a = withDefaults(base);
  assert.equal(templateHash(a, 'be'), templateHash(withDefaults(base), 'be'), 'deterministic');
  const changes: Record<string, object> = {
    resources: { be: { replicas: 3, resources: { limits: { cpu: '8', memory: '32Gi' } } } },
    env: { be: { replicas: 3, pod: { env: [{ name: 'TZ', value: 'UTC' }] } } },
    tolerations: { be: { replicas: 3, pod: { tolerations: [{ key: 'k', operator: 'Exists' }] } } },
    affinity: { be: { replicas: 3, pod: { affinity: { nodeAffinity: {} } } } },
    sidecars: { be: { replicas: 3, pod: { sidecars: [{ name: 'log', image: 'busybox' }] } } },
    probes: { be: { replicas: 3, probes: { startTimeoutSeconds: 900 } } },
  };
  for (const [what, change] of Object.entries(changes)) {
    const b = withDefaults({ ...base, ...change });
    assert.notEqual(templateHash(a, 'be'), templateHash(b, 'be'), what);
    assert.equal(templateHash(a, 'fe'), templateHash(b, 'fe'), `${what} leaves the FE alone`);
  }
  const restarted = { ...ref, restartedAt: '2026-12-07T21:00:00Z' };
  assert.notEqual(
    templateHash(a, 'fe'),
    templateHash(a, 'fe', restarted),
    'restartedAt rolls every component',
  );
  assert.equal(
    buildStatefulSet(restarted, a, 'be', 3).spec.template.metadata.annotations[
      'doris.cloudnative.dev/restartedAt'
    ],
    '2026-12-07T21:00:00Z',
  );
});

test('ENV_FE_ADDR names the FE Service under the cluster domain', () => {
  const spec = withDefaults(base);
  const envOf = (r: ClusterRef) =>
    buildStatefulSet(r, spec, 'be', 3).spec.template.spec.containers[0].env.find(
      (e: { name: string }) => e.name === 'ENV_FE_ADDR',
    )?.value;
  assert.equal(envOf(ref), `doris-fe-internal.${ref.namespace}.svc.cluster.local`);
  assert.equal(
    envOf({ ...ref, clusterDomain: 'example.local' }),
    `doris-fe-internal.${ref.namespace}.svc.example.local`,
  );
});

test('probe timings follow spec.<component>.probes; the defaults are the former fixed ones', () => {
  const main = (spec: ReturnType<typeof withDefaults>, c: 'fe' | 'be') =>
    buildStatefulSet(ref, spec, c, 3).spec.template.spec.containers[0];
  const d = main(withDefaults(base), 'fe');
  assert.equal(d.startupProbe.failureThreshold * d.startupProbe.periodSeconds, 360);
  assert.equal(d.livenessProbe.failureThreshold * d.livenessProbe.periodSeconds, 15);
  assert.equal(main(withDefaults(base), 'be').startupProbe.failureThreshold * 5, 300);
  const big = main(
    withDefaults({
      ...base,
      fe: { replicas: 3, probes: { startTimeoutSeconds: 3600, liveTimeoutSeconds: 60 } },
    }),
    'fe',
  );
  assert.equal(big.startupProbe.failureThreshold * big.startupProbe.periodSeconds, 3600);
  assert.equal(big.livenessProbe.failureThreshold * big.livenessProbe.periodSeconds, 60);
  assert.deepEqual(big.startupProbe.tcpSocket, { port: 9030 });
});

test('a configuration change changes the pod template hash of that component only', () => {
  const a = withDefaults(base);
  const b = withDefaults({ ...base, be: { replicas: 3, config: { max_tablet_version_num: '2000' } } });
  assert.equal(configHash(configFiles(a, 'fe')), configHash(configFiles(b, 'fe')));
  assert.notEqual(configHash(configFiles(a, 'be')), configHash(configFiles(b, 'be')));
  const noRestart = withDefaults({
    ...base,
    rollout: { restartOnConfigChange: false },
    be: { replicas: 3, config: { x: '1' } },
  });
  assert.equal(
    buildStatefulSet(ref, noRestart, 'be', 3).spec.template.metadata.annotations[
      'doris.cloudnative.dev/config-hash'
    ],
    'restart-disabled',
  );
});

test('CN runs the BE image in the computation role; the FE service follows spec.fe.service', () => {
  const spec = withDefaults({
    ...base,
    cn: { replicas: 2 },
    fe: { replicas: 3, service: { type: 'NodePort', queryNodePort: 30930 } },
  });
  assert.equal(
    buildStatefulSet(ref, spec, 'cn', 2).spec.template.spec.containers[0].image,
    'apache/doris:be-2.1.7',
  );
  assert.match(configFiles(spec, 'cn')['be.conf'] ?? '', /be_node_role = computation/);
  const svc = buildFeService(ref, spec);
  assert.equal(svc.spec.type, 'NodePort');
  assert.equal(svc.spec.ports[0].nodePort, 30930);
  const kinds = buildSupportObjects(ref, spec).map((d) => `${d.object.kind}/${d.object.metadata.name}`);
  assert.ok(
    kinds.includes('Service/doris-fe-internal') &&
      kinds.includes('ConfigMap/doris-cn-config') &&
      kinds.includes('PodDisruptionBudget/doris-be'),
  );
});
