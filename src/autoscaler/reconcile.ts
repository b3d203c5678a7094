/**
 * The DorisClusterAutoscaler reconciler. Every sync period it reads the metrics, records the
 * recommendation and decides (decide.ts); a change is written to `spec.cn.replicas` of the cluster
 * under its own field manager, only when the cluster can take it: Doris known (S3), no operation
 * in progress and the last spec change carried out (S4). The DorisCluster controller then adds
 * compute nodes, or drains and drops them one at a time.
 */
import {
  type AutoscalerStatus,
  autoscalerSpecSchema,
  type DorisCluster,
  type DorisClusterAutoscaler,
  type DorisClusterSpec,
  dorisClusterAutoscalerKind,
  dorisClusterKind,
  type ResolvedAutoscalerSpec,
  type ResolvedDorisClusterSpec,
  withDefaults,
} from '../api/v1alpha1/index.ts';
import { componentPods } from '../cluster/observe.ts';
import { compareQuantities, parseQuantity } from '../kube/quantity.ts';
import { builtin, objectPath } from '../kube/resources.ts';
import { contentTypes } from '../kube/rest.ts';
import { stableJson } from '../runtime/apply.ts';
import { type Condition, type ConditionInput, setCondition } from '../runtime/conditions.ts';
import { done, type Outcome, type ReconcileContext, requeueAfter } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import type { KubeObject } from '../runtime/object.ts';
import { keyOf } from '../runtime/object.ts';
import { updateStatus } from '../runtime/status.ts';
import {
  type Decision,
  decide,
  memoryMs,
  nodes,
  type Reading,
  type Recommendation,
  type ScaleEvent,
} from './decide.ts';
import {
  DirectReader,
  type MemberTarget,
  PrometheusReader,
  type ReadCost,
  type Targets,
} from './readings.ts';
import { boundsAt, nextChange } from './schedules.ts';
import { type DirFacts, type DirReport, planStorage, readUsage } from './storage.ts';

/**
 * The field managers the autoscaler writes under (GitOps tools leave these fields to it): one per
 * field it owns, since an apply states all of a manager's fields and would drop the other one.
 */
export const AUTOSCALER_FIELD_MANAGER = 'doris-autoscaler';
export const STORAGE_FIELD_MANAGER = 'doris-autoscaler-storage';

/**
 * Server-side apply of `spec` to the cluster as cached: the uid and resourceVersion are
 * preconditions, so a cluster deleted (and never re-created by an apply) or changed by someone
 * else meanwhile refuses the write (409) and the next pass decides again on what is current.
 */
async function applyToCluster(
  deps: AutoscalerDeps,
  dc: DorisCluster,
  manager: string,
  spec: object,
): Promise<void> {
  await deps.manager.client.request({
    method: 'PATCH',
    path: objectPath(dorisClusterKind.resource, dc.metadata.namespace, dc.metadata.name),
    contentType: contentTypes.apply,
    query: { fieldManager: manager, force: true },
    body: {
      apiVersion: dorisClusterKind.apiVersion,
      kind: 'DorisCluster',
      metadata: {
        name: dc.metadata.name,
        namespace: dc.metadata.namespace,
        uid: dc.metadata.uid,
        resourceVersion: dc.metadata.resourceVersion,
      },
      spec,
    },
  });
}

/** What one autoscaler remembers between passes (lost on restart, and rebuilt conservatively). */
export interface Memory {
  readonly uid: string;
  readonly source: 'Direct' | 'Prometheus';
  readonly reader: DirectReader | PrometheusReader;
  recommendations: Recommendation[];
  events: ScaleEvent[];
  /** Storage: since when each data directory is above its threshold. */
  aboveSince: Map<string, number>;
  lastScaleAt?: number;
}

export interface AutoscalerDeps {
  readonly manager: Manager;
  readonly memory: Map<string, Memory>;
  /** Metric reads of every autoscaler since start (the operator's own metrics, the benchmark). */
  readonly cost: ReadCost;
  readonly now?: () => number;
}

const phasesThatWait = new Set(['Creating', 'Upgrading', 'Restarting', 'Recovering', 'Paused']);

