/**
 * Observation: what exists in Kubernetes (from the cache: StatefulSets, pods) and what Doris says
 * (SHOW FRONTENDS / BACKENDS / BROKER through the master FE). Reads only. When no FE answers, or
 * the answers disagree (no master, two masters), the Doris view is `unknown` with the reason, and
 * no destructive step will be planned on it (S3).
 */
import type { Component } from '../api/v1alpha1/index.ts';
import { DorisClient } from '../doris/client.ts';
import { DorisError } from '../doris/errors.ts';
import type { Backend, Broker, Frontend } from '../doris/rows.ts';
import { pendingWals } from '../doris/wal.ts';
import type { KubeObject } from '../runtime/object.ts';
import { annotationKeys, hostKey, labelKeys, ordinalOf } from './names.ts';
import { ports } from './ports.ts';

export interface PodView {
  readonly name: string;
  readonly ordinal: number;
  readonly ip?: string;
  readonly ready: boolean;
  readonly deleting: boolean;
  readonly image?: string;
  /** The digest of the pod template it was created from (pod-template.ts); a member whose digest differs rolls. */
  readonly templateHash?: string;
  readonly uid: string;
  /** Bound to a node (a pod the scheduler cannot place is not a failed member). */
  readonly scheduled: boolean;
  /**
   * The images' debug run mode is asked for on the pod (debugModeAnnotations): its entrypoint
   * waits for a person instead of starting Doris. Failover and rollouts leave such a member alone.
   */
  readonly debug?: boolean;
}

/**
 * The pod annotations the images' entrypoints read through the downward API file
 * /etc/podinfo/annotations: `./doris-debug` (fe_entrypoint.sh, be_entrypoint.sh, 2.1 and 3.0)
 * blocks on the FE query port or BE heartbeat port instead of starting Doris when the run mode is
 * `debug` (apache/doris-operator cmd/doris-debug; `apache.org.doris/runmode` from operator 25.5.2).
 */
const debugModeAnnotations = ['selectdb.com.doris/runmode', 'apache.org.doris/runmode'] as const;

export type DorisView =
  | {
      readonly known: true;
      readonly frontends: readonly Frontend[];
      readonly backends: readonly Backend[];
      readonly brokers: readonly Broker[];
      /** Host of the master FE. */
      readonly master: string;
      /** The tablet balancing settings the rollout toggles, as the master reports them. */
      readonly balance: BalanceSettings;
      /** `drop_backend_after_decommission`: Doris drops an emptied decommissioned BE itself. */
      readonly dropsDecommissioned: boolean;
      /**
       * Group-commit WALs pending on the alive backends the operator may DROPP (decommissioned, or
       * drained), by `host:heartbeatPort`; a backend missing here has an unknown count.
       */
      readonly pendingWal: ReadonlyMap<string, number>;
    }
  | {
      readonly known: false;
      readonly reason: string;
      /** An FE refused the operator's credentials (1045). */
      readonly denied?: boolean;
    };

/** The FE settings that together stop tablet movement; paused and resumed as one. */
export const balanceKeys = [
  'disable_balance',
  'disable_tablet_scheduler',
  'disable_colocate_balance',
] as const;
export type BalanceSettings = Readonly<Record<(typeof balanceKeys)[number], boolean>>;

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export function podView(pod: KubeObject, container: string): PodView | undefined {
  const ordinal = ordinalOf(pod.metadata.name);
  if (ordinal === undefined) return undefined;
  const main = (pod.spec?.containers ?? []).find((c: { name: string }) => c.name === container);
  const ready = (pod.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
  );
  return {
    name: pod.metadata.name,
    ordinal,
    ip: pod.status?.podIP,
    ready: ready && pod.metadata.deletionTimestamp === undefined,
    deleting: pod.metadata.deletionTimestamp !== undefined,
    image: main?.image,
    templateHash: pod.metadata.annotations?.[annotationKeys.templateHash],
    uid: pod.metadata.uid ?? '',
    scheduled: pod.spec?.nodeName !== undefined,
    ...(debugModeAnnotations.some((k) => pod.metadata.annotations?.[k] === 'debug') ? { debug: true } : {}),
  };
}

