/**
 * The DorisCluster reconciler: observe -> plan (pure) -> write status -> act one step -> requeue.
 * Status (with the operation about to run) is written before the step, so an operator killed at
 * any point resumes from what status says (S8). Supporting objects (ConfigMaps, Services, PDBs)
 * and StatefulSet templates are applied every pass by server-side apply, which writes only when
 * something differs.
 */
import {
  type Component,
  type DorisCluster,
  type DorisClusterSpec,
  type DorisClusterStatus,
  dorisClusterKind,
  InvalidSpecError,
  type ResolvedDorisClusterSpec,
  withDefaults,
} from '../api/v1alpha1/index.ts';
import { builtin } from '../kube/resources.ts';
import { isConflict } from '../kube/rest.ts';
import { type Condition, findCondition, setCondition } from '../runtime/conditions.ts';
import {
  done,
  type Outcome,
  type ReconcileContext,
  requeueAfter,
  TerminalError,
} from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import type { NamedWatches } from '../runtime/named-watch.ts';
import { type KubeObject, keyOf } from '../runtime/object.ts';
import { patchStatus, updateStatus } from '../runtime/status.ts';
import { act } from './act.ts';
import { desiredCredentials, operatorSecretName, syncCredentials } from './credentials.ts';
import { buildStatefulSet, buildSupportObjects, type ClusterRef, presentComponents } from './desired.ts';
import { expandClaims } from './expand.ts';
import { reportFailure, type StepBackoff, StepFailedError, stillFailing } from './failure.ts';
import {
  annotationKeys,
  components,
  hostKey,
  labelKeys,
  memberHost,
  podName,
  statefulSetName,
} from './names.ts';
import { componentPods, type DorisView, type KeptConnections, observeDoris } from './observe.ts';
import { decisionEvents, nextFailures } from './plan/failover.ts';
import { growthSteps, isDisruptive, plan } from './plan/index.ts';
import { buildMembers } from './plan/members.ts';
import { balanceIs } from './plan/rollout.ts';
import type { ClaimView, Operation, PlanInput, Step } from './plan/types.ts';
import { feRoleChanges, labelFeRoles } from './role-labels.ts';
import { desiredRootPassword, rootPasswordSource, rootSecretName, secureRoot } from './root-account.ts';
import { buildStatus } from './status.ts';
import { releaseStrandedPods } from './stranded.ts';

/** How often a cluster at rest is looked at again, to refresh the Doris view in status. */
export const restingRequeueMs = 30_000;
/** How often a cluster that is not Ready yet (members starting, Doris unreachable) is looked at. */
export const settlingRequeueMs = 2_000;

export interface ClusterDeps {
  readonly manager: Manager;
  /** Paces the retries of steps Doris or the API server refused. */
  readonly backoff: StepBackoff;
  /** Observes Doris; tests may pass a faster timeout. */
  readonly observeDoris?: typeof observeDoris;
  /** Watches of the Secrets the clusters name, so a new or rotated Secret wakes its cluster up. */
  secrets?: NamedWatches;
  /** Watches of the ConfigMaps the clusters name as their own conf files (configMapRef). */
  configMaps?: NamedWatches;
  /**
   * Clusters whose FEs refused the confirmed credentials at the last look: their next pass logs in
   * to repair the account. Others are not logged in to at rest (the observation is the check).
   */
  readonly refused?: Set<string>;
  /** Each cluster's connection to its master FE, kept between looks. */
  readonly connections?: KeptConnections;
  /** Looks in a row at which a cluster's Doris could not be known: they space its next looks. */
  readonly unknownLooks?: Map<string, number>;
}

/**
 * When to look again at a cluster that is not Ready and has nothing to do: every 2 s, spaced out
 * to 16 s while its FEs do not answer, so a cluster whose FE hangs (each look waits for its
 * timeout) does not take a worker most of the time. Its pods and Secrets still wake it at once.
 */