/** Why the cluster cannot take a change of spec.cn.replicas now, or undefined when it can. */
export function clusterBusy(dc: DorisCluster): { reason: string; message: string } | undefined {
  const s = dc.status;
  const ready = s?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'Unknown' || ready?.reason === 'DorisUnreachable')
    return { reason: 'DorisUnknown', message: `Doris state is unknown: ${ready.message}` };
  if (s?.operation !== undefined)
    return {
      reason: 'OperationInProgress',
      message: `${s.operation.type} of ${s.operation.component}${s.operation.member ? ` (${s.operation.member})` : ''} in progress`,
    };
  if (s?.observedGeneration !== dc.metadata.generation)
    return { reason: 'ClusterChanging', message: 'the cluster has not yet carried out its last spec change' };
  if (s?.phase !== undefined && phasesThatWait.has(s.phase))
    return { reason: `Cluster${s.phase}`, message: `the cluster is ${s.phase}` };
  return undefined;
}

const round = (v: number): string => {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1024 ** 2) return `${(v / 1024 ** 3).toFixed(1)}Gi`;
  return String(Number(v.toPrecision(2)));
};

export async function reconcileAutoscaler(deps: AutoscalerDeps, ctx: ReconcileContext): Promise<Outcome> {
  const { manager } = deps;
  const now = (deps.now ?? Date.now)();
  const namespace = ctx.key.namespace ?? 'default';
  const key = keyOf(ctx.key);
  const dca = manager.cache.get<DorisClusterAutoscaler>(
    dorisClusterAutoscalerKind.resource,
    namespace,
    ctx.key.name,
    manager.primarySelector(),
  );
  if (dca === undefined || dca.metadata.deletionTimestamp !== undefined) {
    deps.memory.delete(key);
    return done;
  }
  const generation = dca.metadata.generation ?? 0;
  const previous = (dca.status ?? {}) as AutoscalerStatus;
  let conditions = (previous.conditions ?? []) as Condition[];
  const condition = (c: Omit<ConditionInput, 'observedGeneration'>) => {
    conditions = setCondition(conditions, { ...c, observedGeneration: generation }, new Date(now));
  };
  const write = async (status: AutoscalerStatus) => {
    const next = { ...status, observedGeneration: generation, conditions };
    const { written } = await updateStatus(manager.client, dorisClusterAutoscalerKind.resource, dca, next);
    return written;
  };

  const parsed = autoscalerSpecSchema.safeParse(dca.spec);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
    condition({ type: 'AbleToScale', status: 'False', reason: 'InvalidSpec', message: problems });
    await write({});
    return done;
  }
  const spec = parsed.data;
  const dc = manager.cache.get<DorisCluster>(
    dorisClusterKind.resource,
    namespace,
    spec.clusterRef.name,
    manager.primarySelector(),
  );
  // One autoscaler per cluster (two would fight over spec.cn.replicas): the oldest is it.
  const first = manager.cache
    .list<DorisClusterAutoscaler>(dorisClusterAutoscalerKind.resource, namespace, manager.primarySelector())
    .filter(
      (a) => a.spec?.clusterRef?.name === spec.clusterRef.name && a.metadata.deletionTimestamp === undefined,
    )
    .sort(
      (a, b) =>
        String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) ||
        a.metadata.name.localeCompare(b.metadata.name),
    )[0];
  if (first !== undefined && first.metadata.name !== dca.metadata.name) {
    deps.memory.delete(key);
    condition({
      type: 'AbleToScale',
      status: 'False',
      reason: 'ClusterAlreadyScaled',
      message: `DorisClusterAutoscaler ${first.metadata.name} already scales cluster ${spec.clusterRef.name}; this one does nothing`,
    });
    await write({});
    return done;
  }
  const cn = dc?.spec?.cn as { replicas?: number } | undefined;
  if (dc === undefined || cn === undefined || dc.metadata.deletionTimestamp !== undefined) {
    condition({
      type: 'AbleToScale',
      status: 'False',
      reason:
        dc === undefined || dc.metadata.deletionTimestamp !== undefined
          ? 'ClusterNotFound'
          : 'NoComputeNodes',
      message:
        dc === undefined || dc.metadata.deletionTimestamp !== undefined
          ? `DorisCluster ${namespace}/${spec.clusterRef.name} does not exist (or is being deleted)`
          : `DorisCluster ${spec.clusterRef.name} has no spec.cn: add compute nodes to autoscale them`,
    });
    await write({});
    return done;
  }
  const current = cn.replicas ?? 1;
  if (current === 0) {
    // As a HorizontalPodAutoscaler with a target at zero: autoscaling is off until it is raised.
    deps.memory.delete(key);
    condition({
      type: 'AbleToScale',
      status: 'False',
      reason: 'ScalingDisabled',
      message: 'spec.cn.replicas is 0: autoscaling is off until it is raised',
    });
    await write({ currentReplicas: 0, desiredReplicas: 0 });
    return done;
  }

  let memory = deps.memory.get(key);
  if (memory === undefined || memory.uid !== dca.metadata.uid || memory.source !== spec.metricsSource.type) {
    memory = {
      uid: dca.metadata.uid ?? '',
      source: spec.metricsSource.type,
      reader:
        spec.metricsSource.type === 'Prometheus'
          ? new PrometheusReader(deps.cost)
          : new DirectReader(deps.cost),
      // Nothing remembered (a restart): as if `current` had been recommended all along, so a
      // scale-down waits for a whole stabilisation window of fresh recommendations.
      recommendations: [{ at: now, replicas: current }],
      events: [],
      aboveSince: new Map(),
    };
    deps.memory.set(key, memory);
  }

  const pods = manager.cache
    .list<KubeObject>(builtin.Pod, namespace)
    .filter((p) => p.metadata.labels?.['app.kubernetes.io/instance'] === dc.metadata.name);
  const ready = (c: 'fe' | 'be' | 'cn') =>
    componentPods(pods, c)
      .filter((p) => p.ready && p.ip !== undefined)
      .map((p) => ({ pod: p.name, uid: p.uid, ip: p.ip as string }));
  const targets: Targets = {
    namespace,
    cluster: dc.metadata.name,
    fe: ready('fe'),
    cn: ready('cn'),
    current,
  };
  const readings = await memory.reader.read(spec, targets);
  const bounds = boundsAt(spec, now);
  const keep = now - memoryMs(spec);
  memory.recommendations = memory.recommendations.filter((r) => r.at > keep);
  memory.events = memory.events.filter((e) => e.at > keep);
  // The later of status and memory: a status write lost after a scale must not lose the cool-down.
  const lastScaleAt =
    Math.max(
      typeof previous.lastScaleTime === 'string' ? Date.parse(previous.lastScaleTime) : 0,
      memory.lastScaleAt ?? 0,
    ) || undefined;
  const decision = decide({
    spec,
    current,
    readings,
    bounds,
    recommendations: memory.recommendations,
    events: memory.events,
    ...(lastScaleAt === undefined ? {} : { lastScaleAt }),
    now,
  });
  // As HPA: a pass where some metric could not be read recommends nothing.
  if (readings.every((r) => !('error' in r)))
    memory.recommendations.push({ at: now, replicas: decision.proposal });

  reportMetrics(condition, readings, decision, spec);
  const busy = decision.desired === current ? undefined : clusterBusy(dc);
  let lastScaleTime = previous.lastScaleTime;
  if (decision.desired !== current && busy === undefined) {
    await setComputeReplicas(deps, dc, decision.desired);
    memory.events.push({ at: now, delta: decision.desired - current });
    memory.lastScaleAt = now;
    lastScaleTime = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    await manager.events.record(
      dca,
      'Normal',
      'SuccessfulRescale',
      'Scale',
      `New size: ${nodes(decision.desired)} (was ${current}); reason: ${decision.reason}`,
    );
  }
  const storage =
    spec.storage?.be === undefined
      ? undefined
      : await storageStep(
          deps,
          dc,
          dca,
          spec.storage.be,
          memory,
          ready('be'),
          now,
          decision.desired !== current,
        );
  condition(
    busy !== undefined
      ? {
          type: 'AbleToScale',
          status: 'False',
          reason: busy.reason,
          message: `waiting to scale to ${decision.desired}: ${busy.message}`,
        }
      : decision.desired !== current
        ? {
            type: 'AbleToScale',
            status: 'True',
            reason: 'SucceededRescale',
            message: `spec.cn.replicas set to ${decision.desired}`,
          }
        : decision.limit === 'CoolingDown' ||
            decision.limit === 'ScaleDownStabilized' ||
            decision.limit === 'ScaleUpStabilized' ||
            decision.limit === 'ScaleUpLimit' ||
            decision.limit === 'ScaleDownLimit'
          ? { type: 'AbleToScale', status: 'True', reason: decision.limit, message: decision.reason }
          : {
              type: 'AbleToScale',
              status: 'True',
              reason: 'ReadyForNewScale',
              message: 'the cluster can take a new size',
            },
  );
  condition(
    decision.limit === 'TooFewReplicas' || decision.limit === 'TooManyReplicas'
      ? { type: 'ScalingLimited', status: 'True', reason: decision.limit, message: decision.reason }
      : {
          type: 'ScalingLimited',
          status: 'False',
          reason: 'DesiredWithinRange',
          message: 'the desired count is within the acceptable range',
        },
  );
  const failed = readings.filter((r) => 'error' in r && r.pending !== true);
  // Repeats of one failure join a single Event series (the recorder writes it at most every 30 s).
  if (failed.length > 0)
    await manager.events.record(
      dca,
      'Warning',
      'FailedGetMetrics',
      'ReadMetrics',
      failed.map((r) => `${r.type}: ${(r as { error: string }).error}`).join('; '),
    );

  const next: AutoscalerStatus = {
    currentReplicas: current,
    desiredReplicas: decision.desired,
    reason: busy === undefined ? decision.reason : `${decision.reason} (waiting: ${busy.message})`,
    ...(decision.driving === undefined ? {} : { drivingMetric: decision.driving }),
    currentMetrics: readings.map((r) => ({
      type: r.type,
      current: 'error' in r ? 'unknown' : round(r.value),
      target: round(r.target),
      ...(decision.perMetric.get(r.type) === undefined
        ? {}
        : { recommended: decision.perMetric.get(r.type) as number }),
    })),
    ...(bounds.open.length > 0 ? { activeSchedules: bounds.open } : {}),
    ...(lastScaleTime === undefined ? {} : { lastScaleTime }),
    ...(storage === undefined ? {} : { storage: storage.reports }),
    ...((storage?.grownAt ?? previous.lastStorageGrowthTime) === undefined
      ? {}
      : { lastStorageGrowthTime: storage?.grownAt ?? previous.lastStorageGrowthTime }),
  };
  // Metrics move all the time; a status whose only change is a metric within half the tolerance
  // band of what it shows is not written (an autoscaler at rest writes nothing).
  if (
    !materiallySame(
      previous,
      { ...next, observedGeneration: generation, conditions },
      spec.behavior.tolerance / 2,
    )
  )
    await write(next);

  // CPU is a rate: the first read of a pod only starts it, so look again soon.
  const warming = readings.some((r) => 'error' in r && r.pending === true);
  const period = warming ? Math.min(spec.syncPeriodSeconds * 1000, 2000) : spec.syncPeriodSeconds * 1000;
  const window = nextChange(spec, now);
  const after = window === undefined ? period : Math.max(100, Math.min(period, window - now + 50));
  return requeueAfter(after, 'next metrics read');
}

