/**
 * The manager runs controllers over shared caches: it serves metrics and probes, starts the
 * caches at once (so a standby is warm), and starts controllers only while it holds the leader
 * lease. Losing the lease stops the manager: a controller that is no longer sure it is alone must
 * not act (the process exits and is restarted, as with controller-runtime).
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { ResourceType } from '../kube/resources.ts';
import type { RestClient } from '../kube/rest.ts';
import { Applier } from './apply.ts';
import { Cache } from './cache.ts';
import { beyondStatus, Controller, type MapFunc, type Reconciler, type Relevance } from './controller.ts';
import { EventRecorder } from './events.ts';
import { close, serveMetricsAndProbes } from './http.ts';
import { LeaderElector } from './leader.ts';
import { OperatorMetrics } from './metrics.ts';
import { NamedWatches } from './named-watch.ts';
import { controllerOf, type KubeObject, keyOf } from './object.ts';

export interface ManagerOptions {
  readonly client: RestClient;
  readonly logger: Logger;
  /** Namespaces to watch; all when empty. */
  readonly namespaces?: readonly string[];
  /** Only primary objects matching this label selector are reconciled (operator sharding). */
  readonly labelSelector?: string;
  readonly leaderElection?: {
    readonly namespace: string;
    readonly name: string;
    readonly leaseDurationMs?: number;
    readonly renewDeadlineMs?: number;
    readonly retryPeriodMs?: number;
  };
  /** Identity in leases and events, e.g. the pod name. */
  readonly identity: string;
  /** `host:port` for /metrics; `0` disables. */
  readonly metricsAddress?: string;
  /** `host:port` for /healthz and /readyz; `0` disables. */
  readonly probeAddress?: string;
  /** Workers per controller. @default 2 */
  readonly concurrency?: number;
  /** The cluster's DNS domain, in the names members register under. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** Automatic failover of failed members, where each cluster's spec allows it. @default true */
  readonly failover?: boolean;
  readonly resyncMs?: number;
  readonly metrics?: OperatorMetrics;
}

interface Registration {
  readonly name: string;
  readonly primary: ResourceType;
  readonly owns: ResourceType[];
  readonly watches: { type: ResourceType; map: MapFunc; relevant?: Relevance }[];
  concurrency?: number;
  ignoreOwnStatus?: boolean;
}

export class ControllerBuilder {
  private readonly manager: Manager;
  private readonly reg: Registration;

  constructor(manager: Manager, name: string, primary: ResourceType) {
    this.manager = manager;
    this.reg = { name, primary, owns: [], watches: [] };
  }

  /** Children whose controlling owner is a primary object requeue that owner. */
  owns(type: ResourceType): this {
    this.reg.owns.push(type);
    return this;
  }

  /** A change of `type` requeues the primary objects `map` names; `relevant` may drop updates. */
  watches(type: ResourceType, map: MapFunc, relevant?: Relevance): this {
    this.reg.watches.push({ type, map, ...(relevant ? { relevant } : {}) });
    return this;
  }

  /** Updates of a primary object that change only its status do not trigger a pass (see beyondStatus). */
  ignoringStatusUpdates(): this {
    this.reg.ignoreOwnStatus = true;
    return this;
  }

  withConcurrency(n: number): this {
    this.reg.concurrency = n;
    return this;
  }

  complete(reconcile: Reconciler): Controller {
    return this.manager.register(this.reg, reconcile);
  }
}