export function settlingDelayMs(unknownLooks: number): number {
  return Math.min(settlingRequeueMs * 2 ** Math.max(0, unknownLooks - 1), 16_000);
}

export async function reconcileCluster(deps: ClusterDeps, ctx: ReconcileContext): Promise<Outcome> {
  const { manager } = deps;
  // From the primary informer, which honours the manager's label selector (sharding): without it,
  // a second, unfiltered informer would be created here, unsynced and not wired to the queue.
  const cluster = manager.cache.get<DorisCluster>(
    dorisClusterKind.resource,
    ctx.key.namespace,
    ctx.key.name,
    manager.primarySelector(),
  );
  const live = cluster?.metadata.deletionTimestamp === undefined ? cluster?.spec : undefined;
  // The Secrets a cluster reads each pass, watched (named-watch.ts) so that a pass at rest reads nothing:
  // the user's (auth, root) and the operator's own (confirmed credentials, generated root password).
  const named =
    live === undefined
      ? []
      : [
          live.authSecretRef?.name,
          live.authSecretRef === undefined ? undefined : rootPasswordSourceOf(manager, ctx, live),
          operatorSecretName(ctx.key.name),
          live.authSecretRef === undefined ? undefined : rootSecretName(ctx.key.name),
        ].filter((n) => n !== undefined);
  deps.secrets?.track(
    keyOf(ctx.key),
    named.map((name) => ({ namespace: ctx.key.namespace ?? 'default', name })),
  );
  // The users' own conf files (configMapRef), watched the same way: a change rolls the members.
  deps.configMaps?.track(
    keyOf(ctx.key),
    ownConfigRefs(live).map(([, name]) => ({ namespace: ctx.key.namespace ?? 'default', name })),
  );
  if (cluster === undefined || cluster.metadata.deletionTimestamp !== undefined) {
    deps.refused?.delete(keyOf(ctx.key));
    deps.unknownLooks?.delete(keyOf(ctx.key));
    deps.connections?.drop(keyOf(ctx.key));
    return done;
  }
  // The object as last stored: a failure is reported on top of the status this pass wrote.
  const latest = { object: cluster as KubeObject };
  try {
    return await reconcileLive(deps, ctx, cluster, latest);
  } catch (err) {
    if (err instanceof TerminalError) throw err;
    // The optimistic lock doing its job: this pass saw an older object. Look again at once, quietly.
    if (isConflict(err)) return requeueAfter(100, 'the cluster changed during the pass');
    await reportFailure(manager, latest.object, err);
    throw err;
  }
}

