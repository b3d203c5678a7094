/**
 * Watches of single objects by name (the Secret a DorisCluster names), for resources the operator
 * must not cache wholesale: each is an informer with `fieldSelector=metadata.name=<name>` in its
 * namespace, shared by every owner naming it and stopped when none does. Any change to one
 * requeues its owners, so a Secret created or rotated is acted on at once, not at the next resync.
 */
import type { Logger } from 'pino';
import type { ResourceType } from '../kube/resources.ts';
import type { RestClient } from '../kube/rest.ts';
import { Informer } from './informer.ts';
import type { KubeObject } from './object.ts';

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

const idOf = (r: ObjectRef): string => `${r.namespace}/${r.name}`;

export class NamedWatches {
  private readonly watches = new Map<string, { informer: Informer; owners: Set<string> }>();
  private readonly named = new Map<string, Set<string>>();
  private stopped = false;

  private readonly client: RestClient;
  private readonly type: ResourceType;
  /** Called with the owners of an object that changed (added, updated, deleted). */
  private readonly onChange: (owners: readonly string[]) => void;
  private readonly logger: Logger | undefined;

  constructor(
    client: RestClient,
    type: ResourceType,
    onChange: (owners: readonly string[]) => void,
    logger?: Logger,
  ) {
    this.client = client;
    this.type = type;
    this.onChange = onChange;
    this.logger = logger;
  }

  /** The objects `owner` names now (none to forget it): watches start and stop to match. */
  track(owner: string, refs: readonly ObjectRef[]): void {
    if (this.stopped) return;
    const ids = new Set(refs.map(idOf));
    for (const id of this.named.get(owner) ?? []) {
      if (ids.has(id)) continue;
      const w = this.watches.get(id);
      w?.owners.delete(owner);
      if (w !== undefined && w.owners.size === 0) {
        this.watches.delete(id);
        void w.informer.stop();
      }
    }
    for (const ref of refs) {
      const id = idOf(ref);
      let w = this.watches.get(id);
      if (w === undefined) {
        w = { informer: this.watch(ref), owners: new Set() };
        this.watches.set(id, w);
      }
      w.owners.add(owner);
    }
    if (ids.size === 0) this.named.delete(owner);
    else this.named.set(owner, ids);
  }

  /**
   * The object, once the watch of `ref` (which an owner must track) has synced: undefined when it
   * does not exist. Waits for the first list, so callers never need to GET what is watched.
   */
  async read(ref: ObjectRef, timeoutMs = 10_000): Promise<KubeObject | undefined> {
    const w = this.watches.get(idOf(ref));
    if (w === undefined) throw new Error(`${this.type.plural} ${idOf(ref)} is not watched`);
    await w.informer.waitForSync(AbortSignal.timeout(timeoutMs));
    return w.informer.store.get(idOf(ref));
  }

  /** Watched names, for tests and metrics. */
  get size(): number {
    return this.watches.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.watches.values()];
    this.watches.clear();
    this.named.clear();
    await Promise.all(all.map((w) => w.informer.stop()));
  }

  private watch(ref: ObjectRef): Informer {
    const informer = new Informer(this.client, this.type, {
      namespace: ref.namespace,
      fieldSelector: `metadata.name=${ref.name}`,
      resyncMs: 0,
      ...(this.logger ? { logger: this.logger } : {}),
    });
    const changed = () => {
      const owners = this.watches.get(idOf(ref))?.owners;
      if (owners !== undefined && owners.size > 0) this.onChange([...owners]);
    };
    informer.addHandler({ add: changed, update: changed, delete: changed });
    informer.start();
    return informer;
  }
}
