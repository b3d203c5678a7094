/**
 * Members register under `hostname -f`, which ends with the kubelet's cluster domain, not always
 * cluster.local (S1, S3). On a control plane whose domain is example.local the operator matches
 * every registration to its member, and a BE scale-in still decommissions before any pod goes.
 * Its own control plane and simulator: the domain is the simulator's, for every pod.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  eventually,
  newNamespace,
  type PrivateEnvironment,
  privateEnvironment,
  simulator,
} from '../support/env.ts';
import {
  createCluster,
  createTable,
  getCluster,
  internalReplicas,
  logMark,
  namespaceLog,
  patchSpec,
  startOperator,
  waitReady,
} from './support.ts';

let env: PrivateEnvironment;
before(async () => {
  env = await privateEnvironment({}, 'example.local');
});
after(() => env.stop());

test('under the cluster domain example.local, BE scale-in decommissions and waits for Doris before the pod goes (S1)', async (t) => {
  const ns = await newNamespace(t, 'domain');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 4 } });
  const ready = await waitReady(ns, 'doris', 120_000);
  const host = `doris-be-3.doris-be-internal.${ns}.svc.example.local`;
  assert.ok(
    ready.status?.be?.members?.every((m) => m.alive === true && m.host?.endsWith('.svc.example.local')),
    `every BE matched to its registration: ${JSON.stringify(ready.status?.be?.members)}`,
  );
  await createTable(t, ns, 'doris');
  const sim = await simulator();
  const key = `${ns}/doris-fe`;
  await sim.setDecommissionRate(key, host, 1);
  const since = await logMark();
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  await eventually(async () => (await getCluster(ns, 'doris')).status?.be?.members?.length === 3, {
    timeoutMs: 120_000,
    what: 'be-3 removed',
  });
  const log = await namespaceLog(ns, since);
  const decommission = log.findIndex(
    (e) => e.kind === 'statement' && e.text.includes('DECOMMISSION') && e.text.includes(host),
  );
  const dropped = log.findIndex(
    (e) => e.text.includes('decommissioned and dropped') && e.text.includes(host),
  );
  const podGone = log.findIndex((e) => e.kind === 'pod' && e.member === `${ns}/doris-be-3`);
  assert.ok(decommission >= 0, 'DECOMMISSION was sent for the example.local host');
  assert.ok(dropped > decommission && podGone > dropped, 'the pod went only after Doris dropped the backend');
  assert.equal(
    (await sim.cluster(key))?.backends.reduce((n, b) => n + b.tablets, 0),
    36 + internalReplicas,
    'no replica lost',
  );
});
