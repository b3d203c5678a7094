/**
 * Members register under `hostname -f`, which ends with the kubelet's cluster domain, and the
 * entrypoints find the master through ENV_FE_ADDR, which cluster DNS resolves only under that
 * domain: not always cluster.local. On a control plane whose domain is example.local (its own
 * control plane and simulator: the domain is the simulator's DNS zone, for every pod), the operator
 * run as its own process with `--cluster-domain=example.local` takes a cluster through its whole
 * life: creation, a BE scale-in that decommissions before any pod goes (S1, S3), an upgrade, and a
 * compute node's failover.
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
  operatorProcess,
  patchSpec,
  waitReady,
} from './support.ts';

let env: PrivateEnvironment;
before(async () => {
  env = await privateEnvironment({}, 'example.local');
});
after(() => env.stop());

test('under the cluster domain example.local: created, scaled in (decommission before the pod goes), upgraded, a CN failed over', async (t) => {
  const ns = await newNamespace(t, 'domain');
  await operatorProcess(t, ns, ['--cluster-domain=example.local']);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1 },
    be: { replicas: 4 },
    cn: { replicas: 1, failover: { period: '5s' } },
  });
  const ready = await waitReady(ns, 'doris', 120_000);
  const sim = await simulator();
  const key = `${ns}/doris-fe`;
  const addresses = (await sim.cluster(key))?.backends.map((b) => b.host) ?? [];
  assert.ok(
    addresses.length === 5 && addresses.every((h) => h.endsWith(`.${ns}.svc.example.local`)),
    `every backend registered under example.local: ${addresses.join(', ')}`,
  );
  assert.ok(
    ready.status?.be?.members?.every((m) => m.alive === true && m.host?.endsWith('.svc.example.local')),
    `every BE matched to its registration: ${JSON.stringify(ready.status?.be?.members)}`,
  );

  // Scale-in: DECOMMISSION, and the pod goes only once Doris dropped the backend.
  await createTable(t, ns, 'doris');
  const host = `doris-be-3.doris-be-internal.${ns}.svc.example.local`;
  await sim.setDecommissionRate(key, host, 1);
  let since = await logMark();
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  await eventually(async () => (await getCluster(ns, 'doris')).status?.be?.members?.length === 3, {
    timeoutMs: 120_000,
    what: 'be-3 removed',
  });
  let log = await namespaceLog(ns, since);
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

  // Upgrade: every member restarts on the new version and registers again under example.local.
  await patchSpec(ns, 'doris', { version: '2.1.8' });
  await eventually(
    async () => {
      const ours = (await sim.members()).filter((m) => m.key.startsWith(`${ns}/`));
      const c = await sim.cluster(key);
      const alive = [...(c?.frontends ?? []), ...(c?.backends ?? [])].every((m) => m.alive);
      return ours.length === 5 && alive && ours.every((m) => m.version.includes('2.1.8'));
    },
    { timeoutMs: 240_000, intervalMs: 1000, what: 'every member alive on 2.1.8' },
  );
  await waitReady(ns, 'doris', 60_000);

  // CN failover: a replacement joins through ENV_FE_ADDR under example.local.
  since = await logMark();
  await sim.kill(`${ns}/doris-cn-0`);
  await eventually(
    async () =>
      (await sim.cluster(key))?.backends.some(
        (b) => b.alive && b.host === `doris-cn-1.doris-cn-internal.${ns}.svc.example.local`,
      ),
    { timeoutMs: 90_000, intervalMs: 500, what: 'the replacement compute node alive in Doris' },
  );
  log = await namespaceLog(ns, since);
  assert.ok(
    !log.some(
      (e) => e.kind === 'statement' && /DROPP|DECOMMISSION/.test(e.text) && e.text.includes('doris-cn-0.'),
    ),
    'the failed compute node is not dropped while it is down',
  );
});