/** Pods of one component, by ordinal. */
export function componentPods(pods: readonly KubeObject[], c: Component): PodView[] {
  const container = c;
  return pods
    .filter((p) => p.metadata.labels?.[labelKeys.component] === c)
    .map((p) => podView(p, container))
    .filter((p): p is PodView => p !== undefined)
    .sort((a, b) => a.ordinal - b.ordinal);
}

/** Settings the observer needs to reach Doris. */
export interface DorisAccess {
  readonly credentials: Credentials;
  /**
   * FE pods: hostKey of their FQDN -> pod IP (the operator connects to pod IPs, which resolve
   * everywhere). Look up with `feAddress`, which also takes a registration by IP.
   */
  readonly feAddresses: ReadonlyMap<string, string>;
  readonly connectTimeoutMs?: number;
  readonly queryTimeoutMs?: number;
  /** Where this cluster's connection to its master is kept between looks. */
  readonly kept?: { readonly key: string; readonly connections: KeptConnections };
}

/**
 * One connection per cluster to its master FE, kept between looks: a cluster at rest is looked at
 * every 30 s, and a new connection each time (TCP, handshake, authentication) is most of that
 * look's cost, for the operator and for Doris. A cluster is reconciled by one worker at a time, so
 * a connection is either kept here or in the hands of its one look.
 */
export class KeptConnections {
  private readonly kept = new Map<
    string,
    { ip: string; credentials: Credentials; client: DorisClient; openedAt: number }
  >();
  /**
   * A connection is renewed after this long: a session stays logged in when its password changes,
   * so only a new login tells the operator that its account was changed behind its back (which the
   * next pass then repairs).
   */
  private readonly maxAgeMs: number;

  constructor(maxAgeMs = 5 * 60_000) {
    this.maxAgeMs = maxAgeMs;
  }

  /** The connection kept for `key`, if opened with these credentials; the caller's until kept again. */
  take(
    key: string,
    credentials: Credentials,
  ): { ip: string; client: DorisClient; openedAt: number } | undefined {
    const k = this.kept.get(key);
    this.kept.delete(key);
    if (k === undefined) return undefined;
    const same = k.credentials.user === credentials.user && k.credentials.password === credentials.password;
    if (!same || Date.now() - k.openedAt > this.maxAgeMs) {
      void k.client.close();
      return undefined;
    }
    k.client.idle(false);
    return { ip: k.ip, client: k.client, openedAt: k.openedAt };
  }

  /** Keeps `client` for the next look; `openedAt` is when it was opened (now for a new one). */
  keep(key: string, ip: string, credentials: Credentials, client: DorisClient, openedAt = Date.now()): void {
    this.drop(key);
    client.idle(true);
    this.kept.set(key, { ip, credentials, client, openedAt });
  }

  /** Closes the connection kept for `key` (a cluster gone). */
  drop(key: string): void {
    const k = this.kept.get(key);
    this.kept.delete(key);
    void k?.client.close();
  }

  closeAll(): void {
    for (const key of [...this.kept.keys()]) this.drop(key);
  }
}

/**
 * Asks any reachable FE for the frontends, then the master for everything else (the master is the
 * authority on membership and heartbeats). The connection to the master is kept for the next look
 * (`access.kept`), which tries it first; every other connection it opens is closed.
 */
