/**
 * The cache behind an informer: plain JSON objects by `namespace/name`, with secondary indexes
 * (namespace, owner UID, label) kept up to date on every change, so controllers look up children
 * and members without listing.
 */
import { type KubeObject, keyOf } from './object.ts';

export type IndexFunc = (o: KubeObject) => readonly string[];

export const byNamespace: IndexFunc = (o) => [o.metadata.namespace ?? ''];
export const byOwner: IndexFunc = (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid);
export const byLabel: IndexFunc = (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`);

export class Store<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(
    indexers: Readonly<Record<string, IndexFunc>> = {
      namespace: byNamespace,
      owner: byOwner,
      label: byLabel,
    },
  ) {
    for (const [name, fn] of Object.entries(indexers)) this.addIndex(name, fn);
  }

  get size(): number {
    return this.items.size;
  }

  addIndex(name: string, fn: IndexFunc): void {
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indexes.set(name, index);
    for (const [key, obj] of this.items) for (const v of fn(obj)) add(index, v, key);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Objects whose index `name` holds `value`, e.g. `byIndex('owner', uid)`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (index === undefined) throw new Error(`no index named ${name}`);
    return [...(index.get(value) ?? [])].map((k) => this.items.get(k)).filter((o): o is T => o !== undefined);
  }

  /** Stores `obj`; returns the previous version. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name);
      if (index !== undefined) for (const v of fn(obj)) add(index, v, key);
    }
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name);
      if (index === undefined) continue;
      for (const v of fn(obj)) {
        const set = index.get(v);
        set?.delete(key);
        if (set?.size === 0) index.delete(v);
      }
    }
  }
}

function add(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (set === undefined) {
    set = new Set();
    index.set(value, set);
  }
  set.add(key);
}
