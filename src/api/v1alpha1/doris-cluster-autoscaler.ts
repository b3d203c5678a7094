/**
 * DorisClusterAutoscaler (short name `dca`): the compute nodes of one DorisCluster scaled on Doris'
 * own load, with the HorizontalPodAutoscaler's formula and behaviour (policies, stabilisation
 * windows, tolerance) plus time windows and a cool-down. It writes only `spec.cn.replicas` of its
 * cluster; the DorisCluster controller carries every change out on its safe paths. The single
 * source of the kind's TypeScript types and of its CRD.
 */
import { z } from 'zod';
import { cel, fullDefault, listMap, quantity, timestamp } from '../schema/fields.ts';
import { defineKind, type ObjectOf } from '../schema/kind.ts';
import { conditionsSchema } from './conditions.ts';
import { category, group, version } from './group.ts';

export const metricTypes = ['CPU', 'Memory', 'QPS', 'P99Latency', 'RunningQueries', 'QueuedQueries'] as const;
export type MetricType = (typeof metricTypes)[number];

/** Which target each metric takes: a utilisation in percent, a value per compute node, or one value for the cluster. */
export const targetOf: Record<MetricType, 'averageUtilization' | 'averageValue' | 'value'> = {
  CPU: 'averageUtilization',
  Memory: 'averageValue',
  QPS: 'averageValue',
  P99Latency: 'value',
  RunningQueries: 'averageValue',
  QueuedQueries: 'averageValue',
};

const metricSchema = cel(
  z
    .object({
      type: z
        .enum(metricTypes)
        .describe(
          'CPU: busy share of the compute nodes CPUs (doris_be_cpu), target averageUtilization in percent. ' +
            'Memory: memory in use per compute node (doris_be_memory_allocated_bytes), target averageValue (e.g. 12Gi). ' +
            'QPS: queries per second over the FEs (doris_fe_qps) per compute node, target averageValue. ' +
            'P99Latency: the FEs p99 query latency in ms (doris_fe_query_latency_ms{quantile="0.99"}), target value. ' +
            'RunningQueries: fragment instances running per compute node (doris_be_fragment_instance_count), target averageValue. ' +
            'QueuedQueries: tasks queued per compute node (doris_be_fragment_thread_pool_queue_size), target averageValue.',
        ),
      averageUtilization: z
        .int()
        .min(1)
        .max(100)
        .optional()
        .describe('CPU: the busy share, in percent, each compute node should run at.'),
      averageValue: quantity(
        'The value each compute node should carry (QPS, Memory, RunningQueries, QueuedQueries).',
        {
          positive: true,
        },
      ).optional(),
      value: quantity('P99Latency: the latency in ms the cluster should stay at.', {
        positive: true,
      }).optional(),
    })
    .describe('One metric and its target; the metric asking for the most compute nodes wins.'),
  {
    rule:
      "self.type == 'CPU' ? has(self.averageUtilization) && !has(self.averageValue) && !has(self.value) : " +
      "self.type == 'P99Latency' ? has(self.value) && !has(self.averageValue) && !has(self.averageUtilization) : " +
      'has(self.averageValue) && !has(self.value) && !has(self.averageUtilization)',
    messageExpression:
      "'metric ' + self.type + ' takes exactly one target: ' + (self.type == 'CPU' ? 'averageUtilization (percent)' : " +
      "self.type == 'P99Latency' ? 'value (milliseconds)' : 'averageValue (per compute node)')",
  },
);

const policySchema = z
  .object({
    type: z
      .enum(['Pods', 'Percent'])
      .describe('Pods: a number of compute nodes; Percent: of the current number.'),
    value: z
      .int()
      .min(1)
      .describe('How many (Pods) or what share (Percent) may change within periodSeconds.'),
    periodSeconds: z.int().min(1).max(1800).describe('The window the policy counts changes in.'),
  })
  .describe('A limit on how fast the number of compute nodes changes, as in a HorizontalPodAutoscaler.');

const rulesSchema = (defaults: { window: number; policies: z.input<typeof policySchema>[] }) =>
  z
    .object({
      stabilizationWindowSeconds: z
        .int()
        .min(0)
        .max(3600)
        .default(defaults.window)
        .describe(
          `Recommendations over this many seconds are considered and the most conservative one is taken (default ${defaults.window}).`,
        ),
      selectPolicy: z
        .enum(['Max', 'Min', 'Disabled'])
        .default('Max')
        .describe(
          'Max: the policy allowing the largest change; Min: the smallest; Disabled: never in this direction.',
        ),
      policies: z
        .array(policySchema)
        .min(1)
        .max(8)
        .default(defaults.policies)
        .describe('Limits on the rate of change (default as a HorizontalPodAutoscaler).'),
    })
    .describe('How compute nodes are added or removed.');

