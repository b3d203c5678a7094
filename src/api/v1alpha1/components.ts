/**
 * The four components of a Doris cluster. FE keeps the metadata and elects a master among its
 * followers; BE stores the tablets; CN (a BE in the computation role) only computes; Broker reads
 * and writes external storage for loads and backups. They share image, replicas, resources,
 * configuration and pod overrides; storage and the FE election number and Service are their own.
 */
import { z } from 'zod';
import { cel, fullDefault } from '../schema/fields.ts';
import { configFilesSchema, configSchema } from './config.ts';
import { beFailoverSchema, failoverSchema, feFailoverSchema } from './failover.ts';
import { hostPreparationSchema } from './host-preparation.ts';
import { type Component, configFileName } from './owned-config.ts';
import { podOverridesSchema } from './pod.ts';
import { probesSchema } from './probes.ts';
import { resourcesSchema } from './resources.ts';
import { feServiceSchema } from './service.ts';
import { beStorageSchema, brokerStorageSchema, cnStorageSchema, feStorageSchema } from './storage.ts';

/** Image tag prefix of each component in the official apache/doris repository (CN runs the BE image). */
export const imageTagPrefix: Readonly<Record<Component, string>> = {
  fe: 'fe',
  be: 'be',
  cn: 'be',
  broker: 'broker',
};

function commonFields(component: Component, replicas: { min: number; default: number; description: string }) {
  const tag = imageTagPrefix[component];
  return {
    image: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe(
        `Container image; <spec.imageRepository>:${tag}-<spec.version> (apache/doris:${tag}-<version>) when omitted. ` +
          'Changing it (or spec.version) upgrades the members one at a time, in the Doris upgrade order.',
      ),
    replicas: z.int().min(replicas.min).max(1000).default(replicas.default).describe(replicas.description),
    resources: resourcesSchema.optional(),
    config: configSchema(component).optional(),
    configFiles: configFilesSchema(component).optional(),
    configMapRef: z
      .object({
        name: z
          .string()
          .min(1)
          .max(253)
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a ConfigMap name (lower case letters, digits, - and .)')
          .describe("Name of a ConfigMap in the cluster's namespace."),
      })
      .optional()
      .describe(
        `A ConfigMap of yours holding the whole ${configFileName[component]} (and any other files for Doris' conf/ ` +
          "directory). Its keys replace the image's own as the base of the file; the operator still sets its keys " +
          '(ports, paths, FQDN mode) and config is applied over it. A change to it restarts the members one at ' +
          'a time. You must be allowed to read it.',
      ),
    pod: podOverridesSchema.optional(),
    probes: fullDefault(probesSchema(component)),
  };
}

/** The election number used when the field is omitted, in CEL over an FE spec `x`. */
const effectiveElection = (x: string) =>
  `(has(${x}.electionNumber) ? ${x}.electionNumber : (${x}.replicas >= 3 ? 3 : 1))`;

export const feSpecSchema = cel(
  z
    .object({
      ...commonFields('fe', {
        min: 1,
        default: 3,
        description:
          'Number of FE members: electionNumber followers (voters; one of them is the master) and observers for ' +
          'the rest. Scale-in removes observers only, highest ordinal first; it cannot go below electionNumber.',
      }),
      electionNumber: cel(
        z
          .int()
          .min(1)
          .max(7)
          .optional()
          .describe(
            'Number of FE followers: the members that vote in master elections (the rest are observers). Must ' +
              'be odd, since writes need a majority of followers and an even number tolerates no more failures; ' +
              'at most 7 and at most replicas. Defaults to 3, or 1 when replicas is below 3. It cannot change ' +
              'after creation: the followers are fixed when the FE group forms.',
          ),
        {
          rule: 'self % 2 == 1',
          message:
            'electionNumber must be odd (1, 3, 5 or 7) so that a majority of followers survives a failure',
        },
      ),
      storage: fullDefault(feStorageSchema),
      service: fullDefault(feServiceSchema),
      failover: fullDefault(feFailoverSchema),
    })
    .describe('The frontends: metadata, SQL parsing and planning, master election among the followers.'),
  {
    rule: '!has(self.electionNumber) || self.electionNumber <= self.replicas',
    message: 'electionNumber must not exceed replicas: the followers are FE members',
    fieldPath: '.electionNumber',
  },
  {
    // Transition rule (runs on update only), on the effective number, also when it was defaulted.
    // (A messageExpression showing the numbers exceeds the CEL cost budget, hence a static message.)
    rule: `${effectiveElection('self')} == ${effectiveElection('oldSelf')}`,
    message:
      'electionNumber cannot change after creation: the FE followers are fixed when the group forms ' +
      '(when omitted it is 3, or 1 below 3 replicas; set it to that value explicitly to change replicas)',
    fieldPath: '.electionNumber',
  },
);

export const beSpecSchema = z
  .object({
    ...commonFields('be', {
      min: 1,
      default: 3,
      description:
        'Number of BE members. Scale-in decommissions the highest-ordinal BEs in Doris first and removes a ' +
        'pod only after its tablets have moved away.',
    }),
    storage: fullDefault(beStorageSchema),
    failover: fullDefault(beFailoverSchema),
    hostPreparation: fullDefault(hostPreparationSchema),
  })
  .describe('The backends: they store the tablets and execute queries.');

export const cnSpecSchema = z
  .object({
    ...commonFields('cn', {
      min: 0,
      default: 1,
      description:
        'Number of compute nodes. They hold no tablets, so scale-in drains and removes them directly.',
    }),
    storage: fullDefault(cnStorageSchema),
    failover: fullDefault(failoverSchema('1m')),
    hostPreparation: fullDefault(hostPreparationSchema),
  })
  .describe(
    'Compute nodes: BEs in the computation role (be_node_role=computation), for queries on external data.',
  );

export const brokerSpecSchema = z
  .object({
    ...commonFields('broker', {
      min: 0,
      default: 1,
      description: 'Number of brokers.',
    }),
    storage: fullDefault(brokerStorageSchema),
    failover: fullDefault(failoverSchema('1m')),
  })
  .describe('Brokers: read and write external storage (HDFS, S3) for Broker Load, export and backup.');