async function reconcileLive(
  deps: ClusterDeps,
  ctx: ReconcileContext,
  cluster: DorisCluster,
  latest: { object: KubeObject },
): Promise<Outcome> {
  const { manager } = deps;
  const restartedAt = cluster.metadata.annotations?.[annotationKeys.restartedAt];
  const ownConfig = await readOwnConfig(deps, cluster);
  const ref: ClusterRef = {
    name: cluster.metadata.name,
    namespace: cluster.metadata.namespace ?? 'default',
    uid: cluster.metadata.uid ?? '',
    apiVersion: cluster.apiVersion ?? 'doris.cloudnative.dev/v1alpha1',
    kind: 'DorisCluster',
    clusterDomain: manager.clusterDomain,
    ...(restartedAt === undefined ? {} : { restartedAt }),
    ownConfig,
  };

  let spec: ResolvedDorisClusterSpec;
  try {
    spec = withDefaults(cluster.spec);
  } catch (err) {
    if (!(err instanceof InvalidSpecError)) throw err;
    await reportInvalid(manager, cluster, err);
    throw new TerminalError(err.message);
  }

  for (const d of buildSupportObjects(ref, spec)) {
    const live = manager.cache.get(d.type, ref.namespace, d.object.metadata.name);
    await manager.applier.apply(d.type, d.object, live);
  }

  const allPods = manager.cache
    .list(builtin.Pod, ref.namespace)
    .filter((p) => p.metadata.labels?.[labelKeys.instance] === ref.name);
  if ((await releaseStrandedPods(manager, cluster, allPods)) > 0)
    return requeueAfter(1000, 'pods on nodes that are off were force-deleted');
  const pods: PlanInput['pods'] = {
    fe: componentPods(allPods, 'fe'),
    be: componentPods(allPods, 'be'),
    cn: componentPods(allPods, 'cn'),
    broker: componentPods(allPods, 'broker'),
  };
  const statefulSets: PlanInput['statefulSets'] = {};
  const target: PlanInput['target'] = {};
  for (const c of presentComponents(spec)) {
    const live = manager.cache.get(builtin.StatefulSet, ref.namespace, `${ref.name}-${c}`);
    const desired = buildStatefulSet(ref, spec, c, live?.spec?.replicas ?? spec[c]?.replicas ?? 0);
    const template = desired.spec.template;
    target[c] = {
      image: template.spec.containers[0].image,
      templateHash: template.metadata.annotations[annotationKeys.templateHash],
    };
    if (live !== undefined && live.metadata.deletionTimestamp === undefined) {
      if (claimNames(live) !== claimNames(desired)) {
        // Claim templates are immutable, and a new BE data directory needs one: replace the
        // StatefulSet but orphan its pods and claims, so no member stops; the new StatefulSet
        // adopts them, and the rollout restarts each member onto the new volume in turn.
        await manager.applier.delete(builtin.StatefulSet, ref.namespace, live.metadata.name, 'Orphan');
        await manager.events.record(
          cluster,
          'Normal',
          'StatefulSetReplaced',
          'Replace',
          `Replacing ${live.metadata.name} (pods kept) to add volumes: ${claimNames(desired)}`,
        );
        return requeueAfter(1000, `replace ${live.metadata.name} for new volumes`);
      }
      statefulSets[c] = { replicas: live.spec.replicas ?? 0 };
      // Sizes in claim templates cannot change either: keep the live ones (expandClaims grows the claims).
      desired.spec.volumeClaimTemplates = live.spec.volumeClaimTemplates;
      await manager.applier.apply(builtin.StatefulSet, desired, live);
      await expandClaims(manager, cluster, ref, spec, c, live.spec.replicas ?? 0);
    }
  }

  // A component gone from the spec keeps its StatefulSet until its members are out of Doris.
  for (const c of components) {
    if (spec[c] !== undefined || statefulSets[c] !== undefined) continue;
    const live = manager.cache.get(builtin.StatefulSet, ref.namespace, statefulSetName(ref.name, c));
    if (live !== undefined && live.metadata.deletionTimestamp === undefined && ownedBy(live, ref.uid))
      statefulSets[c] = { replicas: live.spec?.replicas ?? 0 };
  }

  const desired = await desiredCredentials(manager, ref.namespace, spec.authSecretRef?.name, deps.secrets);
  const clusterKey = `${ref.namespace}/${ref.name}`;
  const credentials = await syncCredentials(
    manager,
    ref,
    cluster,
    desired,
    pods.fe.find((p) => p.ready && p.ip)?.ip,
    deps.secrets,
    deps.refused?.has(clusterKey) ?? true,
  );
  const rootPassword = await desiredRootPassword(manager, ref, spec, credentials, deps.secrets);
  if (rootPassword !== undefined) {
    const feIp = pods.fe.find((p) => p.ready && p.ip)?.ip;
    await secureRoot(manager, ref, cluster, credentials, rootPassword, feIp, deps.secrets);
  }
  const feAddresses = new Map(
    pods.fe
      .filter((p) => p.ip !== undefined)
      .map((p) => [hostKey(memberHost(ref.name, 'fe', ref.namespace, p.ordinal)), p.ip ?? '']),
  );
  const doris: DorisView = await (deps.observeDoris ?? observeDoris)({
    credentials,
    feAddresses,
    ...(deps.connections ? { kept: { key: clusterKey, connections: deps.connections } } : {}),
  });
  if (!doris.known && doris.denied) deps.refused?.add(clusterKey);
  else deps.refused?.delete(clusterKey);
  const unknownLooks = doris.known ? 0 : (deps.unknownLooks?.get(clusterKey) ?? 0) + 1;
  if (unknownLooks === 0) deps.unknownLooks?.delete(clusterKey);
  else deps.unknownLooks?.set(clusterKey, unknownLooks);

  const previous = cluster.status as DorisClusterStatus | undefined;
  const previousFlag =
    findCondition(previous?.conditions as Condition[] | undefined, 'TabletBalancingPaused')?.status ===
    'True';
  // Doris is the truth: a new master starts with balancing on, and then there is nothing to resume.
  // Any one of the three settings still on means the pause (or its undoing) is unfinished.
  const balanceDisabledByOperator = previousFlag && (!doris.known || !balanceIs(doris.balance, false));
  const observed: PlanInput = {
    cluster: ref.name,
    namespace: ref.namespace,
    clusterDomain: manager.clusterDomain,
    spec,
    statefulSets,
    pods,
    target,
    doris,
    ...(previous?.operation ? { operation: previous.operation as Operation } : {}),
    balanceDisabledByOperator,
    claims: frontendClaims(manager, ref, Math.max(statefulSets.fe?.replicas ?? 0, pods.fe.length)),
    ...(previous ? { failures: failuresOf(previous) } : {}),
    now: new Date(),
  };
  // Failover decides in status first (S8): the records after this pass drive the member counts.
  // Failure records do not change the member model: it is built once for the whole pass.
  const members = buildMembers(observed);
  const input: PlanInput = { ...observed, failures: nextFailures(observed, members, manager.failover) };
  for (const e of decisionEvents(observed.failures, input.failures ?? {}))
    await manager.events.record(cluster, e.type, e.reason, 'Failover', e.note);
  const step = plan(input, members);
  const pausing = step?.kind === 'sql' && step.action.op === 'setBalance' && step.action.disabled;
  const status = buildStatus({
    plan: input,
    step,
    generation: cluster.metadata.generation ?? 0,
    previous,
    balanceDisabledByOperator: balanceDisabledByOperator || pausing,
    failing: stillFailing(previous, step),
    members,
  });
  latest.object = (await updateStatus(manager.client, dorisClusterKind.resource, cluster, status)).object;
  if (doris.known) {
    // Informational (monitoring, kubectl): a label that cannot be written holds no step back.
    const fePods = allPods.filter((p) => p.metadata.labels?.[labelKeys.component] === 'fe');
    await labelFeRoles(
      manager,
      ref.namespace,
      feRoleChanges(ref.name, ref.namespace, fePods, doris.frontends),
    ).catch((err: unknown) => ctx.log.warn({ err }, 'cannot label the FE pods with their roles'));
  }
  if (step === undefined) {
    // Members coming up register in Doris without any Kubernetes event: look again soon until Ready.
    return status.phase === 'Ready'
      ? requeueAfter(restingRequeueMs, 'refresh the Doris view')
      : requeueAfter(settlingDelayMs(unknownLooks), `waiting for the cluster to be Ready (${status.phase})`);
  }
  ctx.log.info({ step: step.kind, reason: step.reason }, 'step');
  if (step.kind === 'wait') return requeueAfter(step.afterMs, step.reason);
  const backoff = deps.backoff.waitMs(clusterKey, step.reason);
  if (backoff > 0) return requeueAfter(backoff, `${step.reason}: retrying after a failure`);
  // Growth takes nothing away: every StatefulSet due is created or grown in this one pass.
  const growth = step.kind === 'scale' && !isDisruptive(step) ? growthSteps(input) : [];
  const steps: Exclude<Step, { kind: 'wait' }>[] = growth.filter((s) => s.kind !== 'wait');
  for (const s of steps.length > 0 ? steps : [step]) {
    try {
      await act(manager, { ref, spec, cluster, credentials, feAddresses, doris }, s);
    } catch (err) {
      throw new StepFailedError(s, err, deps.backoff.failed(clusterKey, s.reason));
    }
  }
  deps.backoff.succeeded(clusterKey);
  return requeueAfter(1000, step.reason);
}

