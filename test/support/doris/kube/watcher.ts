/**
 * Maps the control plane's pods to simulated processes: a Doris pod that is Running with an IP gets
 * a member; one that starts terminating, or goes, loses it (the log records which, so tests can
 * order pod deletions against Doris state changes). Lists, then watches from the list's
 * resourceVersion, and lists again whenever the watch ends.
 *
 * It also plays the kubelet's readiness probe (the pod template's FE and BE `/api/health`): kwok
 * marks a pod Ready once it runs and never looks again, while a real kubelet turns Ready off when
 * the process stops answering. Every `readinessProbeMs` the pod's Ready condition is set to
 * whether its member's ports are open.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { builtin, collectionPath, objectPath } from '../../../../src/kube/resources.ts';
import { isGone, type RestClient } from '../../../../src/kube/rest.ts';
import type { Simulator } from '../simulator.ts';
import { PodInputs } from './inputs.ts';
import { dorisContainer, isRunning, type Pod } from './pod.ts';

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Pod;
}

export class PodWatcher {
  private readonly client: RestClient;
  private readonly sim: Simulator;
  private readonly inputs: PodInputs;
  private readonly abort = new AbortController();
  /** Pod key to the uid and IP its member was launched for. */
  private readonly launched = new Map<string, { uid: string; ip: string }>();
  private readonly queues = new Map<string, Promise<void>>();
  /** Pod key to the Ready value last reported for the uid it was launched for. */
  private readonly reported = new Map<string, { uid: string; ready: boolean }>();
  private loop: Promise<void> | undefined;
  private probing: Promise<void> | undefined;

  constructor(client: RestClient, sim: Simulator, clusterDomain?: string) {
    this.client = client;
    this.sim = sim;
    this.inputs = new PodInputs(client, clusterDomain);
  }

  /** Resolves after the first list has been handled. */
  async start(): Promise<void> {
    const first = Promise.withResolvers<void>();
    this.loop = this.run(first.resolve);
    await first.promise;
    this.probing = this.probe();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => {});
    await this.probing;
    await Promise.all(this.queues.values());
  }

  private async run(listed: () => void): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const list = await this.client.request<{ items: Pod[]; metadata: { resourceVersion: string } }>({
          method: 'GET',
          path: collectionPath(builtin.Pod),
        });
        const seen = new Set(list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
        for (const pod of list.items) this.handle('MODIFIED', pod);
        for (const key of this.launched.keys())
          if (!seen.has(key)) this.enqueue(key, () => this.drop(key, 'pod deleted'));
        listed();
        await this.client.stream(
          {
            method: 'GET',
            path: collectionPath(builtin.Pod),
            query: {
              watch: 1,
              resourceVersion: list.metadata.resourceVersion,
              allowWatchBookmarks: true,
              timeoutSeconds: 300,
            },
            timeoutMs: 330_000,
          },
          (line) => {
            const event = line as WatchEvent;
            if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
              this.handle(event.type, event.object);
          },
          signal,
        );
      } catch (err) {
        if (signal.aborted) return;
        if (!isGone(err)) await sleep(500, undefined, { signal }).catch(() => {});
      }
    }
  }

  /** The readiness probe loop: Ready follows the member's open ports. */
  private async probe(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await sleep(this.sim.timing.readinessProbeMs, undefined, { signal }).catch(() => {});
      for (const [key, { uid }] of this.launched) {
        const ready = this.sim.members.get(key)?.shouldListen() ?? false;
        const last = this.reported.get(key);
        if (last?.uid === uid && last.ready === ready) continue;
        this.reported.set(key, { uid, ready });
        await this.setReady(key, uid, ready).catch(() => this.reported.delete(key));
      }
    }
  }

  private async setReady(key: string, uid: string, ready: boolean): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = ready ? 'True' : 'False';
    const reason = ready ? undefined : 'ReadinessProbeFailed';
    await this.client.request({
      method: 'PATCH',
      path: objectPath(builtin.Pod, namespace, name, 'status'),
      contentType: 'application/strategic-merge-patch+json',
      // The uid makes it a precondition: a pod recreated under the same name is left alone.
      body: {
        metadata: { uid },
        status: {
          conditions: ['Ready', 'ContainersReady'].map((type) => ({
            type,
            status,
            lastTransitionTime: now,
            ...(reason ? { reason } : {}),
          })),
        },
      },
    });
  }

  private handle(type: WatchEvent['type'], pod: Pod): void {
    if (dorisContainer(pod) === undefined) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.enqueue(key, async () => {
      const current = this.launched.get(key);
      if (type === 'DELETED') return this.drop(key, 'pod deleted');
      if (pod.metadata.deletionTimestamp !== undefined) return this.drop(key, 'pod terminating');
      if (!isRunning(pod)) {
        if (current !== undefined && current.uid === pod.metadata.uid)
          await this.drop(key, `pod ${pod.status?.phase ?? 'not running'}`);
        return;
      }
      if (current !== undefined && current.uid === pod.metadata.uid && current.ip === pod.status?.podIP)
        return;
      const spec = await this.inputs.specOf(pod);
      if (spec === undefined || this.abort.signal.aborted) return;
      this.launched.set(key, { uid: pod.metadata.uid, ip: spec.ip });
      await this.sim.launch(spec);
    });
  }

  private async drop(key: string, reason: string): Promise<void> {
    this.reported.delete(key);
    if (!this.launched.delete(key)) return;
    this.sim.log.append({ kind: 'pod', source: 'watcher', member: key, text: reason });
    await this.sim.remove(key, reason);
  }

  /** Events of one pod are handled in order, one at a time. */
  private enqueue(key: string, work: () => Promise<void>): void {
    const next = (this.queues.get(key) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      this.sim.log.append({ kind: 'pod', source: 'watcher', member: key, text: `error: ${String(err)}` });
    });
    this.queues.set(key, next);
    void next.then(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
  }
}
