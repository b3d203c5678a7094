/**
 * Nodes that fail (F6). A node that stops answering strands its pods: NotReady alone forces
 * nothing (a partition looks the same); the out-of-service taint of Kubernetes' non-graceful node
 * shutdown makes the operator force-delete the member's pod, and its StatefulSet recreates it on
 * another node with its claim. kwok stops running the node and its pods (a test annotation), so
 * nothing else finishes their deletion, as with a dead kubelet.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outOfServiceTaint } from '../../src/cluster/stranded.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { contentTypes } from '../../src/kube/rest.ts';
import { nodeManifest, unmanagedAnnotation } from '../support/control-plane.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import { createCluster, getCluster, startOperator, waitReady } from './support.ts';

interface Pod {
  metadata: { uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

test('a member on a NotReady node is left alone; once the node is tainted out-of-service its pod is force-deleted and recreated on another node', async (t) => {
  const ns = await newNamespace(t, 'node-failure');
  const { client, info } = await testEnv();
  const node = `failing-${ns}`;
  const dedicated = { key: 'doris-test/dedicated', value: ns, effect: 'NoSchedule' };
  const manifest = nodeManifest(node, 'zone-a', `${info.podNetwork}.250.0/24`) as { spec: object };
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Node),
    body: { ...manifest, spec: { ...manifest.spec, taints: [dedicated] } },
  });
  t.after(() =>
    client.request({ method: 'DELETE', path: objectPath(builtin.Node, undefined, node) }).catch(() => {}),
  );
  const patch = (path: string, body: object) =>
    client.request({ method: 'PATCH', path, contentType: contentTypes.merge, body });
  const podPath = objectPath(builtin.Pod, ns, 'doris-cn-0');
  const getPod = () => client.request<Pod>({ method: 'GET', path: podPath });

  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1 },
    be: { replicas: 1 },
    cn: {
      replicas: 1,
      failover: { enabled: false },
      pod: {
        tolerations: [{ ...dedicated, operator: 'Equal' }],
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                preference: {
                  matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }],
                },
              },
            ],
          },
        },
      },
    },
  });
  await waitReady(ns, 'doris', 150_000);
  const before = await getPod();
  assert.equal(before.spec.nodeName, node, 'the compute node runs on the test node');

  // The node dies: kwok stops running it and its pod, the CN process is gone, the node reports NotReady.
  await patch(objectPath(builtin.Node, undefined, node), {
    metadata: { annotations: { [unmanagedAnnotation]: 'true' } },
  });
  await patch(podPath, { metadata: { annotations: { [unmanagedAnnotation]: 'true' } } });
  const sim = await simulator();
  await sim.kill(`${ns}/doris-cn-0`);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await patch(`${objectPath(builtin.Node, undefined, node)}/status`, {
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'KubeletNotReady',
          message: 'test: the node failed',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  });
  await eventually(
    async () => (await getPod()).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False'),
    { timeoutMs: 60_000, what: 'the node lifecycle controller marking the pod not Ready' },
  );
  await new Promise((r) => setTimeout(r, 8000));
  const stranded = await getPod();
  assert.equal(stranded.metadata.uid, before.metadata.uid, 'NotReady alone: the pod is not forced away');
  assert.equal(stranded.metadata.deletionTimestamp, undefined);

  // Non-graceful node shutdown: the administrator declares the node off.
  const live = await client.request<{ spec: { taints?: object[] } }>({
    method: 'GET',
    path: objectPath(builtin.Node, undefined, node),
  });
  await patch(objectPath(builtin.Node, undefined, node), {
    spec: {
      taints: [
        ...(live.spec.taints ?? []),
        { key: outOfServiceTaint, value: 'nodeshutdown', effect: 'NoExecute' },
      ],
    },
  });
  const moved = await eventually(
    async () => {
      const p = await getPod().catch(() => undefined);
      return p !== undefined && p.metadata.uid !== before.metadata.uid && p.spec.nodeName !== undefined
        ? p
        : false;
    },
    { timeoutMs: 60_000, what: 'doris-cn-0 recreated' },
  );
  assert.notEqual(moved.spec.nodeName, node, 'on another node');
  let last: unknown;
  await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      last = { phase: c.status?.phase, conditions: c.status?.conditions, cn: c.status?.cn };
      return c.status?.phase === 'Ready';
    },
    { timeoutMs: 120_000, intervalMs: 1000, what: 'the cluster Ready again' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last status: ${JSON.stringify(last)}`);
  });
  const events = await client.request<{ items: { reason: string; note: string }[] }>({
    method: 'GET',
    path: collectionPath(builtin.Event, ns),
  });
  assert.ok(
    events.items.some(
      (e) =>
        e.reason === 'PodForceDeleted' && e.note.includes('doris-cn-0') && e.note.includes('out of service'),
    ),
    'the operator said what it forced and why',
  );
});