/** The ConfigMaps a spec names as its components' own conf files, by component. */
function ownConfigRefs(spec: DorisClusterSpec | undefined): [Component, string][] {
  if (spec === undefined) return [];
  return components.flatMap((c): [Component, string][] => {
    const name = spec[c]?.configMapRef?.name;
    return name === undefined ? [] : [[c, name]];
  });
}

/**
 * The data of the ConfigMaps the components name. One that does not exist stops the pass (no
 * member is built from a file that is not there yet); its creation wakes the cluster.
 */
async function readOwnConfig(
  deps: ClusterDeps,
  cluster: DorisCluster,
): Promise<Partial<Record<Component, Readonly<Record<string, string>>>>> {
  const out: Partial<Record<Component, Readonly<Record<string, string>>>> = {};
  const namespace = cluster.metadata.namespace ?? 'default';
  for (const [c, name] of ownConfigRefs(cluster.spec)) {
    const cm = await deps.configMaps?.read({ namespace, name });
    if (cm === undefined)
      throw new Error(
        `ConfigMap ${namespace}/${name} named by spec.${c}.configMapRef does not exist: create it, or remove the reference`,
      );
    out[c] = (cm as { data?: Record<string, string> }).data ?? {};
  }
  return out;
}

/** The Secret root's password is read from, if the user names one (spec or DorisInitializer). */
function rootPasswordSourceOf(
  manager: Manager,
  ctx: ReconcileContext,
  spec: DorisClusterSpec,
): string | undefined {
  const ref = { namespace: ctx.key.namespace ?? 'default', name: ctx.key.name } as ClusterRef;
  return rootPasswordSource(manager, ref, spec as ResolvedDorisClusterSpec)?.name;
}