const scaleUpSchema = rulesSchema({
  window: 0,
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
});
const scaleDownSchema = rulesSchema({
  window: 300,
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

const behaviorSchema = z
  .object({
    scaleUp: fullDefault(scaleUpSchema).describe('Adding compute nodes: at once by default (window 0).'),
    scaleDown: fullDefault(scaleDownSchema).describe(
      'Removing compute nodes: only once 5 minutes of recommendations agree, by default.',
    ),
    tolerance: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('No change while every metric is within this share of its target (default 0.1, as HPA).'),
    cooldownSeconds: z
      .int()
      .min(0)
      .max(3600)
      .default(0)
      .describe(
        'No further change for this long after one was made (default 0, as HPA: the stabilization windows already damp changes).',
      ),
  })
  .describe('How fast the autoscaler moves, with HorizontalPodAutoscaler semantics.');

export const scheduleSchema = cel(
  z
    .object({
      name: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        .max(63)
        .describe('Name of the window (status lists the active ones).'),
      start: z
        .string()
        .min(1)
        .max(128)
        .describe(
          'Cron expression (5 fields, or 6 with seconds first) of when the window opens, e.g. "0 8 * * 1-5".',
        ),
      end: z
        .string()
        .min(1)
        .max(128)
        .describe('Cron expression of when the window closes, e.g. "0 20 * * 1-5".'),
      timeZone: z
        .string()
        .min(1)
        .max(64)
        .default('UTC')
        .describe('IANA time zone the cron expressions are read in (default UTC), e.g. Europe/Berlin.'),
      minReplicas: z
        .int()
        .min(0)
        .max(1000)
        .optional()
        .describe('The least number of compute nodes in the window.'),
      maxReplicas: z.int().min(0).max(1000).optional().describe('The most compute nodes in the window.'),
    })
    .describe('A time window with its own bounds (e.g. more compute nodes in business hours).'),
  {
    rule: 'has(self.minReplicas) || has(self.maxReplicas)',
    message: 'a schedule sets minReplicas, maxReplicas or both',
  },
  {
    rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
    message: 'minReplicas must not exceed maxReplicas',
    fieldPath: '.minReplicas',
  },
);

export const storageRuleSchema = z
  .object({
    usedPercent: z
      .int()
      .min(50)
      .max(99)
      .default(85)
      .describe('Grow a data directory once it is fuller than this on any BE (percent, default 85).'),
    forSeconds: z
      .int()
      .min(0)
      .max(86400)
      .default(300)
      .describe('For at least this long (default 300 s): a burst of loads does not grow claims.'),
    stepPercent: z
      .int()
      .min(1)
      .max(100)
      .default(20)
      .describe('Each growth adds this share of the size (default 20 %).'),
    maxSize: quantity('The size a data directory never grows beyond, e.g. 2Ti.', { positive: true }),
  })
  .describe(
    'Grow the BE data directories (spec.be.storage.dataDirs[].size) when they fill up, through the claim expansion ' +
      'of the DorisCluster (storage classes with allowVolumeExpansion only; others get a warning).',
  );

export const autoscalerSpecSchema = cel(
  z
    .object({
      clusterRef: z
        .object({
          name: z.string().min(1).max(253).describe('Name of the DorisCluster, in the same namespace.'),
        })
        .describe(
          'The DorisCluster whose compute nodes (spec.cn.replicas) are scaled; it must have spec.cn.',
        ),
      minReplicas: z
        .int()
        .min(1)
        .max(1000)
        .default(1)
        .describe('The least number of compute nodes (default 1).'),
      maxReplicas: z.int().min(1).max(1000).describe('The most compute nodes.'),
      metrics: listMap(
        z
          .array(metricSchema)
          .min(1)
          .max(6)
          .describe('What the number of compute nodes follows; the largest need wins.'),
        'type',
      ),
      metricsSource: fullDefault(
        z
          .object({
            type: z
              .enum(['Direct', 'Prometheus'])
              .default('Direct')
              .describe(
                "Direct (default): the operator reads the members' own /metrics (no Prometheus needed). " +
                  'Prometheus: PromQL through prometheus.url.',
              ),
            prometheus: z
              .object({
                url: z
                  .string()
                  .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/)
                  .max(1024)
                  .describe('Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090.'),
                rateWindow: z
                  .string()
                  .regex(/^[1-9][0-9]*[smh]$/)
                  .default('1m')
                  .describe(
                    'Range of rate() over the CPU counters (default 1m): at least four scrape intervals.',
                  ),
                labels: z
                  .object({
                    namespace: z
                      .string()
                      .max(63)
                      .default('namespace')
                      .describe('Label holding the namespace.'),
                    cluster: z
                      .string()
                      .max(63)
                      .default('cluster')
                      .describe('Label holding the DorisCluster name.'),
                    component: z
                      .string()
                      .max(63)
                      .default('component')
                      .describe('Label holding the component (fe, cn).'),
                  })
                  .prefault({})
                  .describe('Target labels the scrape configuration sets (the DorisMonitor defaults).'),
              })
              .optional()
              .describe('Where to query, when type is Prometheus.'),
          })
          .describe('Where the metrics come from.'),
        {},
      ),
      behavior: fullDefault(behaviorSchema),
      schedules: listMap(
        z
          .array(scheduleSchema)
          .max(16)
          .default([])
          .describe(
            'Time windows with their own bounds; where windows overlap the highest minimum and lowest maximum hold.',
          ),
        'name',
      ),
      storage: z
        .object({ be: storageRuleSchema.optional() })
        .optional()
        .describe('Storage autoscaling: claims grown as they fill up (BE data directories).'),
      syncPeriodSeconds: z
        .int()
        .min(1)
        .max(600)
        .default(15)
        .describe('How often the metrics are read and a decision taken (default 15 s, as HPA).'),
    })
    .describe('Bounds, metrics and behaviour of the compute-node autoscaler.'),
  {
    rule: 'self.minReplicas <= self.maxReplicas',
    message: 'minReplicas must not exceed maxReplicas',
    fieldPath: '.minReplicas',
  },
  {
    rule: "self.metricsSource.type != 'Prometheus' || has(self.metricsSource.prometheus)",
    message: 'metricsSource.prometheus.url is required when metricsSource.type is Prometheus',
    fieldPath: '.metricsSource.prometheus',
    reason: 'FieldValueRequired',
  },
);

export const autoscalerStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The generation this status was written for.'),
    currentReplicas: z
      .int()
      .min(0)
      .optional()
      .describe('Compute nodes the cluster asks for now (spec.cn.replicas).'),
    desiredReplicas: z
      .int()
      .min(0)
      .optional()
      .describe('Compute nodes the autoscaler wants, after every limit.'),
    reason: z.string().max(1024).optional().describe('Why desiredReplicas is what it is.'),
    drivingMetric: z.string().optional().describe('The metric asking for the most compute nodes.'),
    currentMetrics: listMap(
      z
        .array(
          z
            .object({
              type: z.enum(metricTypes).describe('The metric.'),
              current: z.string().describe('Its value as last read (per compute node where the target is).'),
              target: z.string().describe('Its target.'),
              recommended: z.int().min(0).optional().describe('Compute nodes this metric alone asks for.'),
            })
            .describe('One metric as last read.'),
        )
        .optional()
        .describe('Each metric as last read.'),
      'type',
    ),
    activeSchedules: z.array(z.string()).optional().describe('Schedules whose window is open now.'),
    storage: listMap(
      z
        .array(
          z
            .object({
              dataDir: z.string().describe('BE data directory.'),
              usedPercent: z.int().min(0).max(100).optional().describe('Fullest BE, as last read (percent).'),
              size: z.string().describe('Size the spec asks for.'),
              state: z
                .enum(['Ok', 'Filling', 'Growing', 'AtLimit', 'NotExpandable', 'Unknown'])
                .describe(
                  'Ok; Filling (above the threshold, not yet for forSeconds); Growing (claims expanding); AtLimit (maxSize reached); ' +
                    'NotExpandable (the storage class cannot grow claims); Unknown (the BEs could not be read).',
                ),
              since: timestamp('Since when it is above the threshold.').optional(),
            })
            .describe('One data directory.'),
        )
        .optional()
        .describe('Storage autoscaling: each BE data directory.'),
      'dataDir',
    ),
    lastStorageGrowthTime: timestamp('When a data directory was last grown.').optional(),
    lastScaleTime: timestamp('When the autoscaler last changed spec.cn.replicas.').optional(),
    lastMetricsTime: timestamp('When the metrics were last read.').optional(),
    conditions: conditionsSchema.optional(),
  })
  .describe('What the autoscaler last saw and decided.');

