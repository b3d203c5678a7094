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

test('BE and CN prepare their node in a privileged init container and raise their open files limit; turned off, SKIP_CHECK_ULIMIT', () => {
  const spec = withDefaults({ ...base, cn: { replicas: 1 } });
  for (const c of ['be', 'cn'] as const) {
    const pod = buildStatefulSet(ref, spec, c, 1).spec.template.spec;
    const [init] = pod.initContainers;
    assert.equal(init.name, 'prepare-host');
    assert.equal(init.image, 'apache/doris:be-2.1.7', 'the component image');
    assert.equal(init.securityContext.privileged, true);
    assert.match(
      init.command.join(' '),
      /-lt 2000000 \]; then echo 2000000 > \/proc\/sys\/vm\/max_map_count/,
    );
    assert.deepEqual(pod.containers[0].command.slice(0, 2), ['/bin/bash', '-c']);
    assert.match(
      pod.containers[0].command[2],
      /^ulimit -n "\$\(ulimit -Hn\)" 2>\/dev\/null; exec \/opt\/apache-doris\/be_entrypoint.sh "\$@"$/,
    );
    assert.deepEqual(pod.containers[0].args, ['$(ENV_FE_ADDR)']);
    assert.equal(
      pod.containers[0].env.find((e: { name: string }) => e.name === 'SKIP_CHECK_ULIMIT'),
      undefined,
    );
  }
  const fePod = buildStatefulSet(ref, spec, 'fe', 3).spec.template.spec;
  assert.equal(fePod.initContainers, undefined, 'the FE needs no host preparation');
  const off = withDefaults({
    ...base,
    be: {
      replicas: 3,
      hostPreparation: { enabled: false },
      pod: { initContainers: [{ name: 'mine', image: 'x' }] },
    },
  });
  const pod = buildStatefulSet(ref, off, 'be', 3).spec.template.spec;
  assert.deepEqual(
    pod.initContainers.map((i: { name: string }) => i.name),
    ['mine'],
  );
  assert.equal(
    pod.containers[0].env.find((e: { name: string }) => e.name === 'SKIP_CHECK_ULIMIT')?.value,
    'true',
  );
  const own = withDefaults({ ...base, be: { replicas: 3, hostPreparation: { image: 'busybox:1.36' } } });
  assert.equal(
    buildStatefulSet(ref, own, 'be', 3).spec.template.spec.initContainers[0].image,
    'busybox:1.36',
  );
});

test('fe.conf and be.conf are whole files: the image keys of the release line, the heap from the container, user keys win', () => {
  const line = (version: string, c: 'fe' | 'be', extra: object = {}) =>
    configFiles(withDefaults({ ...base, version, ...extra }), c)[c === 'fe' ? 'fe.conf' : 'be.conf'] ?? '';
  for (const v of ['2.0.15', '2.1.8', '3.0.3']) {
    const fe = line(v, 'fe');
    for (const k of [
      'CUR_DATE',
      'LOG_DIR',
      'JAVA_OPTS',
      'JAVA_OPTS_FOR_JDK_9',
      'JAVA_OPTS_FOR_JDK_17',
      'sys_log_level',
    ])
      assert.match(fe, new RegExp(`^${k} = `, 'm'), `${v}: ${k}`);
    assert.match(fe, /^JAVA_OPTS_FOR_JDK_17 = ".*-Xmx8192m -Xms8192m/m, 'no memory given: the image heap');
    assert.ok(
      fe.indexOf('CUR_DATE') < fe.indexOf('LOG_DIR') && fe.indexOf('LOG_DIR') < fe.indexOf('JAVA_OPTS'),
      'image order',
    );
    assert.match(line(v, 'be'), /^JAVA_OPTS_FOR_JDK_17 = "/m);
  }
  assert.match(line('3.0.3', 'fe'), /^sys_log_mode = ASYNC$/m);
  assert.match(line('2.1.8', 'fe'), /^sys_log_mode = NORMAL$/m);
  assert.doesNotMatch(line('2.0.15', 'fe'), /arrow_flight_sql_port/);
  const sized = line('2.1.8', 'fe', { fe: { replicas: 3, resources: { limits: { memory: '16Gi' } } } });
  assert.match(sized, /^JAVA_OPTS_FOR_JDK_17 = ".*-Xmx12288m -Xms12288m/m, '75% of 16Gi');
  assert.match(sized, /^JAVA_OPTS = ".*-Xmx12288m /m);
  const mine = line('2.1.8', 'fe', {
    fe: { replicas: 3, config: { JAVA_OPTS_FOR_JDK_17: '"-Xmx4g"', qe_max_connection: '2048' } },
  });
  assert.match(mine, /^JAVA_OPTS_FOR_JDK_17 = "-Xmx4g"$/m);
  assert.equal(mine.match(/^JAVA_OPTS_FOR_JDK_17/gm)?.length, 1, 'written once');
  assert.match(mine, /^qe_max_connection = 2048$/m);
});