/** The metadata claim of each FE ordinal, by pod name: what an FE failover replaces. */
function frontendClaims(manager: Manager, ref: ClusterRef, count: number): PlanInput['claims'] {
  const out: Record<string, ClaimView[]> = {};
  for (let ordinal = 0; ordinal < count; ordinal++) {
    const pod = podName(ref.name, 'fe', ordinal);
    const claim = manager.cache.get(builtin.PersistentVolumeClaim, ref.namespace, `meta-${pod}`);
    if (claim !== undefined) out[pod] = [{ name: claim.metadata.name, uid: claim.metadata.uid ?? '' }];
  }
  return out;
}

/** The failure records of the last status, per component. */
function failuresOf(status: DorisClusterStatus): PlanInput['failures'] {
  return Object.fromEntries(components.map((c) => [c, status[c]?.failures ?? []]));
}

const ownedBy = (o: KubeObject, uid: string): boolean =>
  (o.metadata.ownerReferences ?? []).some(
    (r: { uid: string; controller?: boolean }) => r.uid === uid && r.controller,
  );

/** The claim template names of a StatefulSet, in order. */
function claimNames(sts: KubeObject): string {
  return (sts.spec?.volumeClaimTemplates ?? []).map((t: KubeObject) => t.metadata.name).join(',');
}

async function reportInvalid(manager: Manager, cluster: DorisCluster, err: InvalidSpecError): Promise<void> {
  const previous = cluster.status as DorisClusterStatus | undefined;
  const conditions = setCondition(previous?.conditions as Condition[] | undefined, {
    type: 'Ready',
    status: 'False',
    reason: 'InvalidSpec',
    message: err.message,
    observedGeneration: cluster.metadata.generation ?? 0,
  });
  await patchStatus(manager.client, dorisClusterKind.resource, cluster, {
    ...previous,
    observedGeneration: cluster.metadata.generation ?? 0,
    conditions,
    phase: 'Failed',
  });
}
