/**
 * Carrying out one planned step: the only place that changes Doris or deletes pods. SQL goes to
 * the master FE (Doris forwards DDL there anyway, and the master is where the quorum guard runs).
 */
import type { DorisCluster, ResolvedDorisClusterSpec } from '../api/v1alpha1/index.ts';
import { DorisClient } from '../doris/client.ts';
import { DorisError } from '../doris/errors.ts';
import { builtin, objectPath } from '../kube/resources.ts';
import { contentTypes } from '../kube/rest.ts';
import type { Manager } from '../runtime/manager.ts';
import { buildStatefulSet, type ClusterRef } from './desired.ts';
import { configMapName, internalServiceName, statefulSetName } from './names.ts';
import { balanceKeys, type Credentials, type DorisView, feAddress, readSettings } from './observe.ts';
import type { SqlAction, Step } from './plan/types.ts';

export interface ActContext {
  readonly ref: ClusterRef;
  readonly spec: ResolvedDorisClusterSpec;
  readonly cluster: DorisCluster;
  readonly credentials: Credentials;
  readonly feAddresses: ReadonlyMap<string, string>;
  readonly doris: DorisView;
}

export async function act(manager: Manager, ctx: ActContext, step: Step): Promise<void> {
  switch (step.kind) {
    case 'scale': {
      const live = manager.cache.get(
        builtin.StatefulSet,
        ctx.ref.namespace,
        `${ctx.ref.name}-${step.component}`,
      );
      if (ctx.spec[step.component] === undefined) {
        // Being removed: only the member count changes, the template stays as it was.
        await manager.client.request({
          method: 'PATCH',
          path: objectPath(
            builtin.StatefulSet,
            ctx.ref.namespace,
            statefulSetName(ctx.ref.name, step.component),
          ),
          contentType: contentTypes.merge,
          body: { spec: { replicas: step.replicas } },
        });
        break;
      }
      const desired = buildStatefulSet(ctx.ref, ctx.spec, step.component, step.replicas);
      if (live !== undefined) desired.spec.volumeClaimTemplates = live.spec.volumeClaimTemplates;
      await manager.applier.apply(builtin.StatefulSet, desired, live);
      break;
    }
    case 'removeComponent': {
      const { namespace, name } = ctx.ref;
      const c = step.component;
      await manager.applier.delete(builtin.StatefulSet, namespace, statefulSetName(name, c));
      await manager.applier.delete(builtin.Service, namespace, internalServiceName(name, c));
      await manager.applier.delete(builtin.ConfigMap, namespace, configMapName(name, c));
      await manager.applier.delete(builtin.PodDisruptionBudget, namespace, statefulSetName(name, c));
      break;
    }
    case 'deletePod':
      await manager.applier.delete(builtin.Pod, ctx.ref.namespace, step.pod, 'Background', step.uid);
      break;
    case 'replaceStorage':
      // Claims first: the pod deletion then frees them (kubernetes.io/pvc-protection), and the
      // StatefulSet controller creates the new pod only once fresh claims exist.
      for (const claim of step.claims) {
        await manager.applier.delete(
          builtin.PersistentVolumeClaim,
          ctx.ref.namespace,
          claim.name,
          'Background',
          claim.uid,
        );
      }
      if (step.pod !== undefined)
        await manager.applier.delete(
          builtin.Pod,
          ctx.ref.namespace,
          step.pod.name,
          'Background',
          step.pod.uid,
        );
      break;
    case 'sql':
      await runSql(ctx, step.action);
      break;
    case 'wait':
      return;
  }
  if (step.event !== undefined) {
    await manager.events.record(ctx.cluster, step.event.type, step.event.reason, step.kind, step.event.note);
  }
}

async function runSql(ctx: ActContext, action: SqlAction): Promise<void> {
  if (!ctx.doris.known) throw new Error(`cannot run ${action.op}: ${ctx.doris.reason}`);
  const ip = feAddress(ctx.feAddresses, ctx.doris.master);
  if (ip === undefined) throw new Error(`master FE ${ctx.doris.master} has no pod IP`);
  const client = await DorisClient.connect({
    host: ip,
    user: ctx.credentials.user,
    password: ctx.credentials.password,
  });
  try {
    switch (action.op) {
      case 'decommission':
        await client.decommissionBackend(action.hostPort);
        break;
      case 'cancelDecommission':
        await client.cancelDecommission(action.hostPort);
        break;
      case 'dropFrontend':
        await client.dropFrontend(action.role, action.hostPort);
        break;
      case 'dropBackend':
        // Doris' own alter daemon may have dropped it since we looked: gone is what we wanted.
        await client.dropBackendNow(action.hostPort).catch((err: unknown) => {
          if (!(err instanceof DorisError && /backend does not exist/i.test(err.detail))) throw err;
        });
        break;
      case 'disableQuery':
        await client.setBackendQueryable(action.hostPort, false);
        break;
      case 'enableQuery':
        await client.setBackendQueryable(action.hostPort, true);
        break;
      case 'dropBroker':
        await client.dropBroker(action.name, action.hostPort);
        break;
      case 'setBalance': {
        // Three statements, so a crash can leave them mixed: read all three back, and let the
        // planner finish the job from what Doris reports (it asks again while they differ).
        for (const key of balanceKeys) await client.setFrontendConfig(key, String(action.disabled));
        const now = (await readSettings(client)).balance;
        const wrong = balanceKeys.filter((k) => now[k] !== action.disabled);
        if (wrong.length > 0)
          throw new Error(`Doris did not keep ${wrong.map((k) => `${k}=${action.disabled}`).join(', ')}`);
        break;
      }
    }
  } finally {
    await client.close();
  }
}
