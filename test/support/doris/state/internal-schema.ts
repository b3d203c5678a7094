/**
 * `__internal_schema`, which every Doris cluster holds (fe/fe-core/.../catalog/InternalSchemaInitializer.java,
 * branch-2.1 L63-322, branch-3.0 L72-229). The master creates it as soon as a table can be placed
 * (retrying every 5 s), at replication `max(1, min_replication_num_per_tablet)` = 1:
 * - statistics tables, 7 buckets each (StatisticConstants.STATISTIC_TABLE_BUCKET_COUNT):
 *   `column_statistics` and `histogram_statistics` on 2.1, `column_statistics` and
 *   `partition_statistics` on 3.0;
 * - `audit_log`, daily dynamic partitions today..today+3 (4), 2 buckets each.
 * Once at least 3 alive storage (non-compute) BEs exist, `modifyTblReplicaCount` raises all of them
 * to 3 replicas (STATISTIC_INTERNAL_TABLE_REPLICA_NUM), checked every 5 s, once. From then on a
 * 3-BE cluster refuses to decommission any BE, even with no user table.
 */
import type { Profile } from '../version.ts';
import type { DorisCluster } from './cluster.ts';

export const INTERNAL_DB = '__internal_schema';
const RAISED_REPLICATION = 3;

function tablesOf(profile: Profile) {
  const stats = profile === '3.0' ? 'partition_statistics' : 'histogram_statistics';
  return [
    { name: 'column_statistics', buckets: 7, partitions: ['column_statistics'] },
    { name: stats, buckets: 7, partitions: [stats] },
    { name: 'audit_log', buckets: 2, partitions: dailyPartitions(4) },
  ];
}

function dailyPartitions(days: number): string[] {
  const day = (offset: number) => {
    const d = new Date(Date.now() + offset * 86_400_000);
    return `p${d.toISOString().slice(0, 10).replace(/-/g, '')}`;
  };
  return Array.from({ length: days }, (_, i) => day(i));
}

/** Per cluster: when the initializer looks next, and whether it is done. */
const progress = new WeakMap<DorisCluster, { next: number; created: boolean; raised: boolean }>();

/** One pass of the master's initializer thread. */
export function initInternalSchema(cluster: DorisCluster, profile: Profile, now: number): void {
  const p = progress.get(cluster) ?? { next: 0, created: false, raised: false };
  progress.set(cluster, p);
  if (p.raised || now < p.next) return;
  p.next = now + cluster.timing().internalSchemaRetryMs;
  const { catalog } = cluster;
  if (!p.created) {
    const eligible = cluster.eligibleBackends();
    if (eligible.length === 0) return; // "Failed to find enough backend": retried
    if (!catalog.databases.has(INTERNAL_DB))
      catalog.databases.set(INTERNAL_DB, { id: cluster.allocateId(), name: INTERNAL_DB, tables: new Map() });
    for (const t of tablesOf(profile)) {
      if (catalog.databases.get(INTERNAL_DB)?.tables.has(t.name)) continue;
      catalog.createTable(INTERNAL_DB, { ...t, replicationNum: 1 }, eligible, cluster.allocateId);
    }
    cluster.journalId++;
    p.created = true;
    cluster.record(`${INTERNAL_DB} created with replication 1`);
    return;
  }
  // getStorageBackendNumFromDiffHosts(true): alive, non-compute BEs (each pod is its own host).
  const storage = cluster.backends.list.filter((b) => b.alive && b.nodeRole === 'mix').length;
  if (storage < RAISED_REPLICATION) return;
  for (const table of catalog.databases.get(INTERNAL_DB)?.tables.values() ?? []) {
    if (table.replicationNum < RAISED_REPLICATION) table.replicationNum = RAISED_REPLICATION;
  }
  cluster.journalId++;
  p.raised = true;
  cluster.record(`${INTERNAL_DB} tables raised to replication ${RAISED_REPLICATION}`);
}
