/**
 * The DorisMonitor reconciler: applies what the mode asks for (managed.ts or
 * prometheus-operator.ts), removes what it no longer asks for, and reports the parts, the
 * endpoints and the scrape targets as the managed Prometheus last saw them (/api/v1/targets, asked
 * every 30 s from its pod). The targets are written only when they change, so a monitor at rest
 * writes nothing. RoleBindings in other namespaces cannot be owned, so a finalizer removes them.
 */
import { randomBytes } from 'node:crypto';
import {
  type DorisCluster,
  type DorisMonitor,
  defaultElectionNumber,
  dorisClusterKind,
  dorisMonitorKind,
  type MonitorStatus,
  monitorSpecSchema,
} from '../api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath, type ResourceType } from '../kube/resources.ts';
import { contentTypes, isConflict, isForbidden, isNotFound } from '../kube/rest.ts';
import type { Applier } from '../runtime/apply.ts';
import { type Condition, setCondition } from '../runtime/conditions.ts';
import { done, type Outcome, type ReconcileContext, requeueAfter } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import type { KubeObject, OwnerReference } from '../runtime/object.ts';
import { updateStatus } from '../runtime/status.ts';
import { type Desired, grafanaAdminSecretName, managedObjects } from './managed.ts';
import {
  monitorFinalizer,
  monitorLabel,
  monitorNamespaceLabel,
  type Part,
  partName,
  ports,
  serviceUrl,
} from './names.ts';
import { podMonitorType, prometheusOperatorObjects, prometheusRuleType } from './prometheus-operator.ts';
import { readTargets, type ScrapeTargets } from './scrape-targets.ts';
import { watchedClusters } from './targets.ts';

/** How often the managed Prometheus is asked for its targets. */
export const targetsPollMs = 30_000;

/** Types the controller caches by the monitor label (the others are applied without a cache). */
export const cachedTypes: readonly ResourceType[] = [
  builtin.ConfigMap,
  builtin.Service,
  builtin.ServiceAccount,
  builtin.RoleBinding,
  builtin.StatefulSet,
  builtin.Deployment,
];

export interface MonitorDeps {
  readonly manager: Manager;
  readonly applier: Applier;
  /** host:port of the operator's metrics Service, scraped by managed Prometheus when set. */
  readonly operatorMetrics?: string | undefined;
  /** Prefix of the installation's monitoring ClusterRoles. */
  readonly clusterRolePrefix?: string | undefined;
  /** Reads a Prometheus' targets (tests point it elsewhere). */
  readonly targets?: (baseUrl: string) => Promise<ScrapeTargets>;
  readonly now?: () => number;
  /** How often Prometheus is asked for its targets (default targetsPollMs). */
  readonly targetsPollMs?: number;
  /** Grafana admin Secrets known to exist (monitor uid/name), so each is looked up once. */
  readonly secretsMade: Set<string>;
}

type Status = MonitorStatus;

