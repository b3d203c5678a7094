/**
 * An informer keeps a Store equal to the API server's view of one resource type (optionally one
 * namespace and a label selector) and tells handlers what changed:
 * - list (paged), then watch from the list's resourceVersion with bookmarks;
 * - a watch that ends (server timeout, connection lost, API server restart) resumes from the last
 *   resourceVersion seen, after a jittered backoff when it failed;
 * - 410 Gone / "too old resource version" relists and diffs the result against the store, so
 *   handlers still see every add, update and delete that happened meanwhile;
 * - a periodic resync replays every cached object as an update, as a safety net for level-based
 *   reconcilers.
 */
import type { Logger } from 'pino';
import { apiVersionOf, collectionPath, type ResourceType } from '../kube/resources.ts';
import { ApiError, type RestClient } from '../kube/rest.ts';
import { jitteredBackoff } from './backoff.ts';
import { type KubeObject, keyOf } from './object.ts';
import { Store } from './store.ts';

export interface EventHandler<T extends KubeObject = KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  /** Only this namespace; all namespaces when undefined. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Replays the cache to handlers this often; 0 disables. @default 600000 (10 min) */
  readonly resyncMs?: number;
  /**
   * Only the objects' metadata (PartialObjectMetadata): enough to know what exists and when it
   * changed, without holding (or even receiving) the content, e.g. Secrets' data.
   */
  readonly metadataOnly?: boolean;
  /** Objects per list page. @default 500 */
  readonly pageSize?: number;
  readonly logger?: Logger;
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

interface List {
  metadata: { resourceVersion: string; continue?: string };
  items: KubeObject[] | null;
}

const metadataAccept = (kind: string) => `application/json;as=${kind};g=meta.k8s.io;v=v1,application/json`;

/** Thrown inside the watch loop when the server says our resourceVersion is too old. */
class Expired extends Error {}

export class Informer<T extends KubeObject = KubeObject> {
  readonly type: ResourceType;
  readonly store = new Store<T>();
  private readonly client: RestClient;
  private readonly opts: InformerOptions;
  private readonly handlers: EventHandler<T>[] = [];
  private resourceVersion = '';
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** Counters for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, relists: 0, events: 0 };

  constructor(client: RestClient, type: ResourceType, opts: InformerOptions = {}) {
    this.client = client;
    this.type = type;
    this.opts = opts;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Registers a handler; a handler added after sync first receives every cached object as an add. */
  addHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
    if (this.synced) for (const obj of this.store.list()) handler.add?.(obj);
  }

  start(): void {
    if (this.loop !== undefined) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
    const resync = this.opts.resyncMs ?? 600_000;
    if (resync > 0) {
      this.resyncTimer = setInterval(() => {
        if (!this.synced) return;
        for (const obj of this.store.list()) this.emit('update', obj, obj);
      }, resync);
    }
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    await this.loop;
    this.loop = undefined;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => reject(new Error(`${this.type.plural} cache did not sync`)), {
        once: true,
      });
    });
  }

  private get path(): string {
    return collectionPath(this.type, this.opts.namespace);
  }

  private async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watch(signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof Expired || (err instanceof ApiError && err.status === 410)) {
          // Our resourceVersion is older than what the server keeps: list again, at once.
          this.stats.relists++;
          needList = true;
          continue;
        }
        const delay = jitteredBackoff(failures++);
        this.opts.logger?.debug(
          { resource: this.type.plural, err: String(err), delayMs: delay },
          'watch failed',
        );
        await sleepUnless(delay, signal);
      }
    }
  }

  /** Lists every page and replaces the store, emitting the differences. */
  private async relist(): Promise<void> {
    this.stats.lists++;
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.request<List>({
        method: 'GET',
        path: this.path,
        ...(this.opts.metadataOnly ? { accept: metadataAccept('PartialObjectMetadataList') } : {}),
        query: {
          limit: this.opts.pageSize ?? 500,
          continue: cont,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
        },
        timeoutMs: 60_000,
      });
      // List items carry no kind; fill it in so cached objects look like watched ones.
      // An empty metadata-only list says `items: null`.
      for (const item of page.items ?? [])
        items.push({ apiVersion: apiVersionOf(this.type), kind: this.type.kind, ...item });
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont !== undefined);

    const seen = new Set<string>();
    for (const obj of items as T[]) {
      seen.add(keyOf(obj));
      this.apply(obj);
    }
    for (const key of this.store.keys()) {
      if (!seen.has(key)) {
        const old = this.store.delete(key);
        if (old !== undefined) this.emit('delete', old);
      }
    }
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watch(signal: AbortSignal): Promise<void> {
    this.stats.watches++;
    // A server-side timeout spreads reconnects over time; the client timeout catches dead sockets
    // (bookmarks arrive about once a minute, so a healthy watch is never idle that long).
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    await this.client.stream(
      {
        method: 'GET',
        path: this.path,
        ...(this.opts.metadataOnly ? { accept: metadataAccept('PartialObjectMetadata') } : {}),
        query: {
          watch: true,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
        },
        timeoutMs: (timeoutSeconds + 90) * 1000,
      },
      (value) => this.onEvent(value as WatchEvent),
      signal,
    );
  }

  private onEvent(event: WatchEvent): void {
    this.stats.events++;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.apply(event.object as T);
        break;
      case 'DELETED': {
        const old = this.store.delete(keyOf(event.object));
        this.emit('delete', (old ?? event.object) as T);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR':
        if (event.object.code === 410) throw new Expired(event.object.message ?? 'expired');
        throw new Error(`watch ${this.type.plural}: ${event.object.message ?? JSON.stringify(event.object)}`);
    }
    const rv = event.object.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') this.resourceVersion = rv;
  }

  private apply(obj: T): void {
    // Who set which field is the API server's business (server-side apply): dropped from the
    // cache, where it would be most of a pod's size.
    delete obj.metadata.managedFields;
    const old = this.store.upsert(obj);
    if (old === undefined) this.emit('add', obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', old, obj);
  }

  private emit(kind: 'add' | 'delete', obj: T): void;
  private emit(kind: 'update', oldObj: T, newObj: T): void;
  private emit(kind: 'add' | 'update' | 'delete', a: T, b?: T): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.add?.(a);
        else if (kind === 'update') h.update?.(a, b as T);
        else h.delete?.(a);
      } catch (err) {
        this.opts.logger?.error({ resource: this.type.plural, err: String(err) }, 'event handler failed');
      }
    }
  }
}

function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
