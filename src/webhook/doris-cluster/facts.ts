/**
 * What validation needs to know about other objects: the StorageClasses (can a claim grow in its
 * class? does a named class exist?) and the auth Secret a cluster names. The handler fetches only
 * what a request needs (`neededFacts`): a create or an update that grows no volume and names no
 * Secret costs no API request. A lookup that fails is `unknown`, which only ever warns.
 */

import { parseQuantity } from '../../kube/quantity.ts';
import { builtin, collectionPath, objectPath } from '../../kube/resources.ts';
import { isNotFound, type RestClient } from '../../kube/rest.ts';
import { presentComponents, type Spec } from './spec.ts';

export interface StorageClassFact {
  readonly allowVolumeExpansion: boolean;
  readonly isDefault: boolean;
}

export type SecretFact =
  | { readonly state: 'found'; readonly type?: string; readonly keys: readonly string[] }
  | { readonly state: 'missing' }
  | { readonly state: 'unknown'; readonly reason: string };

export interface Facts {
  /** Every StorageClass by name; undefined when not looked up or the lookup failed. */
  readonly storageClasses?: ReadonlyMap<string, StorageClassFact>;
  readonly authSecret?: SecretFact;
}

export interface Volume {
  readonly path: string;
  readonly type: string;
  readonly size: string | number;
  readonly storageClassName?: string;
}

/** Every volume of a spec with its field path; BE data directories are keyed by name. */
export function volumesOf(spec: Spec): Map<string, Volume> {
  const out = new Map<string, Volume>();
  const add = (path: string, v: unknown) => {
    if (v !== undefined) out.set(path, { path, ...(v as Omit<Volume, 'path'>) });
  };
  for (const [c, s] of presentComponents(spec)) {
    const storage = s.storage as Record<string, unknown>;
    for (const key of ['meta', 'cache', 'logs']) add(`spec.${c}.storage.${key}`, storage[key]);
    const dirs = (storage.dataDirs ?? []) as { name: string }[];
    for (const [i, d] of dirs.entries())
      out.set(`dataDir:${d.name}`, { ...(d as unknown as Volume), path: `spec.${c}.storage.dataDirs[${i}]` });
  }
  return out;
}

/** Volumes whose claims must grow: same key in both specs, PVC, larger size. */
export function growingVolumes(spec: Spec, old: Spec | undefined): { now: Volume; before: Volume }[] {
  if (old === undefined) return [];
  const before = volumesOf(old);
  return [...volumesOf(spec)].flatMap(([key, now]) => {
    const b = before.get(key);
    if (b === undefined || now.type !== 'PersistentVolumeClaim') return [];
    const x = parseQuantity(now.size);
    const y = parseQuantity(b.size);
    return x !== undefined && y !== undefined && x > y ? [{ now, before: b }] : [];
  });
}

export interface Needed {
  readonly storageClasses: boolean;
  readonly authSecret?: string;
}

export function neededFacts(spec: Spec, old: Spec | undefined): Needed {
  const oldClasses = new Set(
    old === undefined ? [] : [...volumesOf(old).values()].map((v) => v.storageClassName),
  );
  const newClass = [...volumesOf(spec).values()].some(
    (v) => v.storageClassName !== undefined && !oldClasses.has(v.storageClassName),
  );
  return {
    storageClasses: newClass || growingVolumes(spec, old).length > 0,
    authSecret: spec.authSecretRef?.name,
  };
}

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

interface StorageClassList {
  items: {
    metadata: { name: string; annotations?: Record<string, string> };
    allowVolumeExpansion?: boolean;
  }[];
}

/** Fetches facts with a deadline; StorageClasses are cached for `cacheMs`, as they rarely change. */
export class FactFinder {
  private readonly client: RestClient;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private classes: { at: number; value: Promise<ReadonlyMap<string, StorageClassFact>> } | undefined;
  /** Secrets found recently. A missing one is looked up every time, so its warning ends as soon as it exists. */
  private readonly secrets = new Map<string, { at: number; fact: SecretFact }>();

  constructor(client: RestClient, opts: { timeoutMs?: number; cacheMs?: number } = {}) {
    this.client = client;
    this.timeoutMs = opts.timeoutMs ?? 1500;
    this.cacheMs = opts.cacheMs ?? 10_000;
  }

  async find(needed: Needed, namespace: string): Promise<Facts> {
    const [storageClasses, authSecret] = await Promise.all([
      needed.storageClasses ? this.storageClasses().catch(() => undefined) : undefined,
      needed.authSecret === undefined ? undefined : this.secret(namespace, needed.authSecret),
    ]);
    return { storageClasses, authSecret };
  }

  private storageClasses(): Promise<ReadonlyMap<string, StorageClassFact>> {
    const now = Date.now();
    if (this.classes === undefined || now - this.classes.at > this.cacheMs) {
      const value = this.client
        .request<StorageClassList>({
          method: 'GET',
          path: collectionPath(builtin.StorageClass),
          timeoutMs: this.timeoutMs,
        })
        .then(
          (list) =>
            new Map(
              list.items.map((sc) => [
                sc.metadata.name,
                {
                  allowVolumeExpansion: sc.allowVolumeExpansion === true,
                  isDefault: sc.metadata.annotations?.[DEFAULT_CLASS] === 'true',
                },
              ]),
            ),
        );
      this.classes = { at: now, value };
      value.catch(() => {
        if (this.classes?.value === value) this.classes = undefined;
      });
    }
    return this.classes.value;
  }

  /** Only the Secret's type and key names are kept: its data never leaves this function. */
  private async secret(namespace: string, name: string): Promise<SecretFact> {
    const key = `${namespace}/${name}`;
    const cached = this.secrets.get(key);
    if (cached !== undefined && Date.now() - cached.at < this.cacheMs) return cached.fact;
    const fact = await this.lookUpSecret(namespace, name);
    if (fact.state === 'found') {
      if (this.secrets.size > 10_000) this.secrets.clear();
      this.secrets.set(key, { at: Date.now(), fact });
    } else this.secrets.delete(key);
    return fact;
  }

  private async lookUpSecret(namespace: string, name: string): Promise<SecretFact> {
    try {
      const s = await this.client.request<{ type?: string; data?: Record<string, string> }>({
        method: 'GET',
        path: objectPath(builtin.Secret, namespace, name),
        timeoutMs: this.timeoutMs,
      });
      return { state: 'found', type: s.type, keys: Object.keys(s.data ?? {}) };
    } catch (err) {
      if (isNotFound(err)) return { state: 'missing' };
      return { state: 'unknown', reason: err instanceof Error ? err.message.slice(0, 80) : 'lookup failed' };
    }
  }
}
