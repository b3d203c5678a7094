/**
 * Starts a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)
 * and keeps it up until Ctrl-C, printing how to reach it with kubectl.
 */
import { ControlPlane } from '../test/support/control-plane.ts';

const cp = await ControlPlane.start();
console.log(`Local control plane is up (${cp.info.nodeNames.length} kwok nodes, pod IPs in ${cp.info.podNetwork}.0.0/16).

  export KUBECONFIG=${cp.info.kubeconfigPath}
  kubectl get nodes

Component logs:
${cp.describeLogs()}

Press Ctrl-C to stop it; everything is removed on exit.`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await cp.stop();
