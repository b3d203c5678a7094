/**
 * Server-side apply under one field manager, writing only when the result would differ.
 *
 * Whether an apply would change anything is decided by the API server itself: a dry-run apply
 * returns the object as it would be stored (defaults, merges and removals of fields we no longer
 * set included), which is compared with the live object. The verdict is remembered per object for
 * the pair (desired content, live version: its generation and metadata, or its resourceVersion for
 * objects without a generation), so an object at rest costs no request at all, and any edit by
 * someone else is checked again: drift is never missed.
 */
import { createHash } from 'node:crypto';
import { objectPath, type ResourceType } from '../kube/resources.ts';
import { contentTypes, isConflict, isNotFound, type RestClient } from '../kube/rest.ts';
import { type KubeObject, keyOf } from './object.ts';

export const FIELD_MANAGER = 'doris-operator';

export interface ApplyResult<T extends KubeObject = KubeObject> {
  readonly changed: boolean;
  readonly object: T;
}

export class Applier {
  private readonly client: RestClient;
  private readonly fieldManager: string;
  private readonly verified = new Map<string, { digest: string; version: string }>();

  constructor(client: RestClient, fieldManager = FIELD_MANAGER) {
    this.client = client;
    this.fieldManager = fieldManager;
  }

  /**
   * Applies `desired` (a full apply configuration: the fields this operator owns). `live` is the
   * cached object, if any; without it the apply goes straight to the server.
   */
  async apply<T extends KubeObject>(
    type: ResourceType,
    desired: T,
    live?: KubeObject,
  ): Promise<ApplyResult<T>> {
    const id = `${type.group}/${type.plural}/${keyOf(desired)}`;
    const digest = digestOf(desired);
    if (live?.metadata.resourceVersion !== undefined) {
      const version = versionOf(live);
      if (this.verified.get(id)?.digest === digest && this.verified.get(id)?.version === version)
        return { changed: false, object: live as T };
      const dry = await this.patch<T>(type, desired, true);
      if (sameStoredObject(dry, live)) {
        this.verified.set(id, { digest, version });
        return { changed: false, object: live as T };
      }
    }
    const applied = await this.patch<T>(type, desired, false);
    this.verified.set(id, { digest, version: versionOf(applied) });
    return { changed: true, object: applied };
  }

  /**
   * Deletes an object, tolerating its absence; returns whether a delete was sent and accepted.
   * With `uid`, only that incarnation is deleted (a pod recreated under the same name is left alone).
   */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    propagation = 'Background',
    uid?: string,
  ): Promise<boolean> {
    this.verified.delete(`${type.group}/${type.plural}/${keyOf({ namespace, name })}`);
    try {
      await this.client.request({
        method: 'DELETE',
        path: objectPath(type, namespace, name),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: propagation,
          ...(uid === undefined ? {} : { preconditions: { uid } }),
        },
      });
      return true;
    } catch (err) {
      // With a uid precondition, 409 means the object was already replaced: that one is not ours to delete.
      if (isNotFound(err) || (uid !== undefined && isConflict(err))) return false;
      throw err;
    }
  }

  private patch<T extends KubeObject>(type: ResourceType, desired: T, dryRun: boolean): Promise<T> {
    return this.client.request<T>({
      method: 'PATCH',
      path: objectPath(type, desired.metadata.namespace, desired.metadata.name),
      query: { fieldManager: this.fieldManager, force: true, dryRun: dryRun ? 'All' : undefined },
      contentType: contentTypes.apply,
      body: desired,
    });
  }
}

/**
 * What an apply could have to change in `o`: its metadata and, where the object has a generation
 * (bumped by every spec change), that generation; otherwise its resourceVersion. A StatefulSet's
 * status moves its resourceVersion every time a pod turns ready, and is none of the applier's
 * business: re-checking it then would be a dry-run request per pod event.
 */
function versionOf(o: KubeObject): string {
  const { labels, annotations, ownerReferences, generation, resourceVersion } = o.metadata;
  return generation === undefined
    ? `rv:${resourceVersion ?? ''}`
    : `gen:${generation}:${stableJson({ labels, annotations, ownerReferences })}`;
}

/** Equal as stored: everything but the bookkeeping the server changes on every write. */
export function sameStoredObject(a: KubeObject, b: KubeObject): boolean {
  return stableJson(strip(a)) === stableJson(strip(b));
}

function strip(o: KubeObject): unknown {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metadata } = o.metadata;
  return { ...o, metadata };
}

export function digestOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

/** JSON with object keys sorted, so equal values always serialise the same way. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
