/**
 * The simulator: Doris processes (members) on loopback pod IPs, the clusters they form, and the
 * master's clock. Members come from the pod watcher (or are launched directly by tests); each runs
 * its image's entrypoint logic, then holds its ports while it should. Every tick runs each
 * cluster's master work and opens or closes ports to match. Nothing here talks to Kubernetes except
 * through the optional address resolver.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runEntrypoint } from './entrypoint.ts';
import type { DorisError } from './errors.ts';
import { IDLE_LOAD, type Load, type Workload } from './load.ts';
import { EventLog } from './log.ts';
import { Member, type MemberSpec } from './member.ts';
import { membersProbe } from './members-probe.ts';
import { DorisCluster } from './state/cluster.ts';
import type { Probe } from './state/probe.ts';
import type { ObjectStore } from './state/repositories.ts';
import { fastTiming, type Timing } from './timing.ts';

/** Resolves a name from ENV_FE_ADDR (a Service) to pod IPs. */
export type AddressResolver = (name: string, namespace: string) => Promise<string[]>;

export interface SimulatorOptions {
  /** @default fastTiming */
  readonly timing?: Partial<Timing>;
  readonly resolve?: AddressResolver;
}

/** What an FE's doris-meta holds once it has started: which cluster, under which name. */
export interface FeMeta {
  readonly cluster: string;
  readonly name: string;
}

export interface ClientResult {
  /** Rows of the last statement, by column name. */
  readonly rows?: Record<string, string | number | null>[];
  readonly error?: DorisError;
}

export class Simulator {
  readonly log = new EventLog();
  timing: Timing;
  readonly clusters = new Map<string, DorisCluster>();
  readonly members = new Map<string, Member>();
  readonly store: ObjectStore = new Map();
  private readonly workloads = new Map<string, Workload>();
  private readonly meta = new Map<string, FeMeta>();
  private readonly entrypoints = new Map<string, AbortController>();
  /** Resolves Service names of ENV_FE_ADDR; without it only member hosts and IPs resolve. */
  readonly resolveAddress: AddressResolver | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Faults: members (`ns/pod`) whose FE process exits as soon as it starts. */
  readonly crashLooping = new Set<string>();
  /** FE members (`ns/pod`) whose process takes this much longer to start: a large metadata replay. */
  readonly replayMs = new Map<string, number>();
  /**
   * Faults: FE storage (by storage identity) whose metadata is damaged. The FE cannot load it and
   * exits at every start; an empty volume (a new claim) cures it.
   */
  readonly damagedMeta = new Set<string>();
  /** Faults: replies held back for statements matching a pattern (the statement itself runs). */
  private readonly stalls: { pattern: RegExp; ms: number; remaining: number; cluster?: string }[] = [];

  constructor(opts: SimulatorOptions = {}) {
    this.timing = { ...fastTiming, ...opts.timing };
    this.resolveAddress = opts.resolve;
  }

  start(): void {
    this.running = true;
    const loop = () => {
      this.timer = setTimeout(() => {
        this.tick();
        if (this.running) loop();
      }, this.timing.tickMs);
    };
    loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await Promise.all([...this.members.keys()].map((key) => this.remove(key, 'simulator stopped')));
  }

  /** One round of the master's work in every cluster, then ports follow the new state. */
  tick(now = Date.now()): void {
    for (const cluster of this.clusters.values()) cluster.tick(now);
    for (const m of this.members.values()) void m.sync();
  }

  /** Starts a process for a pod (replacing one with the same key) and runs its entrypoint. */
  async launch(spec: MemberSpec): Promise<Member> {
    if (this.members.has(spec.key)) await this.remove(spec.key, 'replaced');
    const m: Member = new Member(spec, this.log, (sql) => this.replyDelayMs(sql, m));
    m.meter.share = () => this.workloadShare(m);
    this.members.set(spec.key, m);
    this.record(m, `pod Running on ${spec.ip}: ${spec.kind} ${spec.version.full}`);
    this.runEntrypoint(m);
    return m;
  }

  /** The pod went away: the process stops and its ports are released. */
  async remove(key: string, reason: string): Promise<void> {
    const m = this.members.get(key);
    if (m === undefined) return;
    this.entrypoints.get(key)?.abort();
    this.entrypoints.delete(key);
    this.members.delete(key);
    m.killed(reason, true);
    await m.sync();
  }

