/**
 * `npm start`. Given a cluster (KUBECONFIG set, or running in a pod) it runs the manager against
 * it. Otherwise it starts a local playground: the control plane (building its binaries on first
 * use), the Doris simulator, the CRDs, the admission webhook and the operator, creates the sample
 * DorisCluster, writes the kubeconfig to .playground/kubeconfig in the checkout (another folder
 * with DORIS_PLAYGROUND_DIR), and prints the cluster's status until Ctrl-C or SIGTERM, which stop
 * everything (test/install/playground.test.ts checks that nothing is left running).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { dorisClusterKind } from '../src/api/v1alpha1/index.ts';
import { controllers } from '../src/controllers.ts';
import { builtin, collectionPath, objectPath } from '../src/kube/resources.ts';
import { RestClient } from '../src/kube/rest.ts';
import { createLogger } from '../src/runtime/log.ts';
import { Manager } from '../src/runtime/manager.ts';
import type { KubeObject } from '../src/runtime/object.ts';
import { WebhookApp } from '../src/webhook/app.ts';
import { ControlPlane } from '../test/support/control-plane.ts';
import { startSimulator } from '../test/support/doris/index.ts';

const root = resolve(import.meta.dirname, '..');

if (process.env.KUBECONFIG || process.env.KUBERNETES_SERVICE_HOST) {
  const res = spawnSync(
    process.execPath,
    [join(root, 'src/cli/main.ts'), 'manager', ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(res.status ?? 1);
}

// Six nodes over three zones: config/samples/production.yaml spreads five FEs one per node.
const cp = await ControlPlane.start({ nodes: 6 });
const sim = await startSimulator({ kubeconfigPath: cp.info.kubeconfigPath });
const dir = resolve(root, process.env.DORIS_PLAYGROUND_DIR ?? '.playground');
mkdirSync(dir, { recursive: true });
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, readFileSync(cp.info.kubeconfigPath));
const kubectl = (args: string[], input?: string) =>
  execFileSync('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { input, encoding: 'utf8' });
kubectl(['apply', '--server-side', '-f', join(root, 'config/crd/bases')]);
kubectl(['wait', '--for=condition=Established', `crd/${dorisClusterKind.crd().metadata.name}`]);

// The admission webhook, as in a cluster but reached by URL: it keeps its certificates in a Secret
// of doris-system and points its own webhook configurations at itself.
const client = cp.client();
await client.request({
  method: 'POST',
  path: collectionPath(builtin.Namespace),
  body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doris-system' } },
});
const webhookClient = await RestClient.fromKubeconfigFile(kubeconfig);
const webhook = new WebhookApp({
  client: webhookClient,
  logger: createLogger('warn'),
  listenAddress: '127.0.0.1:0',
  certificates: {
    mode: 'self-signed',
    namespace: 'doris-system',
    secretName: 'doris-admission-webhook-certs',
    caValidityMs: 3650 * 86_400_000,
    servingValidityMs: 90 * 86_400_000,
    caOverlapMs: 600_000,
    checkIntervalMs: 60_000,
  },
  configurations: {
    manage: true,
    validatingName: 'doris-operator-validating',
    mutatingName: 'doris-operator-mutating',
    url: 'https://127.0.0.1:0',
  },
});
await webhook.start();

const manager = new Manager({
  client: await RestClient.fromKubeconfigFile(kubeconfig),
  logger: createLogger('warn'),
  identity: 'playground',
});
for (const setup of controllers) setup(manager);
await manager.start();

await client.request({
  method: 'POST',
  path: collectionPath(builtin.Namespace),
  body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doris' } },
});
// The ClusterRoles a DorisMonitor binds for its Prometheus and log collector, as an install provides them.
for (const doc of parseAllDocuments(readFileSync(join(root, 'config/rbac/monitor_roles.yaml'), 'utf8')))
  await client.request({ method: 'POST', path: collectionPath(builtin.ClusterRole), body: doc.toJS() });
await client.request({
  method: 'POST',
  path: collectionPath(builtin.Secret, 'doris'),
  body: {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/basic-auth',
    metadata: { name: 'doris-admin' },
    stringData: { username: 'root', password: 'playground' },
  },
});
const sample = parse(readFileSync(join(root, 'config/samples/doris-cluster.yaml'), 'utf8')) as KubeObject;
// Through the API (not a blocking kubectl): the webhook answering this create runs in this process.
await client.request({
  method: 'POST',
  path: collectionPath(dorisClusterKind.resource, 'doris'),
  body: sample,
});

console.log(`Playground is up: Kubernetes ${cp.info.server}, ${cp.info.nodeNames.length} kwok nodes, simulated Doris,
the admission webhook and the operator. Component logs: ${cp.info.dir}/logs

  export KUBECONFIG=${kubeconfig}
  kubectl get doris -n doris          # the sample DorisCluster
  kubectl get pods -n doris

Simulated FE answers SQL on the FE pod IPs (user root, password playground).
Press Ctrl-C to stop everything.
`);
const timer = setInterval(async () => {
  try {
    const dc = await client.request<KubeObject>({
      method: 'GET',
      path: objectPath(dorisClusterKind.resource, 'doris', sample.metadata.name),
    });
    const s = dc.status ?? {};
    console.log(
      `${new Date().toISOString().slice(11, 19)} ${sample.metadata.name}: ${s.phase ?? 'Pending'}  FE ${s.fe?.ready ?? '-'}  BE ${s.be?.ready ?? '-'}  ${s.operation?.message ?? ''}`,
    );
  } catch {
    // The status line is best effort.
  }
}, 5000);
await new Promise<void>((done) => {
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
});
clearInterval(timer);
console.log('Stopping: operator, webhook, simulator, control plane.');
await manager.stop();
await webhook.stop();
webhookClient.close();
await sim.stop();
await cp.stop();
console.log('Stopped.');
