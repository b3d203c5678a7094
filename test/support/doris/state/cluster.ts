/**
 * One Doris cluster: the state its master FE holds (frontends, backends, brokers, catalog, users,
 * repositories and jobs), the per-FE runtime configuration, and the master's periodic work on each
 * tick: election, heartbeats, the tablet scheduler and the backup/restore jobs. Pure with respect to
 * I/O: processes are seen only through the `Probe`, and every change is written to the event log.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { notReady } from '../errors.ts';
import type { EventLog } from '../log.ts';
import type { Timing } from '../timing.ts';
import type { Profile } from '../version.ts';
import { Auth } from './auth.ts';
import { Backends } from './backends.ts';
import { Brokers } from './brokers.ts';
import { Catalog } from './catalog.ts';
import { FeConfig } from './configs.ts';
import { type Frontend, Frontends } from './frontends.ts';
import { heartbeat } from './heartbeat.ts';
import { initInternalSchema } from './internal-schema.ts';
import { Jobs } from './jobs.ts';
import type { Probe } from './probe.ts';
import { type ObjectStore, Repositories } from './repositories.ts';
import { schedule } from './scheduler.ts';
import { allRows, load } from './table-data.ts';

export interface ClusterOptions {
  /** How tests and the control API name the cluster, e.g. `ns/doris-fe`. */
  readonly key: string;
  readonly log: EventLog;
  readonly probe: Probe;
  readonly timing: () => Timing;
  readonly store: ObjectStore;
  /** Result-set and internal-schema profile of the release the cluster was founded with. @default '2.1' */
  readonly profile?: Profile;
}

export class DorisCluster {
  readonly key: string;
  /** Random, as in `doris-meta/image/VERSION`. */
  readonly clusterId = randomInt(1, 2 ** 31 - 1);
  readonly token = randomBytes(16).toString('hex');
  readonly frontends = new Frontends();
  readonly backends = new Backends();
  readonly brokers = new Brokers();
  readonly catalog = new Catalog();
  readonly auth = new Auth();
  readonly repositories: Repositories;
  readonly jobs = new Jobs();
  /** The edit log's last id; every successful write adds one. */
  journalId = 1;
  /** Control API: how many of the next backups fail. */
  failNextBackups = 0;
  readonly probe: Probe;
  readonly timing: () => Timing;
  private readonly log: EventLog;
  private readonly configs = new Map<string, FeConfig>();
  private nextId = 10001;
  readonly profile: Profile;
  /** When the master was last lost (0: never); elections wait `electionMs` from there. */
  private masterLostAt = 0;
  /** Called with the name of a master that exits its process on losing its quorum. */
  onMasterExit: ((name: string) => void) | undefined;

  constructor(opts: ClusterOptions) {
    this.key = opts.key;
    this.profile = opts.profile ?? '2.1';
    this.log = opts.log;
    this.probe = opts.probe;
    this.timing = opts.timing;
    this.repositories = new Repositories(opts.store);
  }

  /** Ids for backends, databases, tables, partitions, tablets and jobs come from one generator. */
  allocateId = (): number => ++this.nextId;

  record(text: string, source = 'master', kind: 'membership' | 'job' = 'membership'): void {
    this.log.append({ kind, cluster: this.key, source, text });
  }

  /** The first FE of a new cluster: master at once, as fe_entrypoint.sh's pod 0 when no master answers. */
  found(host: string, editLogPort: number, conf: Readonly<Record<string, string>>): Frontend {
    const fe = this.frontends.found(host, editLogPort);
    this.configs.set(fe.name, new FeConfig(conf));
    this.record(`frontend ${fe.name} (${host}:${editLogPort}) founded the cluster as master`);
    return fe;
  }

  /** A registered FE's process started (`start_fe.sh --helper`): it joins the group with a fresh runtime config. */
  frontendStarted(name: string, conf: Readonly<Record<string, string>>): void {
    const fe = this.frontends.byName(name);
    if (fe === undefined) return;
    this.configs.set(name, new FeConfig(conf));
    if (!fe.join) this.record(`frontend ${name} (${fe.host}) joined as ${fe.role}`);
    fe.join = true;
  }

  /** The runtime config of one FE; the master's decides what the scheduler does. */
  config(name: string | undefined): FeConfig {
    const key = name ?? this.frontends.master ?? '';
    let cfg = this.configs.get(key);
    if (cfg === undefined) {
      cfg = new FeConfig();
      this.configs.set(key, cfg);
    }
    return cfg;
  }

  masterConfig(): FeConfig {
    return this.config(this.frontends.master);
  }

  master(): Frontend | undefined {
    const name = this.frontends.master;
    return name === undefined ? undefined : this.frontends.byName(name);
  }

