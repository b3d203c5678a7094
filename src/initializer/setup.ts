/** Registers the DorisInitializer controller: its own kind, the clusters it waits for, the Secrets and ConfigMaps it reads. */
import { type DorisInitializer, dorisClusterKind, dorisInitializerKind } from '../api/v1alpha1/index.ts';
import { builtin } from '../kube/resources.ts';
import type { Manager } from '../runtime/manager.ts';
import { keyOf } from '../runtime/object.ts';
import { type InitializerDeps, reconcileInitializer } from './reconcile.ts';
import { ScriptRunner } from './scripts.ts';
import { StatusWriter } from './status-writer.ts';

export function setupInitializerController(manager: Manager): void {
  const writer = new StatusWriter(manager.client);
  const wake = (key: string) => controller.queue.add(key);
  const deps: InitializerDeps = { manager, writer, runner: new ScriptRunner(writer, (key) => wake(key)) };
  const initializersOf = (namespace: string | undefined, cluster: string) =>
    manager.cache
      .list<DorisInitializer>(dorisInitializerKind.resource, namespace, manager.primarySelector())
      .filter((d) => d.spec?.clusterRef?.name === cluster)
      .map((d) => keyOf(d));
  const controller = manager
    .controller('dorisinitializer', dorisInitializerKind.resource)
    // The runner and the pass write the status; progress is followed through the runner's own wake-up.
    .ignoringStatusUpdates()
    // A cluster becoming Ready (or its credentials changing) starts or resumes its initializer.
    .watches(dorisClusterKind.resource, (c) => initializersOf(c.metadata.namespace, c.metadata.name))
    // One initializer per cluster: when one goes or changes, the others of its cluster look again.
    .watches(dorisInitializerKind.resource, (d) =>
      d.spec?.clusterRef?.name === undefined
        ? []
        : initializersOf(d.metadata.namespace, d.spec.clusterRef.name),
    )
    .complete((ctx) => reconcileInitializer(deps, ctx));
  deps.secrets = manager.namedWatches(builtin.Secret, (owners) => {
    for (const key of owners) wake(key);
  });
  deps.configMaps = manager.namedWatches(builtin.ConfigMap, (owners) => {
    for (const key of owners) wake(key);
  });
  manager.onStop(() => deps.runner.stop());
}
