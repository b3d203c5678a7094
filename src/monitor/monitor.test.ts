import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { monitorSpecSchema } from '../api/v1alpha1/index.ts';
import type { KubeObject } from '../runtime/object.ts';
import { dashboards } from './dashboards/index.ts';
import { datasource } from './dashboards/kit.ts';
import { collectorConfig, lokiConfig, lokiDuration } from './logs.ts';
import { managedObjects, retentionSize } from './managed.ts';
import { memberRelabelling } from './scrape.ts';
import type { WatchedCluster } from './targets.ts';

const clusters: WatchedCluster[] = [
  { namespace: 'mon', name: 'doris', electionNumber: 3 },
  { namespace: 'other', name: 'x.y', electionNumber: 1 },
];
const owner = {
  apiVersion: 'doris.cloudnative.dev/v1alpha1',
  kind: 'DorisMonitor',
  name: 'm',
  uid: 'u1',
  controller: true,
};
const objects = (spec: object = {}) =>
  managedObjects({
    name: 'm',
    namespace: 'mon',
    owner,
    spec: monitorSpecSchema.parse({ clusterRefs: [{ name: 'doris' }], ...spec }),
    clusters,
  });

/** The object named `name` (of `kind`, when several share the name). */
function named(list: ReturnType<typeof objects>, name: string, kind?: string): KubeObject {
  const o = list.find(
    (d) => d.object.metadata.name === name && (kind === undefined || d.object.kind === kind),
  );
  assert.ok(o, `${kind ?? 'object'} ${name}`);
  return o.object;
}

test('relabelling keeps the watched clusters and marks the followers of each by its election number', () => {
  const rules = memberRelabelling(clusters) as {
    regex?: string;
    target_label?: string;
    replacement?: string;
  }[];
  assert.equal(rules[0]?.regex, '(mon;doris|other;x\\.y)');
  const followers = rules.filter((r) => r.replacement === 'follower').map((r) => r.regex);
  assert.deepEqual(followers, ['mon;doris;doris-fe-(0|1|2)', 'other;x\\.y;x\\.y-fe-(0)']);
  const re = new RegExp(`^${followers[0]}$`);
  assert.ok(re.test('mon;doris;doris-fe-2'));
  assert.ok(!re.test('mon;doris;doris-fe-3'), 'fe-3 is an observer');
  assert.ok(!re.test('mon;doris;doris-fe-12'));
  // The role the operator labels FE pods with (master included) comes last, so it wins.
  const last = rules.at(-1) as { source_labels?: string[]; regex?: string; target_label?: string };
  assert.deepEqual(last, {
    source_labels: ['__meta_kubernetes_pod_label_doris_cloudnative_dev_fe_role'],
    regex: '(master|follower|observer)',
    target_label: 'role',
  });
});

test('every managed pod runs under the restricted profile, and every object is owned or labelled', () => {
  const all = objects();
  const pods = all.flatMap(({ object }) => {
    const spec = (object.spec as { template?: { spec: Record<string, unknown> } } | undefined)?.template
      ?.spec;
    return spec === undefined ? [] : [{ name: object.metadata.name, spec }];
  });
  assert.deepEqual(pods.map((p) => p.name).sort(), [
    'm-grafana',
    'm-log-collector',
    'm-loki',
    'm-prometheus',
  ]);
  for (const { name, spec } of pods) {
    const sc = spec.securityContext as Record<string, unknown>;
    assert.equal(sc.runAsNonRoot, true, name);
    assert.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' }, name);
    for (const c of spec.containers as { securityContext: Record<string, unknown> }[]) {
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, name);
      assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] }, name);
    }
    for (const v of spec.volumes as Record<string, unknown>[])
      assert.ok(
        ['configMap', 'emptyDir', 'projected', 'secret'].some((k) => k in v),
        `${name}: volume ${JSON.stringify(v)}`,
      );
  }
  for (const { object } of all) {
    const foreign = object.kind === 'RoleBinding' && object.metadata.namespace !== 'mon';
    assert.equal(
      object.metadata.ownerReferences === undefined,
      foreign,
      `${object.kind} ${object.metadata.name}`,
    );
    assert.equal(object.metadata.labels?.['doris.cloudnative.dev/monitor'], 'm');
  }
  const bindings = all.filter((d) => d.object.kind === 'RoleBinding').map((d) => d.object);
  assert.deepEqual(
    bindings.map((b) => `${b.metadata.namespace} ${(b.roleRef as { name: string }).name}`).sort(),
    [
      'mon doris-operator-monitor-log-collector',
      'mon doris-operator-monitor-prometheus',
      'other doris-operator-monitor-log-collector',
      'other doris-operator-monitor-prometheus',
    ],
  );
});