function reportMetrics(
  condition: (c: Omit<ConditionInput, 'observedGeneration'>) => void,
  readings: readonly Reading[],
  decision: Decision,
  spec: ResolvedAutoscalerSpec,
): void {
  const failed = readings.filter((r): r is Extract<Reading, { error: string }> => 'error' in r);
  if (failed.length > 0 && failed.every((r) => r.pending)) {
    condition({
      type: 'ScalingActive',
      status: failed.length === readings.length ? 'Unknown' : 'True',
      reason: 'WarmingUp',
      message: failed.map((r) => `${r.type}: ${r.error}`).join('; '),
    });
  } else if (failed.length === readings.length) {
    condition({
      type: 'ScalingActive',
      status: 'False',
      reason: 'FailedGetMetrics',
      message: `no metric could be read, so nothing changes: ${failed.map((r) => `${r.type}: ${r.error}`).join('; ')}`,
    });
  } else if (
    spec.behavior.scaleUp.selectPolicy === 'Disabled' &&
    spec.behavior.scaleDown.selectPolicy === 'Disabled'
  ) {
    condition({
      type: 'ScalingActive',
      status: 'False',
      reason: 'ScalingDisabled',
      message: 'both directions are disabled in behavior',
    });
  } else if (failed.length > 0) {
    condition({
      type: 'ScalingActive',
      status: 'True',
      reason: 'SomeMetricsMissing',
      message: `scale-up only until every metric is read again: ${failed.map((r) => `${r.type}: ${r.error}`).join('; ')}`,
    });
  } else {
    condition({
      type: 'ScalingActive',
      status: 'True',
      reason: 'ValidMetricFound',
      message: `the autoscaler follows ${decision.driving ?? 'its metrics'}`,
    });
  }
}