export async function observeDoris(access: DorisAccess): Promise<DorisView> {
  const ips = [...new Set(access.feAddresses.values())];
  if (ips.length === 0) return { known: false, reason: 'no FE pod has an IP yet' };
  const connect = (host: string) =>
    DorisClient.connect(
      { host, port: 9030, user: access.credentials.user, password: access.credentials.password },
      { connectTimeoutMs: access.connectTimeoutMs ?? 3000, queryTimeoutMs: access.queryTimeoutMs ?? 10_000 },
    );
  // What each FE said, so that status tells a lost quorum (FEs answering without a master) from
  // FEs that are down or out of reach.
  const answers: string[] = [];
  let denied = false;
  const kept = access.kept;
  const reused = kept?.connections.take(kept.key, access.credentials);
  const attempts: { ip: string; client?: DorisClient }[] = [
    ...(reused ? [reused] : []),
    ...ips.map((ip) => ({ ip })),
  ];
  for (const { ip, client } of attempts) {
    let any = client;
    let master: DorisClient | undefined;
    let keep = false;
    try {
      any ??= await connect(ip);
      const frontends = await any.showFrontends();
      const masters = frontends.filter((f) => f.isMaster);
      if (masters.length > 1)
        return { known: false, reason: `FE at ${ip} reports ${masters.length} masters` };
      if (masters.length === 0) {
        if (client === undefined) answers.push(`${ip}: no master`);
        continue;
      }
      const masterHost = masters[0]?.host ?? '';
      const masterIp = feAddress(access.feAddresses, masterHost);
      if (masterIp === undefined) return { known: false, reason: `master FE ${masterHost} has no pod IP` };
      master = masterIp === ip ? any : await connect(masterIp);
      const [fes, backends, brokers, settings] = await Promise.all([
        master === any ? Promise.resolve(frontends) : master.showFrontends(),
        master.showBackends(),
        master.showBrokers(),
        readSettings(master),
      ]);
      const pendingWal = await walsOfLeaving(access, masterIp, backends);
      if (kept !== undefined) {
        const openedAt = master === client ? reused?.openedAt : undefined;
        kept.connections.keep(kept.key, masterIp, access.credentials, master, openedAt);
        keep = true;
      }
      return { known: true, frontends: fes, backends, brokers, master: masterHost, ...settings, pendingWal };
    } catch (err) {
      // A kept connection that fails says nothing about Doris (the FE may have restarted since):
      // the look starts over on new ones.
      if (client !== undefined) continue;
      if (err instanceof DorisError && err.accessDenied) denied = true;
      const text = err instanceof Error ? err.message : String(err);
      answers.push(text.includes(ip) ? text : `${ip}: ${text}`);
    } finally {
      if (any !== undefined && !(keep && any === master)) await any.close();
      if (master !== undefined && master !== any && !keep) await master.close();
    }
  }
  return {
    known: false,
    reason: `no FE answers with a master (${answers.join('; ')})`,
    ...(denied ? { denied } : {}),
  };
}

/**
 * WAL counts of the alive backends on their way out (decommissioned, or drained of queries and
 * loads): only those can be dropped, and asking about a dead one makes the FE wait minutes. A
 * failed request leaves them unknown; an FE without the API has no group commit, so none pending.
 */
async function walsOfLeaving(
  access: DorisAccess,
  masterIp: string,
  backends: readonly Backend[],
): Promise<ReadonlyMap<string, number>> {
  const leaving = backends
    .filter((b) => b.alive && (b.decommissioned || (b.queryDisabled && b.loadDisabled)))
    .map((b) => `${b.host}:${b.heartbeatPort}`);
  if (leaving.length === 0) return new Map();
  try {
    const counts = await pendingWals(
      {
        host: masterIp,
        port: ports.fe.http,
        user: access.credentials.user,
        password: access.credentials.password,
      },
      leaving,
      access.queryTimeoutMs ?? 10_000,
    );
    return counts === 'unsupported' ? new Map(leaving.map((hp) => [hp, 0])) : counts;
  } catch {
    return new Map();
  }
}

/** The pod IP of the FE Doris lists as `host` (its FQDN under any domain, or its IP). */
export function feAddress(addresses: ReadonlyMap<string, string>, host: string): string | undefined {
  const ip = addresses.get(hostKey(host));
  if (ip !== undefined) return ip;
  return [...addresses.values()].includes(host) ? host : undefined;
}

/**
 * The FE settings the planner needs, from the connected FE in one statement (they all start with
 * `d`): the three balancing switches and `drop_backend_after_decommission`.
 */
export async function readSettings(
  client: DorisClient,
): Promise<{ balance: BalanceSettings; dropsDecommissioned: boolean }> {
  const values = await client.frontendConfigs('d%');
  const get = (k: string) => {
    const v = values.get(k);
    if (v === undefined) throw new Error(`FE config ${k} is missing from SHOW FRONTEND CONFIG`);
    return v === 'true';
  };
  return {
    balance: {
      disable_balance: get('disable_balance'),
      disable_tablet_scheduler: get('disable_tablet_scheduler'),
      disable_colocate_balance: get('disable_colocate_balance'),
    },
    dropsDecommissioned: get('drop_backend_after_decommission'),
  };
}