test('Prometheus runs with the retention asked for, on a claim kept unless storageRetention is Delete', () => {
  const spec = monitorSpecSchema.parse({ clusterRefs: [{ name: 'doris' }] });
  assert.equal(retentionSize(spec), '18432MB', '90 % of 20Gi');
  assert.equal(
    retentionSize(
      monitorSpecSchema.parse({ clusterRefs: [{ name: 'd' }], prometheus: { retentionSize: '5Gi' } }),
    ),
    '5120MB',
  );
  const sts = named(
    objects({ storageRetention: 'Delete', prometheus: { retention: '30d' } }),
    'm-prometheus',
    'StatefulSet',
  );
  assert.ok(sts.spec.template.spec.containers[0].args.includes('--storage.tsdb.retention.time=30d'));
  assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, {
    whenDeleted: 'Delete',
    whenScaled: 'Retain',
  });
  assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '20Gi');
});

test('a configuration change restarts its part, and only its part', () => {
  const digest = (list: ReturnType<typeof objects>, name: string) =>
    named(list, name, name.endsWith('prometheus') || name.endsWith('loki') ? 'StatefulSet' : 'Deployment')
      .spec.template.metadata.annotations['doris.cloudnative.dev/config-digest'];
  const a = objects();
  const b = objects({ prometheus: { scrapeInterval: '30s' } });
  assert.notEqual(digest(a, 'm-prometheus'), digest(b, 'm-prometheus'));
  assert.equal(digest(a, 'm-grafana'), digest(b, 'm-grafana'));
  assert.equal(digest(a, 'm-loki'), digest(b, 'm-loki'));
});

test('Grafana is provisioned with both data sources and a dashboard provider reading the mounted dashboards', () => {
  const all = objects();
  const data = (name: string) => named(all, name).data;
  const ds = parse(data('m-grafana-datasources')['datasources.yaml']);
  assert.equal(ds.apiVersion, 1);
  assert.deepEqual(
    ds.datasources.map((d: { type: string; url: string }) => `${d.type} ${d.url}`),
    [
      'prometheus http://m-prometheus.mon.svc.cluster.local:9090',
      'loki http://m-loki.mon.svc.cluster.local:3100',
    ],
  );
  const providers = parse(data('m-grafana-providers')['dashboards.yaml']);
  assert.equal(providers.apiVersion, 1);
  const deployment = named(all, 'm-grafana', 'Deployment');
  const mounts = deployment.spec.template.spec.containers[0].volumeMounts as {
    name: string;
    mountPath: string;
  }[];
  assert.equal(providers.providers[0].options.path, mounts.find((m) => m.name === 'dashboards')?.mountPath);
  assert.deepEqual(
    Object.keys(data('m-grafana-dashboards')).sort(),
    dashboards()
      .map((d) => `${d.uid}.json`)
      .sort(),
  );
  // Without Loki there is no Loki data source.
  const noLoki = objects({ loki: { enabled: false } });
  const ds2 = parse(named(noLoki, 'm-grafana-datasources').data['datasources.yaml']);
  assert.deepEqual(
    ds2.datasources.map((d: { type: string }) => d.type),
    ['prometheus'],
  );
  assert.ok(!noLoki.some((d) => d.object.metadata.name.startsWith('m-log-collector')));
});

