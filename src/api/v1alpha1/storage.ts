/**
 * Storage of each component. Every volume is a PersistentVolumeClaim unless the user asks for an
 * emptyDir: the official operator's emptyDir default loses FE metadata and BE tablets on a pod
 * restart. Claims are retained on scale-in and on cluster deletion unless the retention policy says
 * otherwise (safety invariant S5), and a BE claim is never deleted before its decommission is done (S1).
 */
import { z } from 'zod';
import { cel, dnsLabel, fullDefault, listMap, quantity } from '../schema/fields.ts';

const volumeShape = (defaultSize: string) => ({
  type: z
    .enum(['PersistentVolumeClaim', 'EmptyDir'])
    .default('PersistentVolumeClaim')
    .describe(
      'PersistentVolumeClaim (default) keeps the data across pod restarts and rescheduling; ' +
        'EmptyDir loses it whenever the pod goes away, for trials only.',
    ),
  size: quantity(
    `Capacity of the claim, or the size limit of an emptyDir, as a quantity (default ${defaultSize}). ` +
      'It can grow (the operator expands the claims) but not shrink.',
    { positive: true },
  ).default(defaultSize),
  storageClassName: z
    .string()
    .min(1)
    .max(253)
    .optional()
    .describe("StorageClass of the claims; the cluster's default class when omitted. Cannot change later."),
});

/** Rules shared by every volume: what a PVC cannot do after creation. */
const volumeRules = [
  {
    // string() turns an int size into a quantity too; invalid sizes are refused by the size rule.
    rule:
      '!isQuantity(string(self.size)) || !isQuantity(string(oldSelf.size)) || ' +
      'quantity(string(self.size)).compareTo(quantity(string(oldSelf.size))) >= 0',
    message: 'size can grow but not shrink: a PersistentVolumeClaim cannot be made smaller',
    fieldPath: '.size',
  },
  {
    rule: 'has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)',
    message: 'storageClassName cannot change: the claims already exist in the old class',
    fieldPath: '.storageClassName',
  },
  {
    rule: 'self.type == oldSelf.type',
    message: 'type cannot change between PersistentVolumeClaim and EmptyDir after creation',
    fieldPath: '.type',
  },
] as const;

/** A volume of one component, with its default size. */
export function volumeSchema(description: string, defaultSize: string) {
  return cel(z.object(volumeShape(defaultSize)).describe(description), ...volumeRules);
}

export const dataDirSchema = cel(
  z
    .object({
      name: dnsLabel(
        'Name of the directory: mounted at /opt/apache-doris/be/<name> and listed in storage_root_path. ' +
          'The first directory is usually "storage", the image default.',
        32,
      ),
      medium: z
        .enum(['HDD', 'SSD'])
        .default('HDD')
        .describe(
          'Storage medium Doris records for the directory (",medium:SSD" in storage_root_path): HDD or SSD.',
        ),
      ...volumeShape('100Gi'),
    })
    .describe('One BE data directory, on its own volume.'),
  ...volumeRules,
);

export const retentionPolicySchema = z
  .object({
    whenScaled: z
      .enum(['Retain', 'Delete'])
      .default('Retain')
      .describe(
        'What happens to the claims of a member removed by scale-in: Retain (default) keeps them; Delete ' +
          'removes them, for a BE only after Doris reports its decommission complete.',
      ),
    whenDeleted: z
      .enum(['Retain', 'Delete'])
      .default('Retain')
      .describe(
        'What happens to the claims when the DorisCluster is deleted: Retain (default) keeps the data; ' +
          'Delete removes it with the cluster.',
      ),
  })
  .describe('When claims are deleted. Data is retained by default, on scale-in and on cluster deletion.');

const logs = (component: string) =>
  volumeSchema(
    `A volume for the ${component} logs. When omitted the logs go to an emptyDir (and to the container output), ` +
      'since losing them loses no data.',
    '20Gi',
  ).optional();

const retentionPolicy = fullDefault(retentionPolicySchema);

export const feStorageSchema = z
  .object({
    meta: fullDefault(
      volumeSchema(
        'The FE metadata volume (doris-meta: the BDB-JE journal and images). Losing it removes the FE from the group.',
        '20Gi',
      ),
    ),
    logs: logs('FE'),
    retentionPolicy,
  })
  .describe('Volumes of the FE members: one metadata claim per member.');

export const beStorageSchema = z
  .object({
    dataDirs: fullDefault(
      cel(
        listMap(
          z
            .array(dataDirSchema)
            .min(1)
            .max(16)
            .describe(
              'Data directories of each BE (storage_root_path), each on its own claim; one 100Gi HDD directory ' +
                '"storage" by default. Directories can be added but not removed, since their tablets would be lost.',
            ),
          'name',
        ),
        {
          rule: 'oldSelf.all(o, self.exists(d, d.name == o.name))',
          message: 'data directories cannot be removed or renamed: their tablets would be lost',
        },
      ),
      [{ name: 'storage' }],
    ),
    logs: logs('BE'),
    retentionPolicy,
  })
  .describe('Volumes of the BE members: the data directories that hold the tablets.');

export const cnStorageSchema = z
  .object({
    cache: fullDefault(
      volumeSchema(
        'The file cache volume of each compute node (file_cache_path), caching remote data.',
        '100Gi',
      ),
    ),
    logs: logs('CN'),
    retentionPolicy,
  })
  .describe('Volumes of the compute nodes: a file cache claim per member.');

export const brokerStorageSchema = z
  .object({ logs: logs('Broker'), retentionPolicy })
  .describe('Volumes of the brokers, which keep no data.');
