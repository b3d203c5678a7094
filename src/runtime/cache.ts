/**
 * One shared informer per resource type and watched namespace, and a read view across them.
 * Controllers read from here, never from the API server, so a reconcile at rest costs nothing.
 */
import type { Logger } from 'pino';
import type { ResourceType } from '../kube/resources.ts';
import type { RestClient } from '../kube/rest.ts';
import { Informer } from './informer.ts';
import { type KubeObject, keyOf } from './object.ts';

export interface CacheOptions {
  /** Namespaces to watch; all when empty. Cluster-scoped types are always watched cluster-wide. */
  readonly namespaces?: readonly string[];
  readonly resyncMs?: number;
  readonly logger?: Logger;
}

export class Cache {
  private readonly client: RestClient;
  private readonly opts: CacheOptions;
  private readonly informers = new Map<string, Informer[]>();
  /** The label selector of a type's informers when a caller names none (see `restrict`). */
  private readonly restricted = new Map<string, string>();
  private started = false;

  constructor(client: RestClient, opts: CacheOptions = {}) {
    this.client = client;
    this.opts = opts;
  }

  /**
   * Caches only the objects of `type` that match `labelSelector`, for every reader that names no
   * selector of its own: an operator reads its own children, and a cluster-wide copy of every pod
   * or ConfigMap would cost more memory than everything else. Called before the type's first use.
   */
  restrict(type: ResourceType, labelSelector: string): void {
    const typeId = `${type.group}/${type.plural}`;
    if (this.informers.has(`${typeId}?`)) throw new Error(`${typeId} is cached already: restrict it first`);
    this.restricted.set(typeId, labelSelector);
  }

  /** The informers for `type` (one per watched namespace), created on first use. */
  informersFor(type: ResourceType, selector?: string): Informer[] {
    const typeId = `${type.group}/${type.plural}`;
    const labelSelector = selector ?? this.restricted.get(typeId);
    const id = `${typeId}?${selector ?? ''}`;
    let list = this.informers.get(id);
    if (list === undefined) {
      const namespaces = type.namespaced && this.opts.namespaces?.length ? this.opts.namespaces : [undefined];
      list = namespaces.map(
        (namespace) =>
          new Informer(this.client, type, {
            namespace,
            labelSelector,
            resyncMs: this.opts.resyncMs,
            logger: this.opts.logger,
          }),
      );
      this.informers.set(id, list);
      if (this.started) for (const i of list) i.start();
    }
    return list;
  }

  get<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    labelSelector?: string,
  ): T | undefined {
    const key = keyOf({ namespace: type.namespaced ? namespace : undefined, name });
    for (const i of this.informersFor(type, labelSelector)) {
      const obj = i.store.get(key);
      if (obj !== undefined) return obj as T;
    }
    return undefined;
  }

  /** Objects of `type`, optionally in one namespace. */
  list<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace?: string,
    labelSelector?: string,
  ): T[] {
    const out: KubeObject[] = [];
    for (const i of this.informersFor(type, labelSelector)) {
      out.push(...(namespace === undefined ? i.store.list() : i.store.byIndex('namespace', namespace)));
    }
    return out as T[];
  }

  /** Objects of `type` owned by the object with `uid`. */
  ownedBy<T extends KubeObject = KubeObject>(type: ResourceType, uid: string, labelSelector?: string): T[] {
    return this.informersFor(type, labelSelector).flatMap((i) => i.store.byIndex('owner', uid)) as T[];
  }

  start(): void {
    this.started = true;
    for (const list of this.informers.values()) for (const i of list) i.start();
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].flat().map((i) => i.waitForSync(signal)));
  }

  get synced(): boolean {
    return [...this.informers.values()].flat().every((i) => i.hasSynced);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].flat().map((i) => i.stop()));
  }
}
