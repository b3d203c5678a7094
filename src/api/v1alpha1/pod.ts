/**
 * Pod overrides of a component. The DorisCluster's own labels and annotations never reach the pods
 * (copying them brings `kubectl.kubernetes.io/last-applied-configuration` along, and any edit of
 * the CR would then roll every pod); `pod.labels`/`pod.annotations` and the cluster-wide
 * `spec.inheritedMetadata` are the only ways in. Core types are embedded whole (see fields.ts).
 */
import type {
  V1Affinity,
  V1Container,
  V1EnvVar,
  V1PodSecurityContext,
  V1SecurityContext,
  V1Toleration,
  V1TopologySpreadConstraint,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { z } from 'zod';
import { celString } from '../schema/cel.ts';
import {
  annotationMap,
  cel,
  embedded,
  embeddedList,
  labelMap,
  listMap,
  withSchema,
} from '../schema/fields.ts';

/** Environment variables the operator sets for the official entrypoints; a user value would break them. */
export const operatorEnvNames = [
  'ENV_FE_ADDR',
  'FE_QUERY_PORT',
  'ELECT_NUMBER',
  'USER',
  'PASSWD',
  'DORIS_ROOT',
  'CONFIGMAP_MOUNT_PATH',
  'POD_NAME',
  'POD_IP',
  'HOST_IP',
  'POD_NAMESPACE',
  'HOST_TYPE',
] as const;

/** Label keys the operator selects its pods by; a user value would detach pods from their StatefulSet. */
export const reservedLabelPrefixes = ['doris.cloudnative.dev/', 'app.kubernetes.io/'] as const;

/** A named core object kept whole: the name is typed because lists of them are keyed by it. */
function named<T>(description: string) {
  return withSchema(
    z.looseObject({ name: z.string().min(1).max(253).describe('Name, unique in the list.') }),
    {
      'x-kubernetes-preserve-unknown-fields': true,
    },
  ).describe(description) as unknown as z.ZodType<T>;
}

function namedList<T>(description: string, item: string, maxItems: number) {
  return listMap(z.array(named<T>(item)).max(maxItems).optional().describe(description), 'name');
}

const envList = cel(
  namedList<V1EnvVar>(
    'Extra environment variables of the main container (Kubernetes EnvVar objects).',
    'An environment variable (Kubernetes EnvVar: name with value or valueFrom).',
    128,
  ),
  {
    rule: `self.all(e, !(e.name in [${operatorEnvNames.map(celString).join(', ')}]))`,
    message: `${operatorEnvNames.join(', ')} are set by the operator for the Doris entrypoints`,
  },
);

/** Labels that end up on pods: any key but those the operator selects its pods by. */
export function podLabelMap(description: string) {
  return cel(labelMap(description), {
    rule: `self.all(k, ${reservedLabelPrefixes.map((p) => `!k.startsWith(${celString(p)})`).join(' && ')})`,
    message: `label keys starting with ${reservedLabelPrefixes.join(' or ')} are reserved for the operator's selectors`,
  });
}

export const podOverridesSchema = z
  .object({
    labels: podLabelMap('Extra labels of the pods.').optional(),
    annotations: annotationMap('Extra annotations of the pods.').optional(),
    affinity: embedded<V1Affinity>('Scheduling affinity of the pods (Kubernetes Affinity).').optional(),
    tolerations: embeddedList<V1Toleration>(
      'Tolerations of the pods (Kubernetes Toleration objects).',
      64,
      'A Kubernetes Toleration.',
    ).optional(),
    nodeSelector: withSchema(z.record(z.string(), z.string().max(63)), { maxProperties: 64 })
      .optional()
      .describe('Labels a node must have to run the pods.'),
    topologySpreadConstraints: embeddedList<V1TopologySpreadConstraint>(
      'How the pods spread across zones or nodes (Kubernetes TopologySpreadConstraint objects).',
      16,
      'A Kubernetes TopologySpreadConstraint.',
    ).optional(),
    env: envList,
    sidecars: namedList<V1Container>(
      'Extra containers beside the main one (Kubernetes Container objects), e.g. a log shipper.',
      'A Kubernetes Container.',
      16,
    ),
    initContainers: namedList<V1Container>(
      'Containers that run before the main one (Kubernetes Container objects).',
      'A Kubernetes Container.',
      16,
    ),
    volumes: namedList<V1Volume>(
      'Extra pod volumes (Kubernetes Volume objects) for sidecars or volumeMounts.',
      'A Kubernetes Volume.',
      32,
    ),
    volumeMounts: embeddedList<V1VolumeMount>(
      'Extra mounts in the main container (Kubernetes VolumeMount objects), of volumes listed in volumes.',
      32,
      'A Kubernetes VolumeMount.',
    ).optional(),
    podSecurityContext: embedded<V1PodSecurityContext>(
      'Security settings of the pods (Kubernetes PodSecurityContext), e.g. fsGroup.',
    ).optional(),
    containerSecurityContext: embedded<V1SecurityContext>(
      'Security settings of the main container (Kubernetes SecurityContext).',
    ).optional(),
    priorityClassName: z.string().min(1).max(253).optional().describe('PriorityClass of the pods.'),
    serviceAccountName: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe("ServiceAccount the pods run as; the namespace's default when omitted."),
    imagePullSecrets: listMap(
      z
        .array(
          z
            .object({
              name: z
                .string()
                .min(1)
                .max(253)
                .describe('Name of a Secret of type kubernetes.io/dockerconfigjson.'),
            })
            .describe('A reference to a registry credentials Secret in the namespace.'),
        )
        .max(16)
        .optional()
        .describe('Secrets with credentials for pulling the image from a private registry.'),
      'name',
    ),
    terminationGracePeriodSeconds: z
      .int()
      .min(0)
      .max(86400)
      .optional()
      .describe(
        'Seconds a member has to stop cleanly before it is killed; the operator chooses when omitted.',
      ),
  })
  .describe(
    'Settings of the pods of this component. Labels and annotations of the DorisCluster itself are not copied ' +
      'to pods; set them here or in spec.inheritedMetadata.',
  );
