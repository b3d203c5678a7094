/**
 * Status writes of DorisInitializers, one at a time per object: the reconcile (users, conditions)
 * and the background script runner (scripts, applied) both change the status, each its own fields.
 * Every write reads the live object and applies one change to it, so neither undoes the other; a
 * conflict (409) is read again and retried.
 */
import type { DorisInitializerStatus } from '../api/v1alpha1/index.ts';
import { dorisInitializerKind } from '../api/v1alpha1/index.ts';
import { objectPath } from '../kube/resources.ts';
import { isConflict, type RestClient } from '../kube/rest.ts';
import { stableJson } from '../runtime/apply.ts';
import type { KubeObject } from '../runtime/object.ts';

export type Status = DorisInitializerStatus;

export class StatusWriter {
  private readonly client: RestClient;
  private readonly chains = new Map<string, Promise<unknown>>();
  /** The resourceVersion each object had at its last read or write here: a cache behind it is stale. */
  private readonly written = new Map<string, string>();

  constructor(client: RestClient) {
    this.client = client;
  }

  /**
   * Applies `change` to the live status and writes it if it differs; returns the status as stored.
   * With `cached` (the informer's copy) a change that alters nothing there costs no request: a pass
   * at rest reads nothing.
   */
  update(
    ref: { namespace: string; name: string },
    change: (s: Status) => Status,
    cached?: KubeObject,
  ): Promise<Status | undefined> {
    const key = `${ref.namespace}/${ref.name}`;
    const fresh =
      cached !== undefined &&
      (this.written.get(key) ?? cached.metadata.resourceVersion) === cached.metadata.resourceVersion;
    if (cached !== undefined && fresh && !this.chains.has(key)) {
      const current = (cached.status ?? {}) as Status;
      if (stableJson(current) === stableJson(change(structuredClone(current))))
        return Promise.resolve(current);
    }
    const run = (this.chains.get(key) ?? Promise.resolve()).then(
      () => this.write(ref, change),
      () => this.write(ref, change),
    );
    const tail = run.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  private async write(
    ref: { namespace: string; name: string },
    change: (s: Status) => Status,
  ): Promise<Status | undefined> {
    const path = objectPath(dorisInitializerKind.resource, ref.namespace, ref.name);
    for (let attempt = 0; ; attempt++) {
      let live: KubeObject;
      try {
        live = await this.client.request<KubeObject>({ method: 'GET', path });
      } catch (err) {
        if ((err as { status?: number }).status === 404) {
          this.written.delete(`${ref.namespace}/${ref.name}`);
          return undefined;
        }
        throw err;
      }
      const current = (live.status ?? {}) as Status;
      const next = change(structuredClone(current));
      if (stableJson(current) === stableJson(next)) {
        if (live.metadata.resourceVersion)
          this.written.set(`${ref.namespace}/${ref.name}`, live.metadata.resourceVersion);
        return current;
      }
      try {
        const stored = await this.client.request<KubeObject>({
          method: 'PUT',
          path: `${path}/status`,
          body: { ...live, status: next },
        });
        if (stored.metadata?.resourceVersion)
          this.written.set(`${ref.namespace}/${ref.name}`, stored.metadata.resourceVersion);
        return next;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }
}