  /** Followers whose process runs, is reachable and has joined the group: the BDB-JE voters. */
  upFollowers(): Frontend[] {
    return this.frontends
      .followers()
      .filter((f) => f.join && this.probe.frontend(f.host, f.editLogPort, f.name).ok);
  }

  /**
   * Votes the electable group needs: a majority of the followers that have joined it. A follower
   * added but never started is not counted (ADD FOLLOWER sets JE's ElectableGroupSizeOverride to
   * the group minus the unready nodes until their first good heartbeat: Env.java L2918,
   * ha/BDBHA.java L217-227, system/Frontend.java L153-156), so a crash-looping new follower does
   * not cost the master its quorum.
   */
  majority(): number {
    const group = this.frontends.followers().filter((f) => f.join);
    return Math.floor(group.length / 2) + 1;
  }

  /** Writes need a master that still has a majority of the electable group behind it. */
  requireMaster(): Frontend {
    const master = this.master();
    if (master === undefined || this.upFollowers().length < this.majority()) throw notReady();
    return master;
  }

  /** Runs a metadata change on the master and writes it to the edit log. */
  write<T>(change: () => T): T {
    this.requireMaster();
    const result = change();
    this.journalId++;
    return result;
  }

  /** Backends a tablet replica may be placed on. */
  eligibleBackends(tagLocation = 'default'): number[] {
    return this.backends.list
      .filter((b) => b.alive && !b.decommissioned && b.nodeRole === 'mix' && b.tagLocation === tagLocation)
      .map((b) => b.id);
  }

  /** The master's periodic work; without a master only an election can happen. */
  tick(now: number): void {
    this.elect(now);
    if (this.frontends.master === undefined) return;
    heartbeat(this, now);
    for (const erased of this.catalog.eraseExpired(now)) this.record(`recycle bin: ${erased} erased`);
    initInternalSchema(this, this.profile, now);
    schedule(this, now);
    this.jobs.tick({
      now,
      ticksPerState: this.timing().jobTicksPerState,
      tables: (db, names) =>
        [...this.catalog.database(db).tables.values()]
          .filter((t) => names.includes(t.name))
          .map((t) => ({
            name: t.name,
            columns: t.columns,
            rows: allRows(t),
            replicationNum: t.replicationNum,
            buckets: t.buckets,
            partitions: t.partitions.map((p) => p.name),
          })),
      snapshots: (repo) => this.repositories.snapshots(repo),
      save: (repo, snapshot) => this.repositories.save(repo, snapshot),
      availableBackends: () => this.eligibleBackends().length,
      restoreTables: (db, tables, replicationNum) => {
        for (const t of tables) {
          if (this.catalog.database(db).tables.has(t.name)) continue;
          const replicas = replicationNum ?? t.replicationNum;
          const table = this.catalog.createTable(
            db,
            { ...t, replicationNum: replicas },
            this.eligibleBackends(),
            this.allocateId,
          );
          load(table, t.rows, (id) => this.backends.byId(id)?.alive === true);
        }
        this.journalId++;
      },
      record: (text) => this.record(text, 'master', 'job'),
    });
  }

  /**
   * BDB-JE election: the master steps down when it stops or loses its majority; a new one is chosen
   * among the running followers only when they are a majority, the most advanced journal first.
   */
  private elect(now: number): void {
    const up = this.upFollowers();
    const majority = this.majority();
    const current = this.frontends.master;
    if (current !== undefined && (!up.some((f) => f.name === current) || up.length < majority)) {
      this.frontends.master = undefined;
      this.masterLostAt = now;
      this.record(
        `master ${current} lost: ${up.length} of ${this.frontends.followers().length} followers up, ${majority} needed`,
      );
      // A master that can no longer write its journal, or is demoted, exits its process
      // (journal/bdbje/BDBJEJournal.java L261-308, Env.java L2801-2808): the container restarts.
      if (up.some((f) => f.name === current)) this.onMasterExit?.(current);
    }
    // The rest notice a lost master through the BDB-JE heartbeat timeout, then elect and replay
    // (bdbje_heartbeat_timeout_second = 30): no new master before `electionMs`.
    if (this.frontends.master === undefined && now - this.masterLostAt < this.timing().electionMs) return;
    if (this.frontends.master === undefined && up.length >= majority && up.length > 0) {
      const [chosen] = [...up].sort(
        (a, b) =>
          b.replayedJournalId - a.replayedJournalId ||
          (a.name === current ? -1 : 0) ||
          a.name.localeCompare(b.name),
      );
      if (chosen === undefined) return;
      this.frontends.master = chosen.name;
      chosen.alive = true;
      this.record(`master elected: ${chosen.name} (${chosen.host})`);
    }
  }
}
