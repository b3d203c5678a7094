/**
 * DorisCluster (short name `dc`): one Apache Doris cluster of FE, BE and optionally CN and Broker
 * members. The single source of its TypeScript types and of its CRD.
 *
 * No scale subresource: the kind has four replica counts and the scale subresource takes one. An
 * HPA on BE replicas would also bypass decommission planning, and CN autoscaling on Doris load has
 * its own kind (DorisClusterAutoscaler), which edits spec.cn.replicas.
 */
import { z } from 'zod';
import { celString } from '../schema/cel.ts';
import { annotationMap, cel, fullDefault } from '../schema/fields.ts';
import { defineKind, type ObjectOf } from '../schema/kind.ts';
import { beSpecSchema, brokerSpecSchema, cnSpecSchema, feSpecSchema } from './components.ts';
import { category, group, version } from './group.ts';
import { podLabelMap } from './pod.ts';
import { rolloutSchema } from './rollout.ts';
import { dorisClusterStatusSchema } from './status.ts';

/** Doris release numbers as the official image tags carry them (fe-2.1.8, be-3.0.5). */
const versionPattern = /^[0-9]+\.[0-9]+\.[0-9]+([-.][0-9A-Za-z]+)*$/;

export const dorisClusterSpecSchema = cel(
  z
    .object({
      version: cel(
        z
          .string()
          .min(1)
          .max(64)
          .optional()
          .describe(
            'Doris version, e.g. 2.1.8. Components without an image run <imageRepository>:<component>-<version>. ' +
              'Changing it upgrades the cluster in the Doris order: BE, CN, FE observers, followers, master last, Broker.',
          ),
        {
          rule: `self.matches(${celString(versionPattern.source)})`,
          message:
            'version must be a Doris release such as 2.1.8 (images are tagged fe-<version>, be-<version>)',
        },
      ),
      imageRepository: z
        .string()
        .min(1)
        .max(256)
        .default('apache/doris')
        .describe('Repository of the default images (apache/doris); set it to pull from a mirror.'),
      imagePullPolicy: z
        .enum(['Always', 'IfNotPresent', 'Never'])
        .default('IfNotPresent')
        .describe('Pull policy of every Doris container: Always, IfNotPresent (default) or Never.'),
      authSecretRef: z
        .object({
          name: z.string().min(1).max(253).describe('Name of the Secret, in the cluster namespace.'),
        })
        .optional()
        .describe(
          'A Secret of type kubernetes.io/basic-auth (keys username and password) with the Doris account the ' +
            'operator and the member entrypoints use; it needs the NODE and ADMIN privileges. When omitted, root ' +
            'with an empty password is used, which suits trials only.',
        ),
      rootSecretRef: z
        .object({
          name: z.string().min(1).max(253).describe('Name of the Secret, in the cluster namespace.'),
        })
        .optional()
        .describe(
          "A Secret with the password Doris' root account gets (key password), when authSecretRef names " +
            'another account. When omitted, the operator generates one into the Secret <name>-root. Doris starts ' +
            'with root passwordless; the operator closes that as soon as the cluster answers.',
        ),
      inheritedMetadata: z
        .object({
          labels: podLabelMap(
            'Labels copied to every object the operator creates for this cluster.',
          ).optional(),
          annotations: annotationMap(
            'Annotations copied to every object the operator creates for this cluster.',
          ).optional(),
        })
        .optional()
        .describe(
          'Labels and annotations for every object the operator creates (StatefulSets, pods, Services, claims, ' +
            "ConfigMaps). The DorisCluster's own metadata is never copied.",
        ),
      rollout: fullDefault(rolloutSchema),
      fe: feSpecSchema,
      be: beSpecSchema,
      cn: cnSpecSchema.optional(),
      broker: brokerSpecSchema.optional(),
    })
    .describe('Desired state of the Doris cluster.'),
  {
    rule:
      'has(self.version) || (has(self.fe.image) && has(self.be.image) && ' +
      '(!has(self.cn) || has(self.cn.image)) && (!has(self.broker) || has(self.broker.image)))',
    message: 'version is required unless every component sets its image',
    fieldPath: '.version',
    reason: 'FieldValueRequired',
  },
);

export const dorisClusterKind = defineKind({
  group,
  version,
  kind: 'DorisCluster',
  plural: 'dorisclusters',
  shortNames: ['dc'],
  categories: [category],
  description:
    'An Apache Doris cluster: frontends (FE), backends (BE), and optionally compute nodes (CN) and brokers. ' +
    'The operator creates, upgrades, scales and heals it without losing data.',
  spec: dorisClusterSpecSchema,
  status: dorisClusterStatusSchema,
  nameRules: [
    {
      // The name prefixes StatefulSets (<name>-broker) whose revision label <sts>-<10-char hash> must fit in
      // 63 characters, and Services, whose names must start with a letter.
      rule: "size(self) <= 40 && self.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
      message:
        "must be at most 40 lower-case letters, digits and '-', starting with a letter: it prefixes " +
        'the names of the StatefulSets, Services and pods of the cluster',
    },
  ],
  printerColumns: [
    {
      name: 'FE',
      type: 'string',
      jsonPath: '.status.fe.ready',
      description: 'Ready FE members over desired.',
    },
    {
      name: 'BE',
      type: 'string',
      jsonPath: '.status.be.ready',
      description: 'Ready BE members over desired.',
    },
    {
      name: 'CN',
      type: 'string',
      jsonPath: '.status.cn.ready',
      description: 'Ready compute nodes over desired.',
    },
    {
      name: 'Broker',
      type: 'string',
      jsonPath: '.status.broker.ready',
      description: 'Ready brokers over desired.',
      priority: 1,
    },
    { name: 'Version', type: 'string', jsonPath: '.status.version', description: 'Doris version running.' },
    {
      name: 'Master',
      type: 'string',
      jsonPath: '.status.master',
      description: 'Pod of the FE master.',
      priority: 1,
    },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Summary of the cluster state.',
    },
    {
      name: 'Failed',
      type: 'integer',
      jsonPath: '.status.failedMembers',
      description: 'Members failed now (failover records them in status.<component>.failures).',
    },
    {
      name: 'Operation',
      type: 'string',
      jsonPath: '.status.operation.type',
      description: 'Disruptive operation in progress.',
    },
    {
      name: 'Member',
      type: 'string',
      jsonPath: '.status.operation.member',
      description: 'The member the operation acts on now.',
      priority: 1,
    },
    {
      name: 'Age',
      type: 'date',
      jsonPath: '.metadata.creationTimestamp',
      description: 'Time since creation.',
    },
  ],
});

/** A DorisCluster spec as users write it (defaulted fields optional). */
export type DorisClusterSpec = z.input<typeof dorisClusterSpecSchema>;
export type DorisClusterStatus = z.input<typeof dorisClusterStatusSchema>;
export type DorisCluster = ObjectOf<typeof dorisClusterKind>;
