/**
 * What the operator reports about a DorisCluster. Membership and health come from Doris itself
 * (SHOW FRONTENDS / SHOW BACKENDS through the master FE), not from pods: a Ready pod does not mean
 * the FE registered the BE or that a decommission finished. When the FE cannot be reached the
 * member view keeps its last `observedAt` and the Ready condition says why (Unknown is not healthy).
 */
import { z } from 'zod';
import { listMap, timestamp } from '../schema/fields.ts';
import { conditionsSchema } from './conditions.ts';

export const phases = [
  'Creating',
  'Ready',
  'Scaling',
  'Upgrading',
  'Restarting',
  'Recovering',
  'Paused',
  'Degraded',
  'Failed',
] as const;

export const memberStatusSchema = z
  .object({
    podName: z.string().describe('Name of the pod of this member.'),
    host: z.string().optional().describe('Host the member is registered under in Doris (the pod FQDN).'),
    role: z
      .enum(['FOLLOWER', 'OBSERVER', 'BACKEND', 'COMPUTE', 'BROKER'])
      .describe('Role in Doris: FOLLOWER or OBSERVER (FE), BACKEND (BE), COMPUTE (CN) or BROKER.'),
    alive: z
      .boolean()
      .optional()
      .describe('Whether Doris reports the member alive (its heartbeats succeed).'),
    isMaster: z.boolean().optional().describe('Whether this FE is the master.'),
    version: z.string().optional().describe('Doris version the member reports.'),
    tabletNum: z.int().min(0).optional().describe('Number of tablets on this BE (0 for other components).'),
    decommission: z
      .enum(['None', 'Decommissioning', 'Decommissioned'])
      .optional()
      .describe('Decommission state of a BE: None, Decommissioning (tablets moving away) or Decommissioned.'),
    lastHeartbeat: timestamp('Last successful heartbeat Doris recorded.').optional(),
    errMsg: z.string().optional().describe('Last heartbeat error Doris recorded, if any.'),
  })
  .describe('One member as Doris sees it.');

export const failureSchema = z
  .object({
    member: z.string().describe('The failed member (pod name).'),
    since: timestamp('Since when it is failed, as the operator first saw it.'),
    reason: z.string().describe('Why it counts as failed: what Doris or its pod says.'),
    replacement: z
      .string()
      .optional()
      .describe('The member added in its place (pod name); removed again once this one is healthy.'),
    rebuiltAt: timestamp(
      'FE: when the failed member was dropped from Doris to be re-added with fresh metadata.',
    ).optional(),
    recoveredAt: timestamp(
      'When the failed member was healthy again; a BE keeps its spare until recover says otherwise.',
    ).optional(),
    message: z.string().optional().describe('What happens next, or why nothing does.'),
  })
  .describe('A member that failed, and what failover did about it.');

export const componentStatusSchema = z
  .object({
    replicas: z.int().min(0).optional().describe('Desired number of members.'),
    readyReplicas: z
      .int()
      .min(0)
      .optional()
      .describe('Members whose pod is ready and which Doris reports alive.'),
    updatedReplicas: z
      .int()
      .min(0)
      .optional()
      .describe('Members running the target image and configuration.'),
    ready: z
      .string()
      .optional()
      .describe('Ready members over desired ones, as kubectl get shows them (e.g. 2/3).'),
    currentImage: z.string().optional().describe('Image most members run now.'),
    targetImage: z
      .string()
      .optional()
      .describe('Image the spec asks for; differs from currentImage during an upgrade.'),
    currentVersion: z
      .string()
      .optional()
      .describe('Doris version the members report (the lowest while they differ).'),
    targetVersion: z.string().optional().describe('Doris version of the target image.'),
    electionNumber: z
      .int()
      .min(0)
      .optional()
      .describe('FE only: the number of followers the FE group formed with.'),
    observedAt: timestamp('When the member view was last read from Doris.').optional(),
    failures: listMap(
      z
        .array(failureSchema)
        .optional()
        .describe('Members failed now, with what failover did (spec.<component>.failover).'),
      'member',
    ),
    members: listMap(
      z.array(memberStatusSchema).optional().describe('Every member as Doris reports it, by pod.'),
      'podName',
    ),
  })
  .describe('State of one component.');

export const operationSchema = z
  .object({
    type: z
      .enum(['Upgrade', 'Restart', 'ScaleIn', 'ScaleOut', 'Failover', 'Expand'])
      .describe(
        'Kind of disruptive operation: Upgrade, Restart (configuration), ScaleIn, ScaleOut, Failover, Expand (volumes).',
      ),
    component: z.enum(['fe', 'be', 'cn', 'broker']).describe('Component it acts on.'),
    member: z.string().optional().describe('Member (pod) it acts on now.'),
    startedAt: timestamp('When the operation started.'),
    memberStartedAt: timestamp(
      'When the step on the current member started; memberTimeoutSeconds counts from here.',
    ).optional(),
    podUid: z
      .string()
      .optional()
      .describe(
        'UID of the pod the operator deleted to restart (or rebuild) the member; its replacement must have another.',
      ),
    claimUids: z
      .array(z.string())
      .max(16)
      .optional()
      .describe(
        'FE failover: UIDs of the claims holding the metadata being replaced; the member is rebuilt once none is left.',
      ),
    lastStartTime: z
      .string()
      .optional()
      .describe(
        'LastStartTime Doris reported for the member before its restart; the restart is confirmed once Doris reports another.',
      ),
    message: z.string().optional().describe('What the operation is doing or waiting for.'),
  })
  .describe('The one disruptive operation in progress; the operator never runs two at a time.');

export const dorisClusterStatusSchema = z
  .object({
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .describe('The .metadata.generation this status was computed for.'),
    phase: z
      .enum(phases)
      .optional()
      .describe(
        `Short summary for kubectl get: ${phases.join(', ')}. Creating until first Ready; Scaling, ` +
          'Upgrading, Restarting while the operator changes members; Paused when spec.rollout.paused holds ' +
          'a change; Degraded when something is wrong (the Degraded condition says what); Failed when the ' +
          'spec cannot be carried out. The conditions give the detail.',
      ),
    version: z.string().optional().describe('Doris version the cluster runs (that of the FE master).'),
    master: z
      .string()
      .optional()
      .describe(
        'Pod of the FE master as Doris last reported it (absent while Doris cannot be reached); the pod ' +
          'also carries the label doris.cloudnative.dev/fe-role=master.',
      ),
    failedMembers: z
      .int()
      .min(0)
      .optional()
      .describe('Members failed now, over all components (status.<component>.failures has each).'),
    firstReadyTime: timestamp(
      'When every member was first ready; until then the phase is Creating, afterwards a member down is Degraded.',
    ).optional(),
    conditions: conditionsSchema.optional(),
    fe: componentStatusSchema.optional().describe('State of the frontends.'),
    be: componentStatusSchema.optional().describe('State of the backends.'),
    cn: componentStatusSchema.optional().describe('State of the compute nodes.'),
    broker: componentStatusSchema.optional().describe('State of the brokers.'),
    operation: operationSchema.optional(),
  })
  .describe('Observed state of the cluster, written by the operator.');
