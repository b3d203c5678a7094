/**
 * Objects named by others (the Secret a DorisCluster names), for a type the operator must not
 * cache wholesale. One metadata-only informer per watched namespace (or one for all) knows which
 * objects exist and their resourceVersion, without their content; an object's content is read
 * (GET) only when an owner asks for it and its resourceVersion changed since the last read, and is
 * kept only while some owner names it. So a pass at rest makes no request, a Secret created or
 * rotated requeues its owners at once, and the operator holds one watch connection however many
 * clusters it runs (a watch per name held one connection each, and 100 clusters exhausted the
 * client's connection pool).
 */
import type { Logger } from 'pino';
import { objectPath, type ResourceType } from '../kube/resources.ts';
import { isNotFound, type RestClient } from '../kube/rest.ts';
import { Informer } from './informer.ts';
import type { KubeObject } from './object.ts';

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

const idOf = (r: ObjectRef): string => `${r.namespace}/${r.name}`;

export interface NamedWatchOptions {
  /** The namespaces owners live in; all when empty. */
  readonly namespaces?: readonly string[];
  readonly logger?: Logger;
}

export class NamedWatches {
  /** Owners of each named object. */
  private readonly owners = new Map<string, Set<string>>();
  /** What each owner names. */
  private readonly named = new Map<string, Set<string>>();
  /** Content last read of objects still named. */
  private readonly content = new Map<string, KubeObject>();
  private readonly informers = new Map<string | undefined, Informer>();
  private stopped = false;

  private readonly client: RestClient;
  private readonly type: ResourceType;
  /** Called with the owners of an object that changed (added, updated, deleted). */
  private readonly onChange: (owners: readonly string[]) => void;
  private readonly opts: NamedWatchOptions;

  constructor(
    client: RestClient,
    type: ResourceType,
    onChange: (owners: readonly string[]) => void,
    opts: NamedWatchOptions = {},
  ) {
    this.client = client;
    this.type = type;
    this.onChange = onChange;
    this.opts = opts;
  }

  /** The objects `owner` names now (none to forget it). */
  track(owner: string, refs: readonly ObjectRef[]): void {
    if (this.stopped) return;
    const ids = new Set(refs.map(idOf));
    for (const id of this.named.get(owner) ?? []) {
      if (ids.has(id)) continue;
      const owners = this.owners.get(id);
      owners?.delete(owner);
      if (owners?.size === 0) {
        this.owners.delete(id);
        this.content.delete(id);
      }
    }
    for (const ref of refs) {
      const id = idOf(ref);
      this.informerFor(ref.namespace);
      const owners = this.owners.get(id) ?? new Set();
      owners.add(owner);
      this.owners.set(id, owners);
    }
    if (ids.size === 0) this.named.delete(owner);
    else this.named.set(owner, ids);
  }

  /**
   * The object `ref` (which an owner must track), undefined when it does not exist. Waits for the
   * metadata informer's first list; reads the content only when it changed since the last read.
   */
  async read(ref: ObjectRef, timeoutMs = 10_000): Promise<KubeObject | undefined> {
    const id = idOf(ref);
    if (!this.owners.has(id)) throw new Error(`${this.type.plural} ${id} is not watched`);
    const informer = this.informerFor(ref.namespace);
    await informer.waitForSync(AbortSignal.timeout(timeoutMs));
    const meta = informer.store.get(id);
    if (meta === undefined) {
      this.content.delete(id);
      return undefined;
    }
    const known = this.content.get(id);
    if (known !== undefined && known.metadata.resourceVersion === meta.metadata.resourceVersion) return known;
    let object: KubeObject;
    try {
      object = await this.client.request<KubeObject>({
        method: 'GET',
        path: objectPath(this.type, ref.namespace, ref.name),
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    delete object.metadata.managedFields;
    // Kept under the version the watch will report for it, so the next read is free.
    if (this.owners.has(id)) this.content.set(id, object);
    return object;
  }

  /** Named objects, for tests and metrics. */
  get size(): number {
    return this.owners.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.informers.values()];
    this.informers.clear();
    this.owners.clear();
    this.named.clear();
    this.content.clear();
    await Promise.all(all.map((i) => i.stop()));
  }

  /** The metadata informer covering `namespace`, started on first use. */
  private informerFor(namespace: string): Informer {
    const scoped = (this.opts.namespaces?.length ?? 0) > 0;
    if (scoped && !this.opts.namespaces?.includes(namespace))
      throw new Error(`namespace ${namespace} is not watched`);
    const key = scoped ? namespace : undefined;
    let informer = this.informers.get(key);
    if (informer !== undefined) return informer;
    informer = new Informer(this.client, this.type, {
      ...(key === undefined ? {} : { namespace: key }),
      metadataOnly: true,
      resyncMs: 0,
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
    });
    const changed = (o: KubeObject) => {
      const owners = this.owners.get(idOf({ namespace: o.metadata.namespace ?? '', name: o.metadata.name }));
      if (owners !== undefined && owners.size > 0) this.onChange([...owners]);
    };
    informer.addHandler({ add: changed, update: changed, delete: changed });
    this.informers.set(key, informer);
    informer.start();
    return informer;
  }
}
