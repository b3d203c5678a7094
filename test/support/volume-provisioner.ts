/**
 * A volume provisioner for the test control plane, doing what a CSI external-provisioner and
 * external-resizer do in a real cluster: it creates a PersistentVolume for each pending claim of
 * its storage classes (the controller manager then binds them), completes expansions the API
 * server admitted (only classes with `allowVolumeExpansion` get that far), and deletes released
 * volumes whose reclaim policy is Delete. No data is stored: the pods are fake.
 */
import { join } from 'node:path';
import { compareQuantities } from '../../src/kube/quantity.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { isConflict, isNotFound, type RestClient } from '../../src/kube/rest.ts';

export const PROVISIONER_NAME = 'doris-operator.test/hostpath';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  annotations?: Record<string, string>;
}
interface StorageClass {
  metadata: Meta;
  provisioner: string;
  reclaimPolicy?: string;
  allowVolumeExpansion?: boolean;
}
interface Claim {
  metadata: Meta & { deletionTimestamp?: string };
  spec: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    volumeMode?: string;
    resources?: { requests?: { storage?: string } };
  };
  status?: { phase?: string; capacity?: { storage?: string } };
}
interface Volume {
  metadata: Meta;
  spec: {
    capacity?: { storage?: string };
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { uid?: string };
  };
  status?: { phase?: string };
}
interface List<T> {
  items: T[];
}

export class VolumeProvisioner {
  private readonly root: string;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(root: string) {
    this.root = root;
  }

  /** Polls every `intervalMs`; a poll is a handful of reads, and the control plane is small. */
  start(client: RestClient, intervalMs = 250): void {
    const tick = async () => {
      if (this.running) return;
      this.running = true;
      try {
        await this.sync(client);
      } catch {
        // The API server may be restarting; the next tick retries.
      } finally {
        this.running = false;
      }
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    void tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  async sync(client: RestClient): Promise<void> {
    const [classes, claims, volumes] = await Promise.all([
      client.request<List<StorageClass>>({ method: 'GET', path: collectionPath(builtin.StorageClass) }),
      client.request<List<Claim>>({ method: 'GET', path: collectionPath(builtin.PersistentVolumeClaim) }),
      client.request<List<Volume>>({ method: 'GET', path: collectionPath(builtin.PersistentVolume) }),
    ]);
    const ours = new Map(
      classes.items.filter((c) => c.provisioner === PROVISIONER_NAME).map((c) => [c.metadata.name, c]),
    );
    const volumesByName = new Map(volumes.items.map((v) => [v.metadata.name, v]));
    for (const claim of claims.items) {
      const sc = ours.get(claim.spec.storageClassName ?? '');
      if (sc === undefined || claim.metadata.deletionTimestamp !== undefined) continue;
      if (claim.spec.volumeName === undefined || claim.spec.volumeName === '') {
        await this.provision(client, claim, sc);
      } else if (sc.allowVolumeExpansion === true && claim.status?.phase === 'Bound') {
        const volume = volumesByName.get(claim.spec.volumeName);
        if (volume !== undefined) await this.expand(client, claim, volume);
      }
    }
    for (const volume of volumes.items) {
      const released = volume.status?.phase === 'Released' || volume.status?.phase === 'Failed';
      if (
        released &&
        volume.metadata.annotations?.[PROVISIONED_BY] === PROVISIONER_NAME &&
        volume.spec.persistentVolumeReclaimPolicy === 'Delete'
      ) {
        await client
          .request({
            method: 'DELETE',
            path: objectPath(builtin.PersistentVolume, undefined, volume.metadata.name),
          })
          .catch(ignore(isNotFound));
      }
    }
  }

  private async provision(client: RestClient, claim: Claim, sc: StorageClass): Promise<void> {
    const name = `pvc-${claim.metadata.uid}`;
    const body = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations: { [PROVISIONED_BY]: PROVISIONER_NAME } },
      spec: {
        capacity: { storage: claim.spec.resources?.requests?.storage ?? '1Gi' },
        accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
        volumeMode: claim.spec.volumeMode ?? 'Filesystem',
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata.name,
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: claim.metadata.namespace,
          name: claim.metadata.name,
          uid: claim.metadata.uid,
        },
        hostPath: { path: join(this.root, name), type: 'DirectoryOrCreate' },
      },
    };
    await client
      .request({ method: 'POST', path: collectionPath(builtin.PersistentVolume), body })
      .catch(ignore(isConflict));
  }

  private async expand(client: RestClient, claim: Claim, volume: Volume): Promise<void> {
    const requested = claim.spec.resources?.requests?.storage;
    const capacity = claim.status?.capacity?.storage;
    if (requested === undefined || capacity === undefined || compareQuantities(requested, capacity) <= 0)
      return;
    if (compareQuantities(requested, volume.spec.capacity?.storage ?? '0') > 0) {
      await client.request({
        method: 'PATCH',
        path: objectPath(builtin.PersistentVolume, undefined, volume.metadata.name),
        contentType: 'application/merge-patch+json',
        body: { spec: { capacity: { storage: requested } } },
      });
    }
    await client.request({
      method: 'PATCH',
      path: objectPath(
        builtin.PersistentVolumeClaim,
        claim.metadata.namespace,
        claim.metadata.name,
        'status',
      ),
      contentType: 'application/merge-patch+json',
      body: { status: { capacity: { storage: requested }, conditions: null, allocatedResources: null } },
    });
  }
}

function ignore(test: (err: unknown) => boolean): (err: unknown) => void {
  return (err) => {
    if (!test(err)) throw err;
  };
}