test('dashboards: unique uids, every panel on the data source variable, every query named', () => {
  const boards = dashboards();
  assert.equal(new Set(boards.map((d) => d.uid)).size, boards.length);
  for (const d of boards)
    for (const p of d.panels ?? []) {
      if (p.type === 'row') continue;
      assert.deepEqual(p.datasource, datasource, `${d.uid} ${p.title}`);
      const ids = (p.targets ?? []).map((x) => (x as { refId?: string }).refId);
      assert.ok(ids.length > 0 && new Set(ids).size === ids.length, `${d.uid} ${p.title}`);
      assert.ok(
        typeof p.description === 'string' && p.description.length > 0,
        `${d.uid} ${p.title} described`,
      );
    }
});

test('Loki keeps logs for the retention asked for, in hours', () => {
  assert.equal(lokiDuration('7d'), '168h');
  assert.equal(lokiDuration('2w'), '336h');
  assert.equal(lokiDuration('1d12h'), '36h');
  const config = lokiConfig(
    monitorSpecSchema.parse({ clusterRefs: [{ name: 'd' }], loki: { retention: '14d' } }),
  ) as {
    limits_config: { retention_period: string };
    compactor: { retention_enabled: boolean };
    schema_config: { configs: { store: string; schema: string }[] };
  };
  assert.equal(config.limits_config.retention_period, '336h');
  assert.equal(config.compactor.retention_enabled, true);
  assert.deepEqual(
    config.schema_config.configs.map((c) => `${c.store} ${c.schema}`),
    ['tsdb v13'],
  );
});

/** The string attributes named `expression` in an Alloy configuration, unescaped. */
const expressions = (alloy: string) =>
  [...alloy.matchAll(/expression = ("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1] ?? '""') as string);

test('the collector configuration: balanced, its namespaces, and expressions that read Doris log lines', () => {
  const alloy = collectorConfig(clusters, 'http://m-loki.mon.svc:3100/loki/api/v1/push');
  let depth = 0;
  for (const ch of alloy.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    assert.ok(depth >= 0);
  }
  assert.equal(depth, 0, 'braces balanced');
  for (const component of [
    'discovery.kubernetes "doris"',
    'discovery.relabel "doris"',
    'loki.source.kubernetes "doris"',
    'loki.process "doris"',
    'loki.write "loki"',
  ])
    assert.ok(alloy.includes(`${component} {`), component);
  assert.ok(alloy.includes('names = ["mon", "other"]'));
  // RE2's named groups (?P<x>) are JavaScript's (?<x>); the rest of these expressions reads the same in both.
  const [marker, feLevel, beSeverity] = expressions(alloy).map(
    (e) => new RegExp(e.replaceAll('(?P<', '(?<')),
  );
  // Lines as Doris 2.1 writes them in the foreground (fe Log4jConfig, be logconfig.cpp).
  const fe =
    'RuntimeLogger 2024-06-03 14:54:41,478 WARN (thread-12|87) [Env.replayJournal():2831] replay slow';
  const be = 'RuntimeLogger W20240605 15:25:15.677153 1763151 wal_manager.cpp:481] disk almost full';
  const audit =
    'AuditLogger 2024-06-03 14:54:41,478 [query] |Client=10.0.0.1:5678|User=root|Db=app|State=EOF';
  assert.equal(marker?.exec(audit)?.groups?.marker, 'AuditLogger');
  assert.equal(marker?.exec(fe)?.groups?.content, fe.slice('RuntimeLogger '.length));
  assert.equal(feLevel?.exec(fe)?.groups?.level, 'WARN');
  assert.equal(beSeverity?.exec(be)?.groups?.severity, 'W');
  assert.equal(marker?.exec('plain JVM output')?.groups, undefined);
});