export async function reconcileMonitor(deps: MonitorDeps, ctx: ReconcileContext): Promise<Outcome> {
  const { manager } = deps;
  const namespace = ctx.key.namespace ?? 'default';
  const dm = manager.cache.get<DorisMonitor>(
    dorisMonitorKind.resource,
    namespace,
    ctx.key.name,
    manager.primarySelector(),
  );
  if (dm === undefined) return done;
  if (dm.metadata.deletionTimestamp !== undefined) {
    await removeForeignBindings(deps, dm);
    await setFinalizer(deps, dm, false);
    return done;
  }
  if (!(dm.metadata.finalizers ?? []).includes(monitorFinalizer)) {
    await setFinalizer(deps, dm, true);
    return done; // the update wakes the next pass
  }

  const generation = dm.metadata.generation ?? 0;
  const status = structuredClone(dm.status ?? {}) as Status;
  const condition = (type: string, ok: boolean, reason: string, message: string) => {
    status.conditions = setCondition(status.conditions as Condition[] | undefined, {
      type,
      status: ok ? 'True' : 'False',
      reason,
      message,
      observedGeneration: generation,
    }) as Status['conditions'];
  };
  const parsed = monitorSpecSchema.safeParse(dm.spec);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
    condition('Ready', false, 'InvalidSpec', problems);
    await writeStatus(deps, dm, { ...status, phase: 'Failed', observedGeneration: generation });
    return done;
  }
  const spec = parsed.data;
  const clusters = watchedClusters(namespace, spec, (ns, name) => {
    const c = manager.cache.get<DorisCluster>(dorisClusterKind.resource, ns, name);
    const fe = c?.spec?.fe as { replicas?: number; electionNumber?: number } | undefined;
    return fe?.electionNumber ?? defaultElectionNumber(fe?.replicas ?? 3);
  });
  status.clusters = clusters
    .filter((c) => manager.cache.get(dorisClusterKind.resource, c.namespace, c.name) !== undefined)
    .map((c) => `${c.namespace}/${c.name}`);
  const owner: OwnerReference = {
    apiVersion: dm.apiVersion ?? dorisMonitorKind.apiVersion,
    kind: dorisMonitorKind.kind,
    name: dm.metadata.name,
    uid: dm.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
  const input = {
    name: dm.metadata.name,
    namespace,
    owner,
    spec,
    clusters,
    operatorMetrics: deps.operatorMetrics,
    clusterDomain: manager.clusterDomain,
    clusterRolePrefix: deps.clusterRolePrefix,
  };

  if (spec.mode === 'PrometheusOperator') {
    const desired = prometheusOperatorObjects(input);
    const missing = await applyUncached(deps, desired);
    await prune(deps, dm, desired);
    condition(
      'Prometheus',
      missing === undefined,
      missing === undefined ? 'Handed' : 'PrometheusOperatorMissing',
      missing === undefined
        ? 'PodMonitor, PrometheusRule and dashboard ConfigMaps are in place for the Prometheus Operator'
        : `the Prometheus Operator's CRDs are not installed (${missing}); install kube-prometheus-stack or use mode Managed`,
    );
    condition(
      'Ready',
      missing === undefined,
      missing === undefined ? 'Handed' : 'PrometheusOperatorMissing',
      '',
    );
    status.phase = missing === undefined ? 'Ready' : 'Failed';
    await writeStatus(deps, dm, { ...status, observedGeneration: generation });
    // Nothing announces the CRDs being installed later: look again now and then.
    return missing === undefined ? done : requeueAfter(60_000, 'Prometheus Operator CRDs missing');
  }

  if (spec.grafana.enabled && spec.grafana.adminSecretRef === undefined)
    await ensureGrafanaSecret(deps, dm, owner);
  const desired = managedObjects(input);
  const refused = await applyCached(deps, desired);
  await prune(deps, dm, desired);

  // Parts: ready when their one pod is.
  const parts: [Part, string, boolean][] = [
    ['prometheus', 'Prometheus', true],
    ['grafana', 'Grafana', spec.grafana.enabled],
    ['loki', 'Loki', spec.loki.enabled],
    ['log-collector', 'LogCollector', spec.loki.enabled],
  ];
  let allReady = true;
  for (const [part, type, enabled] of parts) {
    if (!enabled) {
      status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
      continue;
    }
    const kind = part === 'prometheus' || part === 'loki' ? builtin.StatefulSet : builtin.Deployment;
    const w = manager.cache.get(kind, namespace, partName(dm.metadata.name, part), monitorLabel);
    const ready = ((w?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0) >= 1;
    allReady &&= ready;
    condition(
      type,
      ready,
      ready ? 'Running' : 'Starting',
      ready ? `${part} is ready` : `waiting for ${part} to be ready`,
    );
  }
  status.endpoints = {
    prometheus: serviceUrl(namespace, dm.metadata.name, 'prometheus', manager.clusterDomain),
    ...(spec.grafana.enabled
      ? { grafana: serviceUrl(namespace, dm.metadata.name, 'grafana', manager.clusterDomain) }
      : {}),
    ...(spec.loki.enabled
      ? { loki: serviceUrl(namespace, dm.metadata.name, 'loki', manager.clusterDomain) }
      : {}),
  };
  if (spec.grafana.enabled)
    status.grafanaAdminSecret = spec.grafana.adminSecretRef?.name ?? grafanaAdminSecretName(dm.metadata.name);
  else delete status.grafanaAdminSecret;

  const targets = await observeTargets(deps, dm, status);
  if (targets !== undefined) {
    const allUp = targets.up === targets.total && targets.total > 0;
    condition(
      'Targets',
      allUp,
      allUp ? 'AllUp' : targets.total === 0 ? 'NoTargets' : 'TargetsDown',
      allUp
        ? `${targets.total} targets up`
        : targets.total === 0
          ? 'Prometheus has found no Doris member yet'
          : `${targets.total - targets.up} of ${targets.total} targets down: ${(targets.down ?? []).join(', ')}`,
    );
  }
  const targetsOk = targets === undefined ? false : targets.up === targets.total && targets.total > 0;
  const wasReady = dm.status?.phase === 'Ready' || dm.status?.phase === 'Degraded';
  status.phase = allReady && targetsOk && refused.length === 0 ? 'Ready' : wasReady ? 'Degraded' : 'Pending';
  condition(
    'Ready',
    status.phase === 'Ready',
    refused.length > 0
      ? 'NamespaceNotWatched'
      : status.phase === 'Ready'
        ? 'Monitoring'
        : allReady
          ? 'TargetsDown'
          : 'PartsStarting',
    refused.length > 0
      ? `this installation may not grant Prometheus access in namespace(s) ${refused.join(', ')}: add them to the operator's watched namespaces, or monitor clusters of watched namespaces only`
      : status.phase === 'Ready'
        ? 'every part ready and every target up'
        : 'see the other conditions',
  );
  await writeStatus(deps, dm, { ...status, observedGeneration: generation });
  return requeueAfter(deps.targetsPollMs ?? targetsPollMs, 'poll Prometheus targets');
}

async function writeStatus(deps: MonitorDeps, dm: DorisMonitor, status: Status): Promise<void> {
  try {
    await updateStatus(deps.manager.client, dorisMonitorKind.resource, dm, status);
  } catch (err) {
    if (!isConflict(err) && !isNotFound(err)) throw err;
  }
}

/** The targets as Prometheus reports them; kept as they were (with their time) unless they changed. */
async function observeTargets(
  deps: MonitorDeps,
  dm: DorisMonitor,
  status: Status,
): Promise<NonNullable<Status['targets']> | undefined> {
  const pod = deps.manager.cache.get(
    builtin.Pod,
    dm.metadata.namespace,
    `${partName(dm.metadata.name, 'prometheus')}-0`,
    monitorLabel,
  );
  const ip = (pod?.status as { podIP?: string } | undefined)?.podIP;
  if (ip === undefined) return status.targets;
  let seen: ScrapeTargets;
  try {
    seen = await (deps.targets ?? readTargets)(
      `http://${ip.includes(':') ? `[${ip}]` : ip}:${ports.prometheus}`,
    );
  } catch {
    return status.targets;
  }
  const doris = seen.filter((t) => t.job === 'doris');
  const down = doris
    .filter((t) => t.health !== 'up')
    .map((t) => `${t.namespace}/${t.pod}`)
    .sort();
  const next = {
    up: doris.length - down.length,
    total: doris.length,
    ...(down.length ? { down: down.slice(0, 32) } : {}),
  };
  const prev = status.targets;
  if (
    prev &&
    prev.up === next.up &&
    prev.total === next.total &&
    (prev.down ?? []).join() === (next.down ?? []).join()
  )
    return prev;
  status.targets = { ...next, lastSeen: new Date((deps.now ?? Date.now)()).toISOString() };
  return status.targets;
}

/** Applies the objects; returns the namespaces where a RoleBinding was refused (not watched by this install). */
async function applyCached(deps: MonitorDeps, desired: readonly Desired[]): Promise<string[]> {
  const refused: string[] = [];
  for (const { type, object } of desired) {
    const live = deps.manager.cache.get(type, object.metadata.namespace, object.metadata.name, monitorLabel);
    try {
      await deps.applier.apply(type, object, live);
    } catch (err) {
      if (!(isForbidden(err) && type === builtin.RoleBinding)) throw err;
      refused.push(object.metadata.namespace ?? '');
    }
  }
  return [...new Set(refused)].sort();
}

/** Applies objects of types that may not exist here; returns the first missing type's name. */
async function applyUncached(deps: MonitorDeps, desired: readonly Desired[]): Promise<string | undefined> {
  for (const { type, object } of desired) {
    let live: KubeObject | undefined;
    if (cachedTypes.includes(type))
      live = deps.manager.cache.get(type, object.metadata.namespace, object.metadata.name, monitorLabel);
    else
      try {
        live = await deps.manager.client.request<KubeObject>({
          method: 'GET',
          path: objectPath(type, object.metadata.namespace, object.metadata.name),
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    try {
      await deps.applier.apply(type, object, live);
    } catch (err) {
      if (isNotFound(err) && (type === podMonitorType || type === prometheusRuleType))
        return `${type.plural}.${type.group}`;
      throw err;
    }
  }
  return undefined;
}

/** Deletes the monitor's cached objects it no longer wants (a part disabled, a namespace no longer watched). */
async function prune(deps: MonitorDeps, dm: DorisMonitor, desired: readonly Desired[]): Promise<void> {
  const wanted = new Set(
    desired.map((d) => `${d.type.plural}/${d.object.metadata.namespace}/${d.object.metadata.name}`),
  );
  const ns = dm.metadata.namespace ?? 'default';
  for (const type of cachedTypes) {
    for (const o of deps.manager.cache.list(type, undefined, monitorLabel)) {
      const labels = o.metadata.labels ?? {};
      if (labels[monitorLabel] !== dm.metadata.name) continue;
      if ((labels[monitorNamespaceLabel] ?? o.metadata.namespace) !== ns) continue;
      if (type !== builtin.RoleBinding && o.metadata.namespace !== ns) continue;
      if (!wanted.has(`${type.plural}/${o.metadata.namespace}/${o.metadata.name}`))
        await deps.applier.delete(type, o.metadata.namespace, o.metadata.name);
    }
  }
}

/** On deletion: the RoleBindings outside the monitor namespace (those inside go with their owner). */
async function removeForeignBindings(deps: MonitorDeps, dm: DorisMonitor): Promise<void> {
  const ns = dm.metadata.namespace ?? 'default';
  for (const o of deps.manager.cache.list(builtin.RoleBinding, undefined, monitorLabel)) {
    const labels = o.metadata.labels ?? {};
    if (labels[monitorLabel] !== dm.metadata.name || labels[monitorNamespaceLabel] !== ns) continue;
    if (o.metadata.namespace === ns) continue;
    await deps.applier.delete(builtin.RoleBinding, o.metadata.namespace, o.metadata.name);
  }
}

async function setFinalizer(deps: MonitorDeps, dm: DorisMonitor, present: boolean): Promise<void> {
  const list = (dm.metadata.finalizers ?? []).filter((f) => f !== monitorFinalizer);
  if (present) list.push(monitorFinalizer);
  else if (list.length === (dm.metadata.finalizers ?? []).length) return;
  try {
    await deps.manager.client.request({
      method: 'PATCH',
      path: objectPath(dorisMonitorKind.resource, dm.metadata.namespace, dm.metadata.name),
      contentType: contentTypes.json,
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: dm.metadata.resourceVersion },
        { op: 'add', path: '/metadata/finalizers', value: list },
      ],
    });
  } catch (err) {
    // A stale view (409/422 on the test) or a monitor already gone: the next event brings it again.
    if (!isConflict(err) && !isNotFound(err) && (err as { status?: number }).status !== 422) throw err;
  }
}

/** Grafana's admin password, generated once into a Secret the monitor owns. */
async function ensureGrafanaSecret(
  deps: MonitorDeps,
  dm: DorisMonitor,
  owner: OwnerReference,
): Promise<void> {
  const name = grafanaAdminSecretName(dm.metadata.name);
  // Secrets are not cached (their data would be); the one generated is looked up once per monitor.
  const id = `${dm.metadata.uid}/${name}`;
  if (deps.secretsMade.has(id)) return;
  try {
    await deps.manager.client.request({
      method: 'GET',
      path: objectPath(builtin.Secret, dm.metadata.namespace, name),
    });
    deps.secretsMade.add(id);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await deps.manager.client.request({
      method: 'POST',
      path: collectionPath(builtin.Secret, dm.metadata.namespace),
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name,
          namespace: dm.metadata.namespace,
          labels: { [monitorLabel]: dm.metadata.name, 'app.kubernetes.io/managed-by': 'doris-operator' },
          ownerReferences: [owner],
        },
        type: 'Opaque',
        stringData: { user: 'admin', password: randomBytes(18).toString('base64url') },
      },
    });
    deps.secretsMade.add(id);
  } catch (err) {
    if (!isConflict(err)) throw err; // 409: made meanwhile
  }
}