  /** The next `count` statements matching `pattern` (on the FEs of `cluster`, or any) run, then answer `ms` late. */
  stallReplies(pattern: string, ms: number, count: number, cluster?: string): void {
    this.stalls.push({
      pattern: new RegExp(pattern, 'i'),
      ms,
      remaining: count,
      ...(cluster ? { cluster } : {}),
    });
  }

  private replyDelayMs(sql: string, m: Member): number {
    const stall = this.stalls.find(
      (s) =>
        s.remaining > 0 && s.pattern.test(sql) && (s.cluster === undefined || s.cluster === m.cluster?.key),
    );
    if (stall === undefined) return 0;
    stall.remaining--;
    this.log.append({
      kind: 'statement',
      source: 'control',
      text: `reply held ${stall.ms} ms: ${sql}`,
      member: m.spec.key,
      ...(m.cluster ? { cluster: m.cluster.key } : {}),
    });
    return stall.ms;
  }

  /** The master that lost its quorum exits; its container restarts as a crashed one does. */
  private masterExited(cluster: DorisCluster, name: string): void {
    const m = [...this.members.values()].find((x) => x.cluster === cluster && x.frontendName === name);
    if (m === undefined) return;
    this.entrypoints.get(m.spec.key)?.abort();
    m.killed('master lost its quorum: transfer FE type from MASTER to UNKNOWN. exit');
    setTimeout(() => {
      if (this.members.get(m.spec.key) !== m || m.state !== 'killed') return;
      m.state = 'starting';
      this.runEntrypoint(m);
    }, this.timing.retryMs * 5);
  }

  kill(key: string): Member {
    const m = this.member(key);
    this.entrypoints.get(key)?.abort();
    m.killed('killed through the control API');
    return m;
  }

  /** The metadata on the member's current volume is damaged: the process exits and cannot start again. */
  damageMeta(key: string): Member {
    const m = this.member(key);
    if (m.spec.kind !== 'fe') throw new Error(`${key} is not an FE`);
    this.damagedMeta.add(m.spec.storageId);
    this.entrypoints.get(key)?.abort();
    m.killed('the metadata on its volume is damaged: the process exits');
    m.state = 'starting';
    this.runEntrypoint(m);
    return m;
  }

  restart(key: string): Member {
    const m = this.kill(key);
    m.state = 'starting';
    this.runEntrypoint(m);
    return m;
  }

  setUnreachable(key: string, unreachable: boolean): Member {
    const m = this.member(key);
    m.unreachable = unreachable;
    this.record(m, unreachable ? 'network cut off' : 'network restored');
    void m.sync();
    return m;
  }

  setLoad(target: { cluster?: string; member?: string }, load: Partial<Load>): number {
    const members = [...this.members.values()].filter(
      (m) =>
        (target.member === undefined || m.spec.key === target.member || m.spec.host === target.member) &&
        (target.cluster === undefined || this.clusterOf(m)?.key === target.cluster),
    );
    for (const m of members) m.meter.set(load);
    return members.length;
  }

  /** Sets (or clears, with undefined) the query workload of a cluster: see `Workload`. */
  setWorkload(cluster: string, workload: Workload | undefined): number {
    const members = [...this.members.values()].filter((m) => this.clusterOf(m)?.key === cluster);
    for (const m of members) m.meter.advance();
    if (workload === undefined) this.workloads.delete(cluster);
    else this.workloads.set(cluster, workload);
    return members.length;
  }

  /** A member's share of its cluster's workload, or undefined when the cluster has none. */
  private workloadShare(m: Member): Partial<Load> | undefined {
    const cluster = this.clusterOf(m);
    const w = cluster === undefined ? undefined : this.workloads.get(cluster.key);
    if (cluster === undefined || w === undefined) return undefined;
    const alive = cluster.backends.list.filter((b) => b.alive && !b.decommissioned && !b.disableQuery);
    const compute = alive.filter((b) => b.nodeRole === 'computation');
    const executors = compute.length > 0 ? compute : alive;
    const cores = executors.reduce((sum, b) => sum + b.cpuCores, 0);
    const utilisation = cores === 0 ? Number.POSITIVE_INFINITY : (w.qps * w.cpuMsPerQuery) / 1000 / cores;
    // Past saturation the queue grows: latency with it (bounded, as clients time out).
    const latencyMs = w.latencyMs * Math.min(20, Math.max(1, utilisation));
    if (m.spec.kind === 'fe') {
      const fes = cluster.frontends.list.filter((f) => f.alive).length;
      return { qps: w.qps / Math.max(fes, 1), latencyMs };
    }
    if (m.spec.kind !== 'be') return undefined;
    if (!executors.some((b) => b.host === m.spec.host))
      return { qps: 0, latencyMs: 0, cpu: IDLE_LOAD.cpu, running: 0, queued: 0 };
    const qps = w.qps / executors.length;
    const running = (qps * latencyMs) / 1000;
    const threads = m.spec.cpuCores * 2;
    return {
      qps,
      latencyMs,
      cpu: Math.min(1, utilisation),
      running: Math.min(running, threads),
      queued: Math.max(0, running - threads),
      memoryBytes: IDLE_LOAD.memoryBytes + running * 256 * 1024 ** 2,
    };
  }

