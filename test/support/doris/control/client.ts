/** A typed client of the control API (see server.ts for the routes). */
import type { ClusterSummary, Load, LoadTarget, LogEntry, MemberSummary, Timing } from './types.ts';

export class SimulatorClient {
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/$/, '');
  }

  clusters(): Promise<ClusterSummary[]> {
    return this.call('GET', '/clusters');
  }

  /** One cluster by key (`namespace/fe-statefulset`). */
  async cluster(key: string): Promise<ClusterSummary | undefined> {
    return (await this.clusters()).find((c) => c.key === key);
  }

  members(): Promise<MemberSummary[]> {
    return this.call('GET', '/members');
  }

  async member(key: string): Promise<MemberSummary | undefined> {
    return (await this.members()).find((m) => m.key === key);
  }

  /** Kills a member's process; it stays down until `restart` or its pod is recreated. */
  kill(member: string): Promise<MemberSummary> {
    return this.call('POST', '/members/kill', { member });
  }

  /** Runs the member's entrypoint and process again (an FE keeps its meta, so its identity). */
  restart(member: string): Promise<MemberSummary> {
    return this.call('POST', '/members/restart', { member });
  }

  /** Damages the FE's metadata volume: it exits and crash-loops until it runs on a new claim. */
  damageMeta(member: string): Promise<MemberSummary> {
    return this.call('POST', '/members/damage-meta', { member });
  }

  /** An FE member (`ns/pod`, also before its pod exists) whose process exits at every start. */
  setCrashLoop(member: string, on: boolean): Promise<object> {
    return this.call('POST', '/members/crashloop', { member, on });
  }

  /**
   * An FE member (`ns/pod`, also before its pod exists) whose process takes `ms` more to open its
   * ports at every start, as an FE replaying a large metadata image does; 0 clears it.
   */
  setReplay(member: string, ms: number): Promise<object> {
    return this.call('POST', '/members/replay', { member, ms });
  }

  /** Cuts a member off the network (ports closed, heartbeats fail) or brings it back. */
  setReachable(member: string, reachable: boolean): Promise<MemberSummary> {
    return this.call('POST', '/members/network', { member, reachable });
  }

  setLoad(target: LoadTarget, load: Partial<Load>): Promise<{ members: number }> {
    return this.call('POST', '/load', { ...target, load });
  }

  /** A BE's data disk: bytes used, and its size (what the kubelet shows after growing a claim). */
  setDisk(member: string, disk: { usedBytes?: number; totalBytes?: number }): Promise<unknown> {
    return this.call('POST', '/disk', { member, ...disk });
  }

  /**
   * A cluster's query workload (queries per second, CPU ms each on the executing nodes), shared by
   * its alive FEs and compute nodes as they come and go; null clears it.
   */
  setWorkload(
    cluster: string,
    workload: { qps: number; cpuMsPerQuery: number; latencyMs?: number } | null,
  ): Promise<{ members: number }> {
    return this.call('POST', '/workload', { cluster, workload });
  }

  /** Replicas a decommissioning backend hands off per tick; 0 stalls it, null restores the default. */
  setDecommissionRate(cluster: string, backend: string, rate: number | null): Promise<ClusterSummary> {
    return this.call('POST', '/decommission', { cluster, backend, rate });
  }

  /** Group-commit WALs pending on a backend (by id, host, host:port or member): Doris keeps its row while any is. */
  setPendingWal(cluster: string, backend: string, count: number): Promise<ClusterSummary> {
    return this.call('POST', '/wal', { cluster, backend, count });
  }

  /** The next `count` backups of the cluster fail while uploading. */
  failNextBackups(cluster: string, count: number): Promise<ClusterSummary> {
    return this.call('POST', '/backups/fail', { cluster, count });
  }

  /**
   * The next `count` statements matching `pattern` (a regular expression), sent to the FEs of
   * `cluster` (or any), take effect but answer `ms` late: a window to kill the client in.
   */
  stallReplies(opts: { pattern: string; ms: number; count?: number; cluster?: string }): Promise<object> {
    return this.call('POST', '/statements/stall', opts);
  }

  timing(): Promise<Timing> {
    return this.call('GET', '/timing');
  }

  setTiming(timing: Partial<Timing>): Promise<Timing> {
    return this.call('POST', '/timing', timing);
  }

  /** Log entries after `since` (a seq), optionally of one cluster. */
  log(opts: { since?: number; cluster?: string } = {}): Promise<LogEntry[]> {
    const q = new URLSearchParams();
    if (opts.since !== undefined) q.set('since', String(opts.since));
    if (opts.cluster !== undefined) q.set('cluster', opts.cluster);
    return this.call('GET', `/log?${q}`);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url + path, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const value = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${value.error ?? ''}`);
    return value;
  }
}
