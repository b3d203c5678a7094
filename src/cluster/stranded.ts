/**
 * Member pods stranded on a failed node. A pod on a node that stopped answering stays Running or
 * Terminating: no kubelet confirms its containers stopped, so its StatefulSet cannot recreate it
 * (two pods with one identity and one claim would be worse). A NotReady node alone proves nothing
 * (a network partition looks the same), so the operator forces nothing on its own. Kubernetes'
 * non-graceful node shutdown is the signal that the node is really off: the
 * `node.kubernetes.io/out-of-service` taint, or the Node object deleted. Then the pod is
 * force-deleted so the StatefulSet recreates it elsewhere with its claim (where the storage allows),
 * and failover takes over for members whose storage stayed on that node. kube-controller-manager's
 * PodGC does the same on its own period (and after a 40 s quarantine for deleted nodes); doing it
 * on the node's event makes the member's recovery independent of that timing.
 */
import { builtin, objectPath } from '../kube/resources.ts';
import { isConflict, isNotFound } from '../kube/rest.ts';
import type { Manager } from '../runtime/manager.ts';
import type { KubeObject } from '../runtime/object.ts';

export const outOfServiceTaint = 'node.kubernetes.io/out-of-service';

/** Why the node `name` is known to be off, or undefined: `node` is its cached object, if any. */
export function nodeGone(name: string, node: KubeObject | undefined): string | undefined {
  if (node === undefined) return `its node ${name} was deleted`;
  const taints: { key: string }[] = node.spec?.taints ?? [];
  if (taints.some((t) => t.key === outOfServiceTaint))
    return `its node ${name} is out of service (${outOfServiceTaint})`;
  return undefined;
}

/** Pods of `pods` on a node that is known to be off, with the reason. */
export function strandedPods(
  pods: readonly KubeObject[],
  nodeOf: (name: string) => KubeObject | undefined,
): { pod: KubeObject; why: string }[] {
  const out: { pod: KubeObject; why: string }[] = [];
  for (const pod of pods) {
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (nodeName === undefined) continue;
    const why = nodeGone(nodeName, nodeOf(nodeName));
    if (why !== undefined) out.push({ pod, why });
  }
  return out;
}

/**
 * Force-deletes the cluster's pods stranded on nodes known to be off. Nothing is done until the
 * node cache has synced: an empty cache would make every node look deleted.
 */
export async function releaseStrandedPods(
  manager: Manager,
  cluster: KubeObject,
  pods: readonly KubeObject[],
): Promise<number> {
  if (!manager.cache.informersFor(builtin.Node).every((i) => i.hasSynced)) return 0;
  const stranded = strandedPods(pods, (name) => manager.cache.get(builtin.Node, undefined, name));
  for (const { pod, why } of stranded) {
    const { name, namespace, uid } = pod.metadata;
    await manager.client
      .request({
        method: 'DELETE',
        path: objectPath(builtin.Pod, namespace, name),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          gracePeriodSeconds: 0,
          ...(uid === undefined ? {} : { preconditions: { uid } }),
        },
      })
      .catch((err: unknown) => {
        // Gone already, or already replaced by a new pod of the same name: nothing to force.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      });
    await manager.events.record(
      cluster,
      'Warning',
      'PodForceDeleted',
      'ForceDelete',
      `${name}: ${why}; force-deleted so its StatefulSet recreates it on another node`,
    );
  }
  return stranded.length;
}