export const dorisClusterAutoscalerKind = defineKind({
  group,
  version,
  kind: 'DorisClusterAutoscaler',
  plural: 'dorisclusterautoscalers',
  shortNames: ['dca'],
  categories: [category],
  description:
    "Scales a DorisCluster's compute nodes on Doris' own load (CPU, QPS, p99 latency, running or queued queries, memory) " +
    'with HorizontalPodAutoscaler semantics, time windows and a cool-down.',
  spec: autoscalerSpecSchema,
  status: autoscalerStatusSchema,
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterRef.name', description: 'The DorisCluster.' },
    { name: 'Min', type: 'integer', jsonPath: '.spec.minReplicas', description: 'Least compute nodes.' },
    { name: 'Max', type: 'integer', jsonPath: '.spec.maxReplicas', description: 'Most compute nodes.' },
    {
      name: 'Current',
      type: 'integer',
      jsonPath: '.status.currentReplicas',
      description: 'Compute nodes now.',
    },
    {
      name: 'Desired',
      type: 'integer',
      jsonPath: '.status.desiredReplicas',
      description: 'Compute nodes wanted.',
    },
    {
      name: 'Metric',
      type: 'string',
      jsonPath: '.status.drivingMetric',
      description: 'The metric that decides.',
    },
    {
      name: 'Age',
      type: 'date',
      jsonPath: '.metadata.creationTimestamp',
      description: 'Time since creation.',
    },
  ],
});

export type AutoscalerSpec = z.input<typeof autoscalerSpecSchema>;
export type ResolvedAutoscalerSpec = z.output<typeof autoscalerSpecSchema>;
export type AutoscalerStatus = z.input<typeof autoscalerStatusSchema>;
export type DorisClusterAutoscaler = ObjectOf<typeof dorisClusterAutoscalerKind>;
