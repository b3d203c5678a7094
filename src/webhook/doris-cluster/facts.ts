/**
 * What validation needs to know about other objects: the StorageClasses (can a claim grow in its
 * class? does a named class exist?) and the auth Secret a cluster names. The handler fetches only
 * what a request needs (`neededFacts`): a create or an update that grows no volume and names no
 * Secret costs no API request. A lookup that fails is `unknown`, which only ever warns.
 */

import { parseQuantity } from '../../kube/quantity.ts';
import { builtin, collectionPath, objectPath } from '../../kube/resources.ts';
import { isNotFound, type RestClient } from '../../kube/rest.ts';
import { userMay } from '../access.ts';
import type { UserInfo } from '../review.ts';
import { presentComponents, type Spec } from './spec.ts';

export interface StorageClassFact {
  readonly allowVolumeExpansion: boolean;
  readonly isDefault: boolean;
}

export type SecretFact =
  | { readonly state: 'found'; readonly type?: string; readonly keys: readonly string[] }
  | { readonly state: 'missing' }
  | { readonly state: 'unknown'; readonly reason: string };

/** The pod security profile the namespace enforces (`pod-security.kubernetes.io/enforce`). */
export type PodSecurityFact = 'privileged' | 'baseline' | 'restricted';

export interface Facts {
  /** Every StorageClass by name; undefined when not looked up or the lookup failed. */
  readonly storageClasses?: ReadonlyMap<string, StorageClassFact>;
  readonly authSecret?: SecretFact;
  /** Undefined when not looked up or the lookup failed. */
  readonly podSecurity?: PodSecurityFact;
  /** The ConfigMaps named by configMapRef: whether they exist, and whether the requester may read them. */
  readonly ownConfigMaps?: ReadonlyMap<string, OwnConfigMapFact>;
}

export interface OwnConfigMapFact {
  /** undefined: the lookup failed. */
  readonly exists?: boolean;
  /** undefined: the API server could not say (or no user in the request). */
  readonly readable?: boolean;
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
  /** A component runs the privileged host preparation, which baseline and restricted refuse. */
  readonly podSecurity?: boolean;
  /** ConfigMaps named by configMapRef. */
  readonly ownConfigMaps?: readonly string[];
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
    podSecurity: privilegedHostPreparation(spec).length > 0,
    ownConfigMaps: [
      ...new Set(
        presentComponents(spec)
          .map(([, s]) => (s as { configMapRef?: { name: string } }).configMapRef?.name)
          .filter((n): n is string => n !== undefined),
      ),
    ],
  };
}

/** BE and CN specs that run the privileged init container (on unless turned off). */
export function privilegedHostPreparation(spec: Spec): ('be' | 'cn')[] {
  return presentComponents(spec)
    .filter(
      ([c, s]) =>
        (c === 'be' || c === 'cn') &&
        (s as { hostPreparation?: { enabled?: boolean } }).hostPreparation?.enabled !== false,
    )
    .map(([c]) => c as 'be' | 'cn');
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
  private readonly namespaces = new Map<string, { at: number; fact: PodSecurityFact }>();

  constructor(client: RestClient, opts: { timeoutMs?: number; cacheMs?: number } = {}) {
    this.client = client;
    this.timeoutMs = opts.timeoutMs ?? 1500;
    this.cacheMs = opts.cacheMs ?? 10_000;
  }

  async find(needed: Needed, namespace: string, user?: UserInfo): Promise<Facts> {
    const [storageClasses, authSecret, podSecurity, ownConfigMaps] = await Promise.all([
      needed.storageClasses ? this.storageClasses().catch(() => undefined) : undefined,
      needed.authSecret === undefined ? undefined : this.secret(namespace, needed.authSecret),
      needed.podSecurity === true ? this.podSecurity(namespace).catch(() => undefined) : undefined,
      needed.ownConfigMaps === undefined || needed.ownConfigMaps.length === 0
        ? undefined
        : this.ownConfigMaps(namespace, needed.ownConfigMaps, user),
    ]);
    return { storageClasses, authSecret, podSecurity, ...(ownConfigMaps ? { ownConfigMaps } : {}) };
  }

  /** Whether each ConfigMap exists, and whether the requester may read it (never its data). */
  private async ownConfigMaps(
    namespace: string,
    names: readonly string[],
    user: UserInfo | undefined,
  ): Promise<ReadonlyMap<string, OwnConfigMapFact>> {
    const facts = await Promise.all(
      names.map(async (name): Promise<[string, OwnConfigMapFact]> => {
        const [exists, readable] = await Promise.all([
          this.client
            .request({
              method: 'GET',
              path: objectPath(builtin.ConfigMap, namespace, name),
              timeoutMs: this.timeoutMs,
            })
            .then(
              () => true,
              (err: unknown) => (isNotFound(err) ? false : undefined),
            ),
          user === undefined
            ? undefined
            : userMay(
                this.client,
                user,
                { verb: 'get', resource: 'configmaps', namespace, name },
                this.timeoutMs,
              ),
        ]);
        return [
          name,
          { ...(exists === undefined ? {} : { exists }), ...(readable === undefined ? {} : { readable }) },
        ];
      }),
    );
    return new Map(facts);
  }

  /** The namespace's enforced profile; namespaces are cached like StorageClasses. */
  private async podSecurity(namespace: string): Promise<PodSecurityFact> {
    const cached = this.namespaces.get(namespace);
    if (cached !== undefined && Date.now() - cached.at < this.cacheMs) return cached.fact;
    const ns = await this.client.request<{ metadata: { labels?: Record<string, string> } }>({
      method: 'GET',
      path: objectPath(builtin.Namespace, undefined, namespace),
      timeoutMs: this.timeoutMs,
    });
    const level = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    const fact: PodSecurityFact = level === 'baseline' || level === 'restricted' ? level : 'privileged';
    if (this.namespaces.size > 10_000) this.namespaces.clear();
    this.namespaces.set(namespace, { at: Date.now(), fact });
    return fact;
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
