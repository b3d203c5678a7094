import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monitorSpecSchema } from '../api/v1alpha1/index.ts';
import { validateDorisMonitor } from './doris-monitor.ts';
import type { AdmissionInput } from './kinds.ts';

const none = { missingClusters: [], missingSecrets: [] };
const input = (
  spec: object,
  old?: object,
  operation: 'CREATE' | 'UPDATE' = old ? 'UPDATE' : 'CREATE',
): AdmissionInput => ({
  operation,
  namespace: 'mon',
  object: { metadata: { name: 'm' }, spec },
  ...(old ? { oldObject: { metadata: { name: 'm' }, spec: old } } : {}),
});
const paths = (f: ReturnType<typeof validateDorisMonitor>) =>
  f.problems.map((p) => `${p.path}: ${p.message}`);

test('a valid monitor passes without warnings, with or without the defaults filled in', () => {
  const f = validateDorisMonitor(input({ clusterRefs: [{ name: 'doris' }] }), none);
  assert.deepEqual(f, { problems: [], warnings: [] });
  // As the API server hands it over: every default present.
  const defaulted = monitorSpecSchema.parse({ clusterRefs: [{ name: 'doris' }] });
  assert.deepEqual(validateDorisMonitor(input(defaulted), none), { problems: [], warnings: [] });
  assert.deepEqual(validateDorisMonitor(input({ ...defaulted, mode: 'PrometheusOperator' }), none), {
    problems: [],
    warnings: [],
  });
});

test('each bad field is named with what is valid', () => {
  assert.match(paths(validateDorisMonitor(input({ clusterRefs: [] }), none)).join(), /^spec\.clusterRefs: /);
  assert.match(
    paths(
      validateDorisMonitor(
        input({ clusterRefs: [{ name: 'd' }], prometheus: { retention: '15 days' } }),
        none,
      ),
    ).join(),
    /spec\.prometheus\.retention: must be a Prometheus duration such as 30s, 5m, 12h or 15d/,
  );
  assert.match(
    paths(validateDorisMonitor(input({ clusterRefs: [{ name: 'd' }], mode: 'Helm' }), none)).join(),
    /spec\.mode: /,
  );
  assert.deepEqual(
    paths(
      validateDorisMonitor(
        input({
          clusterRefs: [{ name: 'd' }],
          prometheus: { retentionSize: '30Gi', storage: { size: '20Gi' } },
        }),
        none,
      ),
    ),
    [
      'spec.prometheus.retentionSize: must not exceed spec.prometheus.storage.size (20Gi): Prometheus would fill its volume',
    ],
  );
  assert.deepEqual(
    paths(
      validateDorisMonitor(
        input({ clusterRefs: [{ name: 'd' }], mode: 'PrometheusOperator' }, { clusterRefs: [{ name: 'd' }] }),
        none,
      ),
    ),
    ['spec.mode: cannot change from Managed: delete the monitor and create it again'],
  );
  assert.deepEqual(
    paths(
      validateDorisMonitor(input({ clusterRefs: [{ name: 'd' }, { name: 'd', namespace: 'mon' }] }), none),
    ),
    ['spec.clusterRefs[1].name: cluster mon/d is listed twice'],
  );
});

test('warnings: another namespace, a cluster or Secret not there yet, fields the mode ignores, no logs', () => {
  const f = validateDorisMonitor(
    input({
      clusterRefs: [{ name: 'd', namespace: 'other' }],
      mode: 'PrometheusOperator',
      grafana: { enabled: false },
    }),
    { missingClusters: ['other/d'], missingSecrets: [] },
  );
  assert.deepEqual(f.problems, []);
  assert.equal(f.warnings.length, 3, f.warnings.join('\n'));
  assert.ok(
    f.warnings.some(
      (w) => w.includes('spec.clusterRefs[0].namespace') && w.includes('the operator must watch it'),
    ),
  );
  assert.ok(f.warnings.some((w) => w.includes('DorisCluster other/d does not exist yet')));
  assert.ok(
    f.warnings.some((w) => w.includes('spec.grafana') && w.includes('ignored in mode PrometheusOperator')),
  );
  const g = validateDorisMonitor(
    input({
      clusterRefs: [{ name: 'd' }],
      grafana: { adminSecretRef: { name: 'admin' } },
      loki: { enabled: false },
    }),
    { missingClusters: [], missingSecrets: ['grafana:admin'] },
  );
  assert.ok(
    g.warnings.some((w) => w.includes('spec.grafana.adminSecretRef.name') && w.includes('Secret admin')),
  );
  assert.ok(g.warnings.some((w) => w.includes('spec.loki.enabled')));
});
