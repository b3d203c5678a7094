/**
 * The tablet scheduler and the decommission daemon. Replicas leave a decommissioned backend at the
 * configured rate, each to the least loaded schedulable backend of its tag that does not hold the
 * tablet yet; when none exists (three backends, three replicas) the decommission stalls, as in Doris.
 * Replicas lost with a backend's storage are re-created the same way.
 *
 * A decommissioned backend left with no tablet is dropped by the master's alter daemon
 * (`SystemHandler.runAlterJobV2`, every `FeConstants.default_scheduler_interval_millisecond` =
 * 10 s: fe/fe-core/src/main/java/org/apache/doris/alter/SystemHandler.java L85-115, branch-2.1 and
 * 3.0), only when `drop_backend_after_decommission` is true and none of its tablets is live (those of
 * recycle-bin tables do not hold it back); until then the row shows SystemDecommissioned=true, with
 * TabletNum counting recycle-bin tablets, and only once no group-commit WAL is pending on it.
 */
import type { Tablet } from './catalog.ts';
import type { DorisCluster } from './cluster.ts';
import { repairVersions } from './table-data.ts';

/** When each cluster's alter daemon runs next. */
const nextAlterCycle = new WeakMap<DorisCluster, number>();

export function schedule(cluster: DorisCluster, now = Date.now()): void {
  const { catalog, backends } = cluster;
  const config = cluster.masterConfig();
  if (!config.bool('disable_tablet_scheduler')) {
    const load = new Map<number, number>();
    for (const { tablet } of catalog.tablets())
      for (const id of tablet.replicas) load.set(id, (load.get(id) ?? 0) + 1);
    const pick = (tag: string, exclude: readonly number[]): number | undefined =>
      cluster
        .eligibleBackends(tag)
        .filter((id) => !exclude.includes(id))
        .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b)[0];

    const isAlive = (id: number): boolean => backends.byId(id)?.alive === true;
    const healthy = (tablet: Tablet, id: number): boolean => isAlive(id) && !tablet.behind?.includes(id);
    for (const { tablet } of catalog.tablets()) repairVersions(tablet, isAlive);

    for (const be of backends.list.filter((b) => b.decommissioned)) {
      const rate = be.decommissionRate ?? cluster.timing().decommissionTabletsPerTick;
      let moved = 0;
      for (const { table, tablet } of catalog.tablets()) {
        if (moved >= rate) break;
        if (!tablet.replicas.includes(be.id)) continue;
        // A dead decommissioned BE cannot be a clone source: the tablet is repaired from another
        // alive replica, or, with none, is UNRECOVERABLE and never moves (catalog/Tablet.java
        // getHealthStatusWithPriority, aliveAndVersionComplete == 0; branch-2.1 L595-625).
        if (!tablet.replicas.some((id) => healthy(tablet, id))) continue;
        const target = pick(table.tagLocation, tablet.replicas);
        if (target === undefined) continue;
        tablet.replicas = tablet.replicas.map((id) => (id === be.id ? target : id));
        if (tablet.behind !== undefined) tablet.behind = tablet.behind.filter((id) => id !== be.id);
        load.set(be.id, (load.get(be.id) ?? 1) - 1);
        load.set(target, (load.get(target) ?? 0) + 1);
        moved++;
      }
    }

    // REPLICA_MISSING on a dead (not decommissioned) BE: once it has been dead for the repair delay
    // (tablet_repair_delay_factor_second x the priority factor, about 2 min), a new replica is
    // cloned onto a BE that holds none; when the dead BE returns, its stale replica is the
    // redundant one and is deleted (clone/TabletScheduler.java handleReplicaMissing /
    // handleRedundantReplica, branch-2.1).
    const delay = cluster.timing().repairDelayMs;
    let cloned = 0;
    for (const { table, tablet } of catalog.tablets()) {
      if (cloned >= cluster.timing().decommissionTabletsPerTick) break;
      if (tablet.repairedFor !== undefined) continue;
      const dead = tablet.replicas
        .map((id) => backends.byId(id))
        .find((b) => b !== undefined && !b.alive && !b.decommissioned && now - (b.deadSince ?? now) >= delay);
      if (dead === undefined) continue;
      const alive = tablet.replicas.filter(isAlive);
      if (!alive.some((id) => healthy(tablet, id)) || alive.length >= table.replicationNum) continue;
      const target = pick(table.tagLocation, tablet.replicas);
      if (target === undefined) continue;
      tablet.replicas.push(target);
      tablet.repairedFor = dead.id;
      load.set(target, (load.get(target) ?? 0) + 1);
      cloned++;
    }
    for (const { tablet } of catalog.tablets()) {
      const back = tablet.repairedFor === undefined ? undefined : backends.byId(tablet.repairedFor);
      if (tablet.repairedFor === undefined || (back !== undefined && !back.alive)) continue;
      tablet.replicas = tablet.replicas.filter((id) => id !== tablet.repairedFor);
      delete tablet.repairedFor;
    }

    let repaired = 0;
    for (const { table, tablet } of catalog.tablets()) {
      if (repaired >= cluster.timing().decommissionTabletsPerTick) break;
      // A clone needs a healthy source: a tablet that lost every replica stays lost.
      if (
        tablet.replicas.length >= table.replicationNum ||
        !tablet.replicas.some((id) => healthy(tablet, id))
      )
        continue;
      const target = pick(table.tagLocation, tablet.replicas);
      if (target === undefined) continue;
      tablet.replicas.push(target);
      load.set(target, (load.get(target) ?? 0) + 1);
      repaired++;
    }
  }

  const due = nextAlterCycle.get(cluster) ?? now + cluster.timing().alterCycleMs;
  if (now < due) {
    nextAlterCycle.set(cluster, due);
    return;
  }
  nextAlterCycle.set(cluster, now + cluster.timing().alterCycleMs);
  if (!config.bool('drop_backend_after_decommission')) return;
  for (const be of backends.list.filter((b) => b.decommissioned)) {
    // checkTablets: none left, or fewer than decommission_tablet_check_threshold and all of them
    // in the recycle bin (SystemHandler.checkTablets).
    if (catalog.liveReplicasOn(be.id) > 0) continue;
    if (catalog.recycledReplicasOn(be.id) >= config.int('decommission_tablet_check_threshold')) continue;
    // walNum == 0: group-commit WALs still pending on it hold the row (GroupCommitManager
    // .getAllWalQueueSize). Doris takes 0 from a backend dead for check_wal_queue_timeout_threshold;
    // the simulator keeps counting them, which only makes it wait longer.
    if (be.pendingWal > 0) continue;
    catalog.removeReplicasOn(be.id);
    backends.remove(be);
    cluster.journalId++;
    cluster.record(`backend ${be.id} (${be.host}:${be.heartbeatPort}) decommissioned and dropped`);
  }
}
