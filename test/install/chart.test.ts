/**
 * The Helm chart: lint-clean in every mode, values checked by its schema, least-privilege RBAC by
 * construction (no wildcard, no right on RBAC objects, no list of Secrets), restricted security on
 * every pod, webhook configurations equal to the ones the webhook builds, crds/ equal to the
 * generated CRDs, and the rendered output accepted by the API server (server-side dry run), then
 * applied for real, with its Deployments' pods admitted under the restricted Pod Security level.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { builtin, objectPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { buildConfigurations } from '../../src/webhook/configurations.ts';
import { admissionKinds } from '../../src/webhook/registry.ts';
import { installCrds } from '../api/support.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';
import { installChart } from './install.ts';
import { applyManifests, chartDir, helm, ofKind, one, renderChart, repoRoot } from './tools.ts';

const modes: Record<string, object> = {
  'cluster-wide': {},
  namespaced: { watchNamespaces: ['tenant-a', 'tenant-b'] },
  'cert-manager': { webhook: { certificates: { mode: 'cert-manager' } } },
  'no reference checks': { webhook: { checkReferences: false }, watchNamespaces: ['tenant-a'] },
  'no webhook, sharded': { webhook: { enabled: false }, labelSelector: 'shard=a' },
  'service monitor': { metrics: { serviceMonitor: { enabled: true } } },
};

const render = (values: object) => renderChart({ namespace: 'doris-system', values });

test('helm lint --strict passes in every mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'doris-lint-'));
  try {
    for (const [mode, values] of Object.entries(modes)) {
      const file = join(dir, 'values.yaml');
      writeFileSync(file, stringify(values));
      const r = await helm(['lint', '--strict', chartDir, '--values', file]);
      assert.equal(r.code, 0, `${mode}: ${r.stdout}${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('values.schema.json and the templates refuse invalid values', async () => {
  const bad: [string, string][] = [
    ['watchNamespaces[0]=Not_A_Name', 'watchNamespaces'],
    ['webhook.timeoutSeconds=9', 'timeoutSeconds'],
    ['manager.logLevel=loud', 'logLevel'],
    ['manager.replicas=0', 'replicas'],
    ['webhook.certificates.mode=vault', 'mode'],
    ['manager.leaderElection.enabled=false', 'needs manager.leaderElection.enabled'],
    ['unknownKey=1', 'unknownKey'],
  ];
  for (const [set, message] of bad) {
    const r = await helm(['template', 'x', chartDir, '--set', set]);
    assert.notEqual(r.code, 0, `${set} was accepted`);
    assert.match(r.stderr, new RegExp(message.replace(/[.[\]]/g, '\\$&')), set);
  }
  // One manager without leader election is allowed.
  const single = await helm([
    'template',
    'x',
    chartDir,
    '--set',
    'manager.leaderElection.enabled=false,manager.replicas=1',
  ]);
  assert.equal(single.code, 0, single.stderr);
  assert.match(single.stdout, /--no-leader-elect/);
});

test('RBAC: no wildcard, no right on RBAC objects, no Secret listing, namespaced mode stays namespaced', async () => {
  for (const [mode, values] of Object.entries(modes)) {
    const objects = await render(values);
    const roles = [...ofKind(objects, 'ClusterRole'), ...ofKind(objects, 'Role')];
    assert.ok(roles.length > 0, mode);
    for (const role of roles) {
      const where = `${mode}: ${role.kind} ${role.metadata.name}`;
      for (const rule of role.rules as {
        apiGroups: string[];
        resources: string[];
        verbs: string[];
        resourceNames?: string[];
      }[]) {
        assert.equal(Object.hasOwn(rule, 'nonResourceURLs'), false, where);
        for (const v of [...rule.apiGroups, ...rule.resources, ...rule.verbs])
          assert.ok(!v.includes('*'), where);
        // RBAC objects: only RoleBindings (a DorisMonitor's Prometheus and collector, per watched
        // namespace), and binding only the two monitoring ClusterRoles, by name.
        if (rule.apiGroups.includes('rbac.authorization.k8s.io')) {
          const bindOnly =
            rule.resources.join() === 'clusterroles' &&
            rule.verbs.join() === 'bind' &&
            (rule.resourceNames ?? []).every((n) => /-monitor-(prometheus|log-collector)$/.test(n));
          assert.ok(bindOnly || rule.resources.join() === 'rolebindings', `${where}: rights on RBAC objects`);
        }
        for (const v of ['escalate', 'impersonate', 'deletecollection'])
          assert.ok(!rule.verbs.includes(v), `${where}: ${v}`);
        if (rule.verbs.includes('bind'))
          assert.ok(rule.resourceNames?.length === 2, `${where}: bind by name only`);
        // Secrets may be listed and watched (by name only: rbac.test.ts checks every such request),
        // never updated or deleted by the manager.
        if (rule.resources.includes('secrets') && rule.verbs.includes('watch'))
          assert.ok(!rule.verbs.some((v) => v === 'update' || v === 'delete'), `${where}: Secrets rewritten`);
        if (rule.apiGroups.includes('admissionregistration.k8s.io')) {
          assert.ok(!rule.verbs.includes('create'), `${where}: may create webhook configurations`);
          assert.equal(rule.resourceNames?.length, 1, `${where}: webhook configurations by name only`);
        }
      }
    }
    const namespaced = (values as { watchNamespaces?: string[] }).watchNamespaces;
    if (namespaced !== undefined) {
      // Only cluster-scoped kinds remain in ClusterRoles; the rest is in a Role per namespace.
      for (const cr of ofKind(objects, 'ClusterRole').filter(
        (r) => !/-monitor-(prometheus|log-collector)$/.test(r.metadata.name),
      ))
        for (const rule of cr.rules as { resources: string[] }[])
          for (const r of rule.resources)
            assert.ok(
              [
                'storageclasses',
                'nodes',
                'namespaces',
                'subjectaccessreviews',
                'validatingwebhookconfigurations',
                'mutatingwebhookconfigurations',
              ].includes(r),
              `${mode}: ClusterRole ${cr.metadata.name} grants ${r}`,
            );
      for (const ns of namespaced) {
        const inNs = ofKind(objects, 'Role').filter((r) => r.metadata.namespace === ns);
        assert.ok(
          inNs.some((r) => r.metadata.name.endsWith('-controller-manager')),
          `${mode}: manager Role in ${ns}`,
        );
        assert.equal(
          ofKind(objects, 'RoleBinding').filter((r) => r.metadata.namespace === ns).length,
          inNs.length,
        );
      }
    }
  }
  // The monitoring ClusterRoles are only ever bound per namespace, never cluster-wide.
  for (const values of Object.values(modes))
    for (const b of ofKind(await render(values), 'ClusterRoleBinding'))
      assert.ok(
        !/-monitor-(prometheus|log-collector)$/.test((b.roleRef as { name: string }).name),
        'monitoring role bound cluster-wide',
      );
  const unchecked = await render(modes['no reference checks']!);
  const webhookRules = [...ofKind(unchecked, 'ClusterRole'), ...ofKind(unchecked, 'Role')]
    .filter((r) => r.metadata.name.endsWith('-webhook'))
    .flatMap((r) => r.rules as { resources: string[] }[]);
  assert.ok(
    !webhookRules.some((r) =>
      ['storageclasses', 'secrets', 'configmaps', 'namespaces', 'subjectaccessreviews'].some((x) =>
        r.resources.includes(x),
      ),
    ),
  );
});

test('workloads: restricted security context, probes, resources, two replicas with leader election, PDBs', async () => {
  for (const [mode, values] of Object.entries(modes)) {
    const objects = await render(values);
    for (const d of ofKind(objects, 'Deployment')) {
      const where = `${mode}: ${d.metadata.name}`;
      const pod = d.spec.template.spec;
      assert.equal(d.spec.replicas, 2, where);
      assert.equal(pod.securityContext.runAsNonRoot, true, where);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', where);
      for (const c of pod.containers) {
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, where);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, where);
        assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], where);
        assert.equal(c.securityContext.privileged, undefined, where);
        assert.ok(c.livenessProbe?.httpGet && c.readinessProbe?.httpGet, `${where}: probes`);
        assert.ok(c.resources?.requests?.cpu && c.resources?.limits?.memory, `${where}: resources`);
      }
      const pdb = one(objects, 'PodDisruptionBudget', d.metadata.name);
      assert.deepEqual(pdb.spec.selector, d.spec.selector, `${where}: PDB selects the Deployment`);
    }
    const manager = ofKind(objects, 'Deployment').find((d) =>
      d.metadata.name.endsWith('-controller-manager'),
    );
    const args: string[] = manager?.spec.template.spec.containers[0].args;
    assert.ok(args.includes('manager') && args.some((a) => a.startsWith('--leader-election-id=')), mode);
  }
  const sharded = await render(modes['no webhook, sharded']!);
  assert.equal(ofKind(sharded, 'ValidatingWebhookConfiguration').length, 0);
  assert.ok(
    one(
      sharded,
      'Deployment',
      'doris-operator-controller-manager',
    ).spec.template.spec.containers[0].args.includes('--label-selector=shard=a'),
  );
  const monitored = await render(modes['service monitor']!);
  const sm = one(monitored, 'ServiceMonitor');
  const metricsServices = ofKind(monitored, 'Service').filter(
    (s) => s.metadata.labels?.['doris.cloudnative.dev/metrics'] === 'true',
  );
  assert.equal(metricsServices.length, 2, 'the manager and the webhook metrics Services');
  for (const s of metricsServices) {
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels))
      assert.equal(s.metadata.labels?.[k], v);
    assert.ok(s.spec.ports.some((p: { name: string }) => p.name === sm.spec.endpoints[0].port));
  }
  // The operator's series keep the namespace and cluster they name (DorisOperationStuck's labels).
  assert.equal(sm.spec.endpoints[0].honorLabels, true);
});

test('the webhook configurations are the ones the webhook process builds', async () => {
  for (const values of [{}, { watchNamespaces: ['tenant-a'] }]) {
    const objects = await render(values);
    const ns = (values as { watchNamespaces?: string[] }).watchNamespaces;
    const built = buildConfigurations(admissionKinds(), {
      validatingName: 'doris-operator-validating',
      mutatingName: 'doris-operator-mutating',
      service: { namespace: 'doris-system', name: 'doris-operator-webhook', port: 443 },
      ...(ns
        ? {
            namespaceSelector: {
              matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ns }],
            },
          }
        : {}),
    });
    for (const [kind, want] of [
      ['ValidatingWebhookConfiguration', built.validating],
      ['MutatingWebhookConfiguration', built.mutating],
    ] as const) {
      const got = one(objects, kind);
      assert.deepEqual(got.webhooks, want.webhooks, kind);
      assert.equal(got.metadata.name, (want.metadata as { name: string }).name);
    }
  }
});

test('crds/ holds exactly the generated CRDs (npm run gen:crds copies them)', () => {
  const bases = join(repoRoot, 'config/crd/bases');
  const crds = join(chartDir, 'crds');
  assert.deepEqual(readdirSync(crds).sort(), readdirSync(bases).sort());
  for (const f of readdirSync(bases))
    assert.equal(
      readFileSync(join(crds, f), 'utf8'),
      readFileSync(join(bases, f), 'utf8'),
      `${f} differs: npm run gen:crds`,
    );
});

test('the rendered chart passes a server-side dry run in both modes, then installs for real', async (t) => {
  await installCrds();
  const id = `t${randomBytes(3).toString('hex')}`; // a letter first: '8e4123' would be read as a float by YAML
  const tenant = await newNamespace(t, 'chart-tenant');
  // The webhooks of a cluster-wide install admit only this test's namespaces (others run alongside).
  const scope = { webhook: { namespaceSelector: { matchLabels: { 'doris-chart-test': id } } } };
  const namespace = await newNamespace(t, 'chart-dry');
  const { client } = await testEnv();
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.Namespace, undefined, namespace),
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { 'pod-security.kubernetes.io/warn': 'restricted' } } },
  });
  for (const values of [scope, { watchNamespaces: [tenant] }]) {
    const objects = await renderChart({ release: `dry-${id}`, namespace, values, includeCrds: true });
    const out = await applyManifests(objects, true);
    assert.match(out, /serverside-applied \(server dry run\)/);
    // No Pod Security warning: the pod templates meet the restricted level.
    assert.doesNotMatch(out, /Warning/);
  }
  // The check has teeth: a weakened security context is reported.
  const weakened = await renderChart({
    release: `weak-${id}`,
    namespace,
    values: { ...scope, containerSecurityContext: { allowPrivilegeEscalation: true } },
  });
  assert.match(await applyManifests(weakened, true), /would violate PodSecurity "restricted/);

  const inst = await installChart(t, { release: `chart-${id}`, namespace: `chart-op-${id}`, values: scope });
  // kwok runs the pods: the Deployments become available only if the restricted Pod Security
  // level of the namespace admitted their pods.
  for (const d of ofKind(inst.objects, 'Deployment')) {
    await eventually(
      async () => {
        const live = await client.request<KubeObject>({
          method: 'GET',
          path: objectPath(builtin.Deployment, inst.namespace, d.metadata.name),
        });
        return live.status?.availableReplicas === 2;
      },
      { timeoutMs: 60_000, what: `${d.metadata.name} to have 2 available replicas` },
    );
  }
  // Everything the chart renders exists (server-side apply created it as rendered).
  for (const o of inst.objects.filter((o) => o.kind === 'Service' || o.kind === 'PodDisruptionBudget')) {
    const type = o.kind === 'Service' ? builtin.Service : builtin.PodDisruptionBudget;
    await client.request({ method: 'GET', path: objectPath(type, inst.namespace, o.metadata.name) });
  }
});