  member(key: string): Member {
    const m =
      this.members.get(key) ??
      [...this.members.values()].find((x) => x.spec.host === key || x.spec.ip === key);
    if (m === undefined) throw new Error(`no member ${key}`);
    return m;
  }

  cluster(key: string): DorisCluster {
    const c = this.clusters.get(key);
    if (c === undefined) throw new Error(`no cluster ${key}; known: ${[...this.clusters.keys()].join(', ')}`);
    return c;
  }

  /** The cluster a member belongs to: an FE's own, or the one that registered a BE or broker's host. */
  clusterOf(m: Member): DorisCluster | undefined {
    if (m.cluster !== undefined) return m.cluster;
    for (const c of this.clusters.values()) {
      if (
        c.backends.list.some((b) => b.host === m.spec.host) ||
        c.brokers.list.some((b) => b.host === m.spec.host)
      )
        return c;
    }
    return undefined;
  }

  /** Resolves once every member's ports match its state. */
  async settled(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.sync()));
  }

  record(m: Member, text: string): void {
    this.log.append({
      kind: 'process',
      source: 'simulator',
      member: m.spec.key,
      text,
      ...(m.cluster ? { cluster: m.cluster.key } : {}),
    });
  }

  metaOf(storageId: string): FeMeta | undefined {
    return this.meta.get(storageId);
  }

  /** pod 0 found no master: it starts alone and becomes the master of a new cluster. */
  async foundCluster(m: Member, signal: AbortSignal): Promise<void> {
    await sleep(this.startMsOf(m), undefined, { signal }).catch(() => {});
    if (signal.aborted) return;
    const key = `${m.spec.namespace}/${m.spec.name.replace(/-\d+$/, '')}`;
    const previous = this.clusters.get(key);
    if (previous !== undefined) {
      this.clusters.delete(key);
      this.clusters.set(`${key}@${previous.clusterId}`, previous);
    }
    const cluster = new DorisCluster({
      key,
      profile: m.spec.version.profile,
      log: this.log,
      probe: this.probe,
      timing: () => this.timing,
      store: this.store,
    });
    this.clusters.set(key, cluster);
    cluster.onMasterExit = (name) => this.masterExited(cluster, name);
    const fe = cluster.found(m.spec.host, m.ports.editLog, m.spec.conf);
    this.run(m, key, fe.name);
  }

  /**
   * start_fe.sh: after the process start time, the FE runs as `name` of the cluster and joins its
   * group. Until then it answers nothing, so a pod replaced quickly is still seen gone.
   */
  async startFrontend(m: Member, clusterKey: string, name: string, signal: AbortSignal): Promise<void> {
    this.meta.set(m.spec.storageId, { cluster: clusterKey, name });
    await sleep(this.startMsOf(m), undefined, { signal }).catch(() => {});
    if (!signal.aborted) this.run(m, clusterKey, name);
  }

  /** How long an FE process takes to open its ports: the start time plus its metadata replay. */
  private startMsOf(m: Member): number {
    return this.timing.processStartMs + (this.replayMs.get(m.spec.key) ?? 0);
  }

  private run(m: Member, clusterKey: string, name: string): void {
    const cluster = this.clusters.get(clusterKey);
    if (cluster === undefined) return;
    this.meta.set(m.spec.storageId, { cluster: clusterKey, name });
    m.cluster = cluster;
    m.frontendName = name;
    m.started(Date.now());
    cluster.frontendStarted(name, m.spec.conf);
    void m.sync();
  }

  /** What the masters' heartbeats see: answered from the members. */
  readonly probe: Probe = membersProbe(() => this.members.values());

  private runEntrypoint(m: Member): void {
    const ctl = new AbortController();
    this.entrypoints.set(m.spec.key, ctl);
    runEntrypoint(this, m, ctl.signal).catch((err: unknown) =>
      this.record(m, `entrypoint failed: ${String(err)}`),
    );
  }
}