/** spec.cn.replicas under the autoscaler's own field manager (server-side apply, taking the field over). */
async function setComputeReplicas(deps: AutoscalerDeps, dc: DorisCluster, replicas: number): Promise<void> {
  await applyToCluster(deps, dc, AUTOSCALER_FIELD_MANAGER, { cn: { replicas } });
}

/**
 * Storage autoscaling of the BE data directories: reads the BEs' disks, plans (storage.ts) and
 * writes the grown size under the autoscaler's field manager when the cluster can take it.
 */
async function storageStep(
  deps: AutoscalerDeps,
  dc: DorisCluster,
  dca: DorisClusterAutoscaler,
  rule: NonNullable<NonNullable<ResolvedAutoscalerSpec['storage']>['be']>,
  memory: Memory,
  bes: MemberTarget[],
  now: number,
  wroteReplicas: boolean,
): Promise<{ reports: DirReport[]; grownAt?: string }> {
  const { manager } = deps;
  const previousStorage = (dca.status as AutoscalerStatus | undefined)?.storage;
  let clusterSpec: ResolvedDorisClusterSpec;
  try {
    clusterSpec = withDefaults(dc.spec as DorisClusterSpec);
  } catch {
    return { reports: [] };
  }
  const namespace = dc.metadata.namespace;
  const claims = manager.cache.list<KubeObject>(builtin.PersistentVolumeClaim, namespace);
  const dirs: DirFacts[] = clusterSpec.be.storage.dataDirs.map((d) => {
    const prefix = `data-${d.name}-${dc.metadata.name}-be-`;
    const own = claims.filter(
      (c) =>
        c.metadata.labels?.['app.kubernetes.io/instance'] === dc.metadata.name &&
        c.metadata.name.startsWith(prefix) &&
        /^\d+$/.test(c.metadata.name.slice(prefix.length)),
    );
    const className = d.storageClassName ?? own[0]?.spec?.storageClassName;
    const sc =
      className === undefined ? undefined : manager.cache.get(builtin.StorageClass, undefined, className);
    return {
      name: d.name,
      size: String(d.size),
      settled: own.every((c) => compareQuantities(c.status?.capacity?.storage ?? '0', String(d.size)) >= 0),
      // An unknown class is left to the DorisCluster controller, which warns when it cannot expand.
      expandable:
        d.type === 'PersistentVolumeClaim' && (sc === undefined || sc.allowVolumeExpansion === true),
    };
  });
  const usage = await readUsage(bes, deps.cost);
  const plan = planStorage(rule, dirs, usage, memory.aboveSince, now);
  // A warning when a directory gets stuck, not at every pass (its note quotes the fill level).
  const before = new Map((previousStorage ?? []).map((d) => [d.dataDir, d.state]));
  for (const w of plan.warnings)
    if (before.get(w.dataDir) !== plan.reports.find((r) => r.dataDir === w.dataDir)?.state)
      await manager.events.record(dca, 'Warning', w.reason, 'GrowStorage', w.note);
  if (plan.grow === undefined || wroteReplicas || clusterBusy(dc) !== undefined) {
    if (plan.grow !== undefined) memory.aboveSince.set(plan.grow.dataDir, now - rule.forSeconds * 1000);
    return { reports: plan.reports };
  }
  await applyToCluster(deps, dc, STORAGE_FIELD_MANAGER, {
    be: { storage: { dataDirs: [{ name: plan.grow.dataDir, size: plan.grow.to }] } },
  });
  await manager.events.record(dca, 'Normal', 'StorageGrown', 'GrowStorage', plan.grow.note);
  return { reports: plan.reports, grownAt: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') };
}

/** Equal but for metric values within `band` (a share of their target) and the texts that quote them. */
export function materiallySame(before: AutoscalerStatus, after: AutoscalerStatus, band: number): boolean {
  // Condition messages quote the values too; their type, status and reason are what changed or not.
  const strip = (s: AutoscalerStatus) => ({
    ...s,
    reason: undefined,
    currentMetrics: s.currentMetrics?.map((m) => ({ ...m, current: undefined })),
    conditions: s.conditions?.map((c) => ({ ...c, message: undefined })),
  });
  if (stableJson(strip(before)) !== stableJson(strip(after))) return false;
  const old = new Map((before.currentMetrics ?? []).map((m) => [m.type, m]));
  return (after.currentMetrics ?? []).every((m) => {
    const was = old.get(m.type);
    if (was === undefined) return false;
    if (m.current === was.current) return true;
    const [a, b, target] = [quantityOf(m.current), quantityOf(was.current), quantityOf(m.target)];
    return (
      a !== undefined &&
      b !== undefined &&
      target !== undefined &&
      target > 0 &&
      Math.abs(a - b) / target <= band
    );
  });
}

const quantityOf = (v: string): number | undefined => (v === 'unknown' ? undefined : parseQuantity(v));