export class Manager {
  readonly cache: Cache;
  readonly metrics: OperatorMetrics;
  readonly applier: Applier;
  readonly events: EventRecorder;
  readonly client: RestClient;
  readonly logger: Logger;
  private readonly opts: ManagerOptions;
  private readonly named: NamedWatches[] = [];
  private readonly stopHooks: (() => Promise<void> | void)[] = [];
  private readonly controllers: Controller[] = [];
  private servers: (Server | undefined)[] = [];
  private elector: LeaderElector | undefined;
  private controllersStarted = false;
  private stopping: Promise<void> | undefined;
  private lostLeadership: (() => void) | undefined;
  /** Resolves when the manager stops on its own (leadership lost). */
  readonly lost: Promise<void>;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.client = opts.client;
    this.logger = opts.logger;
    this.metrics = opts.metrics ?? new OperatorMetrics();
    this.cache = new Cache(opts.client, {
      namespaces: opts.namespaces,
      resyncMs: opts.resyncMs,
      logger: opts.logger,
    });
    this.applier = new Applier(opts.client);
    this.events = new EventRecorder(opts.client, { instance: opts.identity, logger: opts.logger });
    opts.client.onRequest((method, code, seconds) => {
      this.metrics.apiRequests.inc({ method, code: String(code) });
      this.metrics.apiLatency.observe({ method }, seconds);
    });
    this.lost = new Promise((resolve) => {
      this.lostLeadership = resolve;
    });
  }

  get failover(): boolean {
    return this.opts.failover ?? true;
  }

  get clusterDomain(): string {
    return this.opts.clusterDomain ?? 'cluster.local';
  }

  /** The primary informers honour the manager's label selector; everything else is unfiltered. */
  primarySelector(): string | undefined {
    return this.opts.labelSelector;
  }

  controller(name: string, primary: ResourceType): ControllerBuilder {
    return new ControllerBuilder(this, name, primary);
  }

  register(reg: Registration, reconcile: Reconciler): Controller {
    const controller = new Controller({
      name: reg.name,
      reconcile,
      concurrency: reg.concurrency ?? this.opts.concurrency,
      logger: this.logger,
      metrics: this.metrics,
    });
    for (const i of this.cache.informersFor(reg.primary, this.opts.labelSelector)) {
      controller.watch(i, (o) => [keyOf(o)], reg.ignoreOwnStatus ? beyondStatus : undefined);
    }
    for (const type of reg.owns) {
      for (const i of this.cache.informersFor(type)) {
        controller.watch(i, (o) => {
          const owner = controllerOf(o);
          return owner !== undefined &&
            owner.kind === reg.primary.kind &&
            owner.apiVersion.startsWith(reg.primary.group)
            ? [keyOf({ namespace: o.metadata.namespace, name: owner.name })]
            : [];
        });
      }
    }
    for (const w of reg.watches)
      for (const i of this.cache.informersFor(w.type)) controller.watch(i, w.map, w.relevant);
    this.controllers.push(controller);
    return controller;
  }

  /** Serves probes and metrics, starts the caches, and campaigns for leadership (if configured). */
  async start(): Promise<void> {
    this.servers = await serveMetricsAndProbes({
      metricsAddress: this.opts.metricsAddress,
      probeAddress: this.opts.probeAddress,
      registry: this.metrics.registry,
      ready: () => this.cache.synced,
      notReady: 'caches not synced',
    });
    this.cache.start();
    const le = this.opts.leaderElection;
    if (le === undefined) {
      await this.startControllers();
      return;
    }
    this.metrics.leader.set({ name: le.name }, 0);
    this.elector = new LeaderElector(this.client, {
      ...le,
      identity: this.opts.identity,
      logger: this.logger,
      onLeadership: (leading) => this.metrics.leader.set({ name: le.name }, leading ? 1 : 0),
    });
    void this.elector
      .run(() => {
        void this.startControllers();
      })
      .then(() => {
        if (this.stopping === undefined) {
          void this.stop().then(() => this.lostLeadership?.());
        }
      });
  }

  get isLeader(): boolean {
    return this.elector?.isLeader ?? this.controllersStarted;
  }

  /** Address a server listens on (tests use port 0). */
  address(which: 'metrics' | 'probe'): { port: number } | undefined {
    const server = this.servers[which === 'metrics' ? 0 : 1];
    const a = server?.address();
    return a !== null && typeof a === 'object' ? { port: a.port } : undefined;
  }

  private async startControllers(): Promise<void> {
    if (this.controllersStarted || this.stopping !== undefined) return;
    await this.cache.waitForSync();
    if (this.stopping !== undefined) return;
    this.controllersStarted = true;
    for (const c of this.controllers) c.start();
    this.logger.info({ controllers: this.controllers.map((c) => c.name) }, 'controllers started');
  }

  /** Objects named by others, watched as metadata (named-watch.ts); stopped with the manager. */
  namedWatches(type: ResourceType, onChange: (owners: readonly string[]) => void): NamedWatches {
    const w = new NamedWatches(this.client, type, onChange, {
      ...(this.opts.namespaces ? { namespaces: this.opts.namespaces } : {}),
      logger: this.logger,
    });
    this.named.push(w);
    return w;
  }

  /** Runs `hook` when the manager stops, after the last reconcile (e.g. to close kept connections). */
  onStop(hook: () => Promise<void> | void): void {
    this.stopHooks.push(hook);
  }

  /** Graceful stop: finish in-flight reconciles, release the lease, stop caches and servers. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.controllers.map((c) => c.stop()));
      for (const hook of this.stopHooks) await hook();
      await Promise.all(this.named.map((w) => w.stop()));
      await this.elector?.stop();
      await this.cache.stop();
      await Promise.all(this.servers.map(close));
      this.client.close();
    })();
    return this.stopping;
  }
}

/** Maps any object to the primary named by one of its labels (e.g. pods to their cluster). */
export function byLabel(label: string): MapFunc {
  return (o: KubeObject) => {
    const name = o.metadata.labels?.[label];
    return name === undefined ? [] : [keyOf({ namespace: o.metadata.namespace, name })];
  };
}
